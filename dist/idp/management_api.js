/**
 * The management API, in the shapes of Auth0's Management API v2 (`/api/v2/resource-servers`,
 * `/clients`, `/client-grants`, `/keys/signing`). Every call needs an access token from this
 * provider for its management audience (`<issuer>api/v2/`) carrying the endpoint's scope, as Auth0
 * requires; errors use Auth0's `{statusCode, error, message, errorCode}` body.
 */
import { createHash } from 'node:crypto';
import { jwtVerify } from 'jose';
import { MAX_BODY_BYTES, readBody, sendJson } from './http_io.js';
import { OperationError, ops } from './operations.js';
import { managementAudience } from './settings.js';
const REASONS = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 413: 'Payload Too Large', 500: 'Internal Server Error' };
function fail(res, status, message, errorCode) {
    const body = { statusCode: status, error: REASONS[status] ?? 'Error', message };
    if (errorCode !== undefined)
        body['errorCode'] = errorCode;
    sendJson(res, status, body);
}
export function apiView(a) {
    const out = {
        id: a.id,
        name: a.name,
        identifier: a.identifier,
        is_system: a.origin === 'system',
        scopes: a.scopes,
        signing_alg: a.signingAlg,
        token_lifetime: a.tokenLifetimeSec,
        token_dialect: a.tokenDialect,
        allow_offline_access: false,
        skip_consent_for_verifiable_first_party_clients: true,
    };
    if (a.signingAlg === 'HS256')
        out['signing_secret'] = a.signingSecret;
    return out;
}
export function clientView(c, secret) {
    const out = {
        client_id: c.clientId,
        name: c.name,
        app_type: 'non_interactive',
        grant_types: c.grantTypes,
        token_endpoint_auth_method: 'client_secret_post',
        is_first_party: true,
    };
    // Secrets are stored hashed: only a create or a rotation can show one, once.
    if (secret !== undefined)
        out['client_secret'] = secret;
    return out;
}
export function grantView(state, g) {
    return { id: g.id, client_id: g.clientId, audience: state.snapshot.apiById.get(g.apiId)?.identifier ?? null, scope: g.scopes };
}
export function keyView(k) {
    const cert = `-----BEGIN CERTIFICATE-----\n${(k.certDer.match(/.{1,64}/g) ?? []).join('\n')}\n-----END CERTIFICATE-----`;
    return {
        kid: k.kid,
        alg: k.alg,
        cert,
        fingerprint: certFingerprint(k.certDer),
        thumbprint: certFingerprint(k.certDer).replace(/:/g, ''),
        current: k.state === 'current',
        next: k.state === 'next',
        previous: k.state === 'previous',
        revoked: k.state === 'revoked',
        current_since: k.currentSince ?? undefined,
        current_until: k.currentUntil ?? undefined,
        revoked_at: k.revokedAt ?? undefined,
    };
}
function certFingerprint(certDer) {
    return (createHash('sha1').update(Buffer.from(certDer, 'base64')).digest('hex').toUpperCase().match(/.{2}/g) ?? []).join(':');
}
const str = (v) => (typeof v === 'string' ? v : undefined);
const strList = (v) => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined);
const dec = (m) => decodeURIComponent(m[1] ?? '');
function apiInput(b) {
    return {
        name: str(b['name']),
        identifier: str(b['identifier']),
        signingAlg: str(b['signing_alg']),
        signingSecret: str(b['signing_secret']),
        tokenLifetimeSec: typeof b['token_lifetime'] === 'number' ? b['token_lifetime'] : undefined,
        scopes: Array.isArray(b['scopes']) ? b['scopes'] : undefined,
        tokenDialect: str(b['token_dialect']),
    };
}
const ROUTES = [
    { method: 'GET', pattern: /^\/api\/v2\/resource-servers$/, scope: 'read:resource_servers', handler: async (s) => [200, s.snapshot.apis.map(apiView)] },
    {
        method: 'POST', pattern: /^\/api\/v2\/resource-servers$/, scope: 'create:resource_servers',
        handler: async (s, _m, b) => {
            const input = apiInput(b);
            if (input.identifier === undefined)
                throw new OperationError(400, 'invalid_body', 'Payload validation error: Missing required property: identifier');
            const { api } = await ops.createApi(s, { ...input, identifier: input.identifier }, { withTestApplication: false });
            return [201, apiView(api)];
        },
    },
    {
        method: 'GET', pattern: /^\/api\/v2\/resource-servers\/([^/]+)$/, scope: 'read:resource_servers',
        handler: async (s, m) => {
            const api = s.snapshot.apiById.get(dec(m)) ?? s.snapshot.apiByIdentifier.get(dec(m));
            if (api === undefined)
                throw new OperationError(404, 'inexistent_resource_server', 'The resource server does not exist');
            return [200, apiView(api)];
        },
    },
    { method: 'PATCH', pattern: /^\/api\/v2\/resource-servers\/([^/]+)$/, scope: 'update:resource_servers', handler: async (s, m, b) => [200, apiView(await ops.updateApi(s, dec(m), apiInput(b)))] },
    { method: 'DELETE', pattern: /^\/api\/v2\/resource-servers\/([^/]+)$/, scope: 'delete:resource_servers', handler: async (s, m) => (await ops.deleteApi(s, dec(m)), [204, null]) },
    { method: 'GET', pattern: /^\/api\/v2\/clients$/, scope: 'read:clients', handler: async (s) => [200, s.snapshot.clients.map((c) => clientView(c))] },
    {
        method: 'POST', pattern: /^\/api\/v2\/clients$/, scope: 'create:clients',
        handler: async (s, _m, b) => {
            const created = await ops.createClient(s, { name: str(b['name']) ?? '', grantTypes: strList(b['grant_types']), clientSecret: str(b['client_secret']) });
            return [201, clientView(created.client, created.secret)];
        },
    },
    {
        method: 'GET', pattern: /^\/api\/v2\/clients\/([^/]+)$/, scope: 'read:clients',
        handler: async (s, m) => {
            const c = s.snapshot.clientById.get(dec(m));
            if (c === undefined)
                throw new OperationError(404, 'inexistent_client', 'The client does not exist');
            return [200, clientView(c)];
        },
    },
    {
        method: 'PATCH', pattern: /^\/api\/v2\/clients\/([^/]+)$/, scope: 'update:clients',
        handler: async (s, m, b) => [200, clientView(await ops.updateClient(s, dec(m), { name: str(b['name']), grantTypes: strList(b['grant_types']), clientSecret: str(b['client_secret']) }))],
    },
    {
        method: 'POST', pattern: /^\/api\/v2\/clients\/([^/]+)\/rotate-secret$/, scope: 'update:clients',
        handler: async (s, m) => {
            const r = await ops.rotateClientSecret(s, dec(m));
            return [200, clientView(r.client, r.secret)];
        },
    },
    { method: 'DELETE', pattern: /^\/api\/v2\/clients\/([^/]+)$/, scope: 'delete:clients', handler: async (s, m) => (await ops.deleteClient(s, dec(m)), [204, null]) },
    {
        method: 'GET', pattern: /^\/api\/v2\/client-grants$/, scope: 'read:client_grants',
        handler: async (s, _m, _b, url) => {
            const audience = url.searchParams.get('audience');
            const clientId = url.searchParams.get('client_id');
            const list = s.snapshot.grants.map((g) => grantView(s, g)).filter((g) => (audience === null || g['audience'] === audience) && (clientId === null || g['client_id'] === clientId));
            return [200, list];
        },
    },
    {
        method: 'POST', pattern: /^\/api\/v2\/client-grants$/, scope: 'create:client_grants',
        handler: async (s, _m, b) => {
            const clientId = str(b['client_id']);
            const audience = str(b['audience']);
            const scope = strList(b['scope']);
            if (clientId === undefined || audience === undefined || scope === undefined)
                throw new OperationError(400, 'invalid_body', 'Payload validation error: client_id, audience and scope (an array) are required');
            return [201, grantView(s, await ops.createGrant(s, { clientId, audience, scope }))];
        },
    },
    {
        method: 'PATCH', pattern: /^\/api\/v2\/client-grants\/([^/]+)$/, scope: 'update:client_grants',
        handler: async (s, m, b) => {
            const scope = strList(b['scope']);
            if (scope === undefined)
                throw new OperationError(400, 'invalid_body', 'Payload validation error: scope must be an array of strings');
            return [200, grantView(s, await ops.updateGrant(s, dec(m), scope))];
        },
    },
    { method: 'DELETE', pattern: /^\/api\/v2\/client-grants\/([^/]+)$/, scope: 'delete:client_grants', handler: async (s, m) => (await ops.deleteGrant(s, dec(m)), [204, null]) },
    { method: 'GET', pattern: /^\/api\/v2\/keys\/signing$/, scope: 'read:signing_keys', handler: async (s) => [200, s.snapshot.keys.map(keyView)] },
    {
        method: 'POST', pattern: /^\/api\/v2\/keys\/signing\/rotate$/, scope: 'create:signing_keys',
        handler: async (s, _m, _b, url) => {
            const alg = url.searchParams.get('alg') ?? undefined;
            const current = await ops.rotateKeys(s, alg);
            // Auth0 answers `{cert, kid}` of the new current key; with several families, the RS256 one.
            const main = current.find((k) => k.alg === 'RS256') ?? current[0];
            return [201, main === undefined ? {} : { cert: keyView(main)['cert'], kid: main.kid }];
        },
    },
    {
        method: 'GET', pattern: /^\/api\/v2\/keys\/signing\/([^/]+)$/, scope: 'read:signing_keys',
        handler: async (s, m) => {
            const k = s.snapshot.keys.find((x) => x.kid === dec(m));
            if (k === undefined)
                throw new OperationError(404, 'inexistent_resource', 'The signing key does not exist');
            return [200, keyView(k)];
        },
    },
    {
        method: 'PUT', pattern: /^\/api\/v2\/keys\/signing\/([^/]+)\/revoke$/, scope: 'update:signing_keys',
        handler: async (s, m) => {
            const k = await ops.revokeKey(s, dec(m));
            return [200, { cert: keyView(k)['cert'], kid: k.kid }];
        },
    },
];
async function authorize(state, req, res, scope) {
    const header = req.headers.authorization;
    const m = header === undefined ? null : /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(header);
    if (m === null) {
        fail(res, 401, 'Missing authentication');
        return false;
    }
    let scopes;
    try {
        const { payload } = await jwtVerify(m[1] ?? '', state.snapshot.localKeys, {
            issuer: state.issuer,
            audience: managementAudience(state.issuer),
            algorithms: ['RS256'],
        });
        scopes = typeof payload['scope'] === 'string' ? payload['scope'].split(' ') : [];
    }
    catch {
        fail(res, 401, 'Invalid token');
        return false;
    }
    if (!scopes.includes(scope)) {
        fail(res, 403, `Insufficient scope, expected any of: ${scope}`, 'insufficient_scope');
        return false;
    }
    return true;
}
/** Serves a request under `/api/v2/`; answers 404 for paths it does not know. */
export async function handleManagement(state, req, res, url) {
    const candidates = ROUTES.filter((r) => r.pattern.test(url.pathname));
    if (candidates.length === 0)
        return fail(res, 404, 'Not Found');
    const route = candidates.find((r) => r.method === req.method);
    if (route === undefined)
        return fail(res, 404, `Cannot ${req.method ?? ''} ${url.pathname}`);
    if (!(await authorize(state, req, res, route.scope))) {
        req.resume();
        return;
    }
    let body = {};
    if (req.method === 'POST' || req.method === 'PATCH' || req.method === 'PUT') {
        const raw = await readBody(req, MAX_BODY_BYTES);
        if (raw === null)
            return fail(res, 413, 'Payload too large');
        if (raw.length > 0) {
            try {
                const doc = JSON.parse(raw.toString('utf8'));
                if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
                    throw new Error('not an object');
                body = doc;
            }
            catch {
                return fail(res, 400, 'Invalid request payload JSON format', 'invalid_body');
            }
        }
    }
    try {
        const [status, value] = await route.handler(state, route.pattern.exec(url.pathname), body, url);
        if (status === 204) {
            res.writeHead(204, { 'cache-control': 'no-store' });
            res.end();
        }
        else
            sendJson(res, status, value);
    }
    catch (err) {
        if (err instanceof OperationError)
            return fail(res, err.status, err.message, err.errorCode);
        throw err;
    }
}
