/**
 * Who may change the gateway through the admin plane (issue 18, docs/admin-api.md "Access").
 *
 * A change (any method but GET/HEAD) needs `Authorization: Bearer <credential>`: an admin key
 * (`admin.keys`, or the key generated into `.gatehouse/admin-key` when none is configured), or an
 * access token from the embedded token service for its management audience carrying
 * `gatehouse:admin`, verified against the token service's own published keys in process (no fetch),
 * whose application still exists and is still granted that scope.
 * Keys are compared as SHA-256 digests with timingSafeEqual, so neither their content nor their
 * length shows in the time an answer takes. Nothing here logs a credential.
 *
 * Browser rules (CSRF): credentials travel only in the Authorization header, which a cross-site
 * form cannot set; a change whose Origin is another site, or marked `Sec-Fetch-Site: cross-site`,
 * is refused anyway, and a change with a body must say it is JSON (a form cannot).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { resolve } from 'node:path';
import { jwtVerify } from 'jose';
import { MANAGEMENT_API_ID } from '../idp/management_scopes.js';
import { managementAudience } from '../idp/settings.js';
import { grantKey } from '../idp/snapshot.js';
import { resolveSecret } from '../lib/secrets.js';
import { keptSecret } from '../lib/kept_secret.js';
/** The scope a token from the embedded token service needs to act as an admin. */
export const ADMIN_SCOPE = 'gatehouse:admin';
/** Where the generated admin key is kept, relative to the config directory (beside the token service's SQLite file). */
export const ADMIN_KEY_FILE = '.gatehouse/admin-key';
/**
 * The access fields of the `admin:` section's schema (beside host and port, config/schema/index.ts).
 * Extensions: OCI has no admin plane.
 */
export const adminAccessSchemaProperties = {
    keys: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        description: 'Admin keys (Authorization: Bearer <key>) for changes on the admin plane: each a literal of 16 characters or more, ${VAR}, or a secret OCID of the secrets: map. Absent: a key is generated into .gatehouse/admin-key beside the config file. A token from the embedded token service with the gatehouse:admin scope is accepted too.',
    },
    openReads: {
        type: 'boolean',
        description: 'GET of /admin/* and /metrics without a credential. Default: true when the admin plane binds a loopback address, false otherwise (then Prometheus sends a credential, or set it true where a network policy limits who reaches the port). /health/* and the console files are always open.',
    },
};
const digest = (s) => createHash('sha256').update(s, 'utf8').digest();
const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;
export function createAdminAccess(opts) {
    let keyDigests = opts.keys.map(digest);
    let openReads = opts.openReads;
    const idp = opts.idp ?? (() => null);
    async function verifyToken(token) {
        const state = idp();
        if (state === null)
            return { ok: false, status: 401, message: 'invalid admin credential' };
        let payload;
        try {
            // Judged at the token service's clock, as its own management API judges its tokens.
            ({ payload } = await jwtVerify(token, state.snapshot.localKeys, { issuer: state.issuer, audience: managementAudience(state.issuer), currentDate: state.now() }));
        }
        catch {
            return { ok: false, status: 401, message: 'invalid admin credential' };
        }
        const scopes = typeof payload['scope'] === 'string' ? payload['scope'].split(' ').filter((s) => s !== '') : [];
        if (!scopes.includes(ADMIN_SCOPE))
            return { ok: false, status: 403, message: `insufficient scope: ${ADMIN_SCOPE} needed` };
        const clientId = typeof payload['azp'] === 'string' ? payload['azp'] : typeof payload['client_id'] === 'string' ? payload['client_id'] : undefined;
        // A token lives a day: taking admin access away (deleting the application, or gatehouse:admin
        // from its grant) must end it now, so the token service's current records are asked too.
        if (clientId === undefined || !state.snapshot.clientById.has(clientId))
            return { ok: false, status: 401, message: 'invalid admin credential' };
        if (state.snapshot.grantByPair.get(grantKey(clientId, MANAGEMENT_API_ID))?.scopes.includes(ADMIN_SCOPE) !== true) {
            return { ok: false, status: 403, message: `insufficient scope: ${ADMIN_SCOPE} needed` };
        }
        return {
            ok: true,
            who: {
                via: 'token',
                subject: typeof payload['sub'] === 'string' ? payload['sub'] : 'unknown',
                ...(clientId !== undefined ? { clientId } : {}),
                scopes,
                expiresAt: typeof payload['exp'] === 'number' ? new Date(payload['exp'] * 1000).toISOString() : null,
            },
        };
    }
    return {
        get openReads() {
            return openReads;
        },
        update(settings) {
            keyDigests = settings.keys.map(digest);
            openReads = settings.openReads;
        },
        async authenticate(authorization) {
            const m = authorization === undefined ? null : BEARER.exec(authorization);
            if (m === null)
                return { ok: false, status: 401, message: 'an admin credential is needed: Authorization: Bearer <admin key or token>' };
            const presented = m[1];
            const d = digest(presented);
            // Every key is compared, so the time does not say which one (or whether any) matched.
            let matched = false;
            for (const k of keyDigests)
                matched = timingSafeEqual(k, d) || matched;
            if (matched)
                return { ok: true, who: { via: 'key', subject: 'admin key', scopes: [ADMIN_SCOPE], expiresAt: null } };
            // A JWT has three dot-separated parts; anything else is a wrong key, not worth a verification.
            if (presented.split('.').length === 3)
                return verifyToken(presented);
            return { ok: false, status: 401, message: 'invalid admin credential' };
        },
    };
}
/** The answer headers of a refused credential (RFC 6750 §3). */
export function challengeHeaders(v) {
    return {
        'www-authenticate': v.status === 403 ? `Bearer realm="gatehouse-admin", error="insufficient_scope", scope="${ADMIN_SCOPE}"` : 'Bearer realm="gatehouse-admin"',
    };
}
/**
 * Why a change must be refused before its credential is even looked at (CSRF), or null. `Origin`
 * must be the admin plane's own (`http://<Host>`) when a browser sends one; `Sec-Fetch-Site:
 * cross-site` is refused; a body must be JSON.
 */
