/**
 * Management operations shared by the management API and the CLI: APIs, applications, client
 * grants and signing keys, with Auth0's rules (one grant per application and API, granted scopes
 * must exist on the API, only a previous key can be revoked). Each runs in one store transaction.
 */
import { randomBytes } from 'node:crypto';
import { SIGNING_ALGS, TOKEN_DIALECTS } from './model.js';
import { generateClientId, generateSecret, hashSecret } from './secret_hash.js';
import { DEFAULT_TOKEN_LIFETIME_SEC } from './settings.js';
import { ensureFamily, revokeKey, rotateKeys } from './signing_keys.js';
import { managementApi } from './snapshot.js';
/** A refused operation: HTTP status, Auth0 `errorCode`, and a message for people. */
export class OperationError extends Error {
    status;
    errorCode;
    constructor(status, errorCode, message) {
        super(message);
        this.name = 'OperationError';
        this.status = status;
        this.errorCode = errorCode;
    }
}
const invalid = (message) => new OperationError(400, 'invalid_body', message);
const notFound = (what) => new OperationError(404, 'inexistent_resource', `${what} does not exist`);
const conflict = (message) => new OperationError(409, 'conflict', message);
export const newApiId = () => randomBytes(12).toString('hex');
export const newGrantId = () => `cgr_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;
/** The common name of self-signed key certificates: the issuer's host. */
export function certName(issuer) {
    try {
        return new URL(issuer).hostname || 'gatehouse';
    }
    catch {
        return 'gatehouse';
    }
}
export function normalizeScopes(scopes) {
    const out = [];
    for (const s of scopes ?? []) {
        // The input is JSON from an API: an entry may be anything, not only a string or {value}.
        if (typeof s !== 'string' && (s === null || typeof s !== 'object' || Array.isArray(s)))
            throw invalid(`invalid scope: ${JSON.stringify(s)} (a string or {value, description})`);
        const def = typeof s === 'string' ? { value: s, description: s } : { value: s.value, description: s.description ?? s.value };
        if (typeof def.value !== 'string' || def.value === '' || /\s/.test(def.value))
            throw invalid(`invalid scope: ${JSON.stringify(def.value)}`);
        if (!out.some((o) => o.value === def.value))
            out.push(def);
    }
    return out;
}
/** Builds an API record from input, on top of `base` (update) or fresh (create). */
export function apiRecord(input, base, origin, now) {
    const identifier = input.identifier ?? base?.identifier;
    if (identifier === undefined || identifier === '')
        throw invalid('identifier is required');
    if (base !== null && input.identifier !== undefined && input.identifier !== base.identifier)
        throw invalid('identifier cannot be changed');
    const signingAlg = (input.signingAlg ?? base?.signingAlg ?? 'RS256');
    if (!SIGNING_ALGS.includes(signingAlg))
        throw invalid(`signing_alg must be one of ${SIGNING_ALGS.join(', ')}`);
    let dialect = input.tokenDialect ?? base?.tokenDialect ?? 'access_token';
    if (dialect === 'rfc9068')
        dialect = 'rfc9068_profile';
    if (!TOKEN_DIALECTS.includes(dialect))
        throw invalid(`token_dialect must be one of ${TOKEN_DIALECTS.join(', ')}`);
    // Opaque tokens are sealed with a secret derived from a signing key pair; an HS256 API has none.
    if (dialect === 'opaque' && signingAlg === 'HS256')
        throw invalid('token_dialect opaque needs an asymmetric signing_alg (RS256, PS256, ES256 or EdDSA)');
    const lifetime = input.tokenLifetimeSec ?? base?.tokenLifetimeSec ?? DEFAULT_TOKEN_LIFETIME_SEC;
    if (!Number.isInteger(lifetime) || lifetime < 1 || lifetime > 2_592_000)
        throw invalid('token_lifetime must be an integer from 1 to 2592000');
    let signingSecret = signingAlg === 'HS256' ? (input.signingSecret ?? base?.signingSecret ?? null) : null;
    if (signingAlg === 'HS256' && signingSecret === null)
        signingSecret = generateSecret();
    if (signingSecret !== null && signingSecret.length < 16)
        throw invalid('signing_secret must have at least 16 characters');
    return {
        id: base?.id ?? newApiId(),
        name: input.name ?? base?.name ?? identifier,
        identifier,
        signingAlg,
        signingSecret,
        tokenLifetimeSec: lifetime,
        scopes: input.scopes === undefined ? (base?.scopes ?? []) : normalizeScopes(input.scopes),
        tokenDialect: dialect,
        origin: base?.origin ?? origin,
        createdAt: base?.createdAt ?? now.toISOString(),
    };
}
/** Adds the signing-key family an API's algorithm needs, if missing. */
export async function ensureKeysFor(tx, keys, alg, now, issuer) {
    if (alg === 'HS256')
        return [];
    const added = await ensureFamily(keys, alg, now, certName(issuer));
    for (const k of added)
        await tx.putKey(k);
    return added;
}
export function clientRecord(input, origin, now) {
    const secret = input.clientSecret ?? generateSecret();
    return {
        client: {
            clientId: input.clientId ?? generateClientId(),
            name: input.name,
            secretHash: hashSecret(secret),
            grantTypes: input.grantTypes ?? ['client_credentials'],
            origin,
            createdAt: now.toISOString(),
        },
        secret,
    };
}
function findApi(state, idOrIdentifier) {
    const snap = state.snapshot;
    return snap.apiById.get(idOrIdentifier) ?? snap.apiByIdentifier.get(idOrIdentifier);
}
/** Checks scopes against the API's own; Auth0 refuses to grant a scope the API does not define. */
function checkGrantScopes(api, scopes) {
    if (!Array.isArray(scopes) || scopes.some((s) => typeof s !== 'string'))
        throw invalid('scope must be an array of strings');
    const unknown = scopes.filter((s) => !api.scopes.some((d) => d.value === s));
    if (unknown.length > 0)
        throw invalid(`Scopes not defined by the API "${api.identifier}": ${unknown.join(' ')}`);
    return [...new Set(scopes)];
}
export const ops = {
    async createApi(state, input, opts) {
        const now = state.now();
        if (findApi(state, input.identifier) !== undefined || input.identifier === managementApi(state.issuer).identifier) {
            throw conflict(`A resource server with the same identifier already exists`);
        }
        const api = apiRecord(input, null, 'managed', now);
        const test = opts.withTestApplication ? clientRecord({ name: `${api.name} (Test Application)` }, 'managed', now) : null;
        await state.mutate(async (tx) => {
            await tx.putApi(api);
            await ensureKeysFor(tx, (await tx.contents()).keys, api.signingAlg, now, state.issuer);
            if (test !== null) {
                await tx.putClient(test.client);
                await tx.putGrant({ id: newGrantId(), clientId: test.client.clientId, apiId: api.id, scopes: api.scopes.map((s) => s.value) });
            }
        });
        return { api, test };
    },
    async updateApi(state, idOrIdentifier, patch) {
        const base = findApi(state, idOrIdentifier);
        if (base === undefined)
            throw notFound('The resource server');
        if (base.origin === 'system')
            throw new OperationError(403, 'operation_not_supported', 'The management API cannot be changed');
        const api = apiRecord(patch, base, base.origin, state.now());
        await state.mutate(async (tx) => {
            await tx.putApi(api);
            await ensureKeysFor(tx, (await tx.contents()).keys, api.signingAlg, state.now(), state.issuer);
        });
        return api;
    },
    async deleteApi(state, idOrIdentifier) {
        const api = findApi(state, idOrIdentifier);
        if (api === undefined)
            throw notFound('The resource server');
        if (api.origin === 'system')
            throw new OperationError(403, 'operation_not_supported', 'The management API cannot be deleted');
        await state.mutate((tx) => tx.deleteApi(api.id));
    },
    async createClient(state, input) {
        if (typeof input.name !== 'string' || input.name === '')
            throw invalid('name is required');
        if (input.clientId !== undefined && state.snapshot.clientById.has(input.clientId))
            throw conflict('A client with the same client_id already exists');
        const created = clientRecord(input, 'managed', state.now());
        await state.mutate((tx) => tx.putClient(created.client));
        return created;
    },
    async updateClient(state, clientId, patch) {
        const base = state.snapshot.clientById.get(clientId);
        if (base === undefined)
            throw notFound('The client');
        const client = {
            ...base,
            name: patch.name ?? base.name,
            grantTypes: patch.grantTypes ?? base.grantTypes,
            secretHash: patch.clientSecret === undefined ? base.secretHash : hashSecret(patch.clientSecret),
        };
        await state.mutate((tx) => tx.putClient(client));
        return client;
    },
    async rotateClientSecret(state, clientId) {
        const secret = generateSecret();
        const client = await ops.updateClient(state, clientId, { clientSecret: secret });
        return { client, secret };
    },
    async deleteClient(state, clientId) {
        if (!state.snapshot.clientById.has(clientId))
            throw notFound('The client');
        await state.mutate((tx) => tx.deleteClient(clientId));
    },
    async createGrant(state, input) {
        if (!state.snapshot.clientById.has(input.clientId))
            throw notFound('The client');
        const api = state.snapshot.apiByIdentifier.get(input.audience);
        if (api === undefined)
            throw notFound(`The resource server "${input.audience}"`);
        if (state.snapshot.grants.some((g) => g.clientId === input.clientId && g.apiId === api.id))
            throw conflict('A client grant for this client and audience already exists');
        const grant = { id: newGrantId(), clientId: input.clientId, apiId: api.id, scopes: checkGrantScopes(api, input.scope ?? []) };
        await state.mutate((tx) => tx.putGrant(grant));
        return grant;
    },
    async updateGrant(state, id, scope) {
        const base = state.snapshot.grants.find((g) => g.id === id);
        if (base === undefined)
            throw notFound('The client grant');
        const api = state.snapshot.apiById.get(base.apiId);
        if (api === undefined)
            throw notFound('The resource server');
        const grant = { ...base, scopes: checkGrantScopes(api, scope) };
        await state.mutate((tx) => tx.putGrant(grant));
        return grant;
    },
    async deleteGrant(state, id) {
        if (!state.snapshot.grants.some((g) => g.id === id))
            throw notFound('The client grant');
        await state.mutate((tx) => tx.deleteGrant(id));
    },
    /** Rotates every key family (or one); returns the new current keys. */
    async rotateKeys(state, alg) {
        // `alg` comes from an API request: HS256 has no key pair, and an unknown name has no generator.
        const families = SIGNING_ALGS.filter((a) => a !== 'HS256');
        if (alg !== undefined && !families.includes(alg))
            throw invalid(`alg must be one of ${families.join(', ')}`);
        return state.mutate(async (tx) => {
            const changed = await rotateKeys((await tx.contents()).keys, state.now(), certName(state.issuer), alg);
            for (const k of changed)
                await tx.putKey(k);
            return changed.filter((k) => k.state === 'current');
        });
    },
    async revokeKey(state, kid) {
        return state.mutate(async (tx) => {
            const result = revokeKey((await tx.contents()).keys, kid, state.now());
            if (!result.ok && result.reason === 'not_found')
                throw notFound('The signing key');
            if (!result.ok)
                throw new OperationError(400, 'invalid_operation', 'Only a previous signing key can be revoked: rotate first');
            await tx.putKey(result.key);
            return result.key;
        });
    },
};
