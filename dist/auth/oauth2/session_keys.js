/**
 * The session key ring of an OAUTH2 policy (issue 17), from the Gatehouse extension
 * `sessionKeys: [{ secretId, retiredAt? }]` on the policy: secrets named by Vault OCID through the
 * top-level `secrets:` map, like client secrets. The first key seals; each other key still opens
 * cookies until `retiredAt` + `sessionKeyGraceHours` (default 24) — or, without `retiredAt`, until
 * that long after this gateway process first saw it demoted — so rotating the key does not sign
 * every user out at once.
 *
 * Without `sessionKeys`, a random key is generated once and kept in `.gatehouse/session.key` next
 * to the configuration file (directory 0700, file 0600), so sessions survive restarts and every
 * `--workers` worker uses the same key; `gatehouse validate` (offline) writes nothing.
 */
import { createHash, randomBytes } from 'node:crypto';
import { keptSecret } from '../../lib/kept_secret.js';
import { join } from 'node:path';
import { resolveSecret } from '../../lib/secrets.js';
import { deriveKey, KeyRing } from '../../lib/session_cookie.js';
/** Default grace for a demoted key, hours. */
export const DEFAULT_GRACE_HOURS = 24;
/** Shortest secret accepted as a session key, in characters. */
export const MIN_SECRET_CHARS = 32;
/** When this process first saw a key demoted (key hash → epoch ms): the grace of a key without retiredAt. */
const demotedAt = new Map();
/** Reads or creates the generated key file; the key's text. */
function generatedKey(dir) {
    // An empty or truncated file is never a key: HKDF of '' is a key anybody can compute.
    return keptSecret(join(dir, '.gatehouse', 'session.key'), () => randomBytes(32).toString('base64url'), MIN_SECRET_CHARS).secret;
}
/**
 * Builds the ring for the policy at `path`. Problems (an unresolved or short secret, a bad date)
 * are reported at their paths; returns null then.
 */
export function compileSessionKeys(keys, graceHours, path, ctx, secrets, clock) {
    const graceMs = (graceHours ?? DEFAULT_GRACE_HOURS) * 3_600_000;
    if (keys === undefined || keys.length === 0) {
        if (ctx.offline === true)
            return new KeyRing([{ key: randomBytes(32), openUntilMs: null }], clock);
        try {
            return new KeyRing([{ key: deriveKey(generatedKey(ctx.baseDir)), openUntilMs: null }], clock);
        }
        catch (err) {
            ctx.issue(`${path}.sessionKeys`, `absent, and the generated key could not be kept in ${join(ctx.baseDir, '.gatehouse')}: ${err.code ?? err.message}; name a key in sessionKeys`);
            return null;
        }
    }
    const before = ctx.issues.length;
    const ring = [];
    keys.forEach((k, i) => {
        const at = `${path}.sessionKeys[${i}]`;
        const secret = resolveSecret(secrets, k.secretId, ctx.baseDir);
        if ('missing' in secret)
            return ctx.issue(`${at}.secretId`, secret.missing);
        if (secret.value.length < MIN_SECRET_CHARS)
            return ctx.issue(`${at}.secretId`, `the secret must be at least ${MIN_SECRET_CHARS} characters (e.g. openssl rand -base64 32)`);
        const key = deriveKey(secret.value);
        if (i === 0) {
            ring.push({ key, openUntilMs: null });
            return;
        }
        let fromMs;
        if (k.retiredAt !== undefined) {
            fromMs = Date.parse(k.retiredAt);
            if (!Number.isFinite(fromMs))
                return ctx.issue(`${at}.retiredAt`, 'must be an ISO 8601 date and time');
        }
        else {
            const id = createHash('sha256').update(key).digest('base64url');
            fromMs = demotedAt.get(id) ?? clock.nowMs();
            demotedAt.set(id, fromMs);
        }
        ring.push({ key, openUntilMs: fromMs + graceMs });
    });
    if (ctx.issues.length > before)
        return null;
    return new KeyRing(ring, clock);
}