export function browserRefusal(req, hasBody) {
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${req.headers.host ?? ''}`)
        return { status: 403, message: 'cross-origin change refused: the Origin is not the admin plane' };
    if (req.headers['sec-fetch-site'] === 'cross-site')
        return { status: 403, message: 'cross-site change refused (Sec-Fetch-Site: cross-site)' };
    if (hasBody) {
        const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
        if (type !== 'application/json')
            return { status: 415, message: 'Unsupported Media Type: a change with a body must be Content-Type: application/json' };
    }
    return null;
}
/** True for a bind address only this machine reaches. */
export function isLoopbackHost(host) {
    const h = host.replace(/^\[|\]$/g, '').toLowerCase();
    return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}
/**
 * DNS rebinding: a page on another site whose name the attacker points at 127.0.0.1 is, to the
 * browser, same-origin with its own name, so Origin checks pass and open reads would be readable.
 * An admin plane bound to loopback is only ever reached as localhost or a loopback address: any
 * other Host is refused (421 Misdirected Request), reads included.
 */
export function hostRefusal(req, boundToLoopback) {
    if (!boundToLoopback)
        return null;
    const host = req.headers.host ?? '';
    const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d*$/, '');
    return isLoopbackHost(name) ? null : `the admin plane answers on loopback names only, not ${JSON.stringify(host.slice(0, 100))}`;
}
/**
 * The admin keys a section gives: each a literal (or `${VAR}`, interpolated at load) or the OCID of
 * a secret in the `secrets:` map. Throws when one cannot be resolved (the gateway must not start
 * with an admin key it cannot check), naming the entry, never its value.
 */
export function configuredAdminKeys(section, secrets, baseDir) {
    const out = [];
    for (const [i, k] of (section?.keys ?? []).entries()) {
        if (k.startsWith('ocid1.')) {
            const r = resolveSecret(secrets, k, baseDir);
            if ('missing' in r)
                throw new Error(`admin.keys[${i}]: ${r.missing}`);
            if (r.value.length < 16)
                throw new Error(`admin.keys[${i}]: the secret ${k} is shorter than 16 characters`);
            out.push(r.value);
        }
        else {
            if (k.length < 16)
                throw new Error(`admin.keys[${i}]: an admin key needs at least 16 characters`);
            out.push(k);
        }
    }
    return out;
}
/**
 * The generated admin key: read from `<baseDir>/.gatehouse/admin-key`, or made (32 random bytes,
 * base64url) and written there with mode 0600. When the file cannot be written (a read-only config
 * volume) there is no generated key: changes then need a token (or `admin.keys`).
 */
export function generatedAdminKey(baseDir) {
    const file = resolve(baseDir, ADMIN_KEY_FILE);
    try {
        const { secret, created } = keptSecret(file, () => `gha_${randomBytes(32).toString('base64url')}`, 16);
        return { key: secret, file, created };
    }
    catch (err) {
        return { key: null, file: null, problem: `cannot keep the admin key in ${file} (${err.code ?? err.message})` };
    }
}
/** Resolves `admin.keys` (throws when one cannot be), else generates or reads the key file. */
export function adminKeySettings(section, secrets, baseDir) {
    // Open reads are the loopback convenience: bound anywhere else, reads need a credential unless the config says otherwise.
    const openReads = section?.openReads ?? isLoopbackHost(section?.host ?? '127.0.0.1');
    const keys = configuredAdminKeys(section, secrets, baseDir);
    if (keys.length > 0)
        return { keys, openReads, keyFile: null, problem: null };
    const g = generatedAdminKey(baseDir);
    return g.key === null ? { keys: [], openReads, keyFile: null, problem: g.problem } : { keys: [g.key], openReads, keyFile: g.file, problem: null };
}
