/**
 * The embedded token service through the admin plane (`/admin/idp/...`, docs/admin-api.md): its
 * APIs, applications, client grants and signing keys, in the shapes of its own Auth0-style
 * management API (management_api.ts views) plus `origin`, and a "Test" token as Auth0's dashboard
 * mints one. The work is src/idp/operations.ts, as for the management API and the CLI; this file
 * only maps requests onto it. Secrets never leave except a new application's, once, in its create
 * answer; an HS256 API's signing secret is left out.
 */
import { issueAccessToken } from '../idp/issue_token.js';
import { apiView, clientView, grantView, keyView } from '../idp/management_api.js';
import { OperationError, ops } from '../idp/operations.js';
import { managementAudience } from '../idp/settings.js';
import { grantKey } from '../idp/snapshot.js';
import { ADMIN_SCOPE } from './admin_access.js';
import { routeForAudience } from './audience_route.js';
export const IDP_PREFIX = '/admin/idp';
const invalid = (message) => new OperationError(400, 'invalid_body', message);
const str = (v) => (typeof v === 'string' ? v : undefined);
const strList = (v) => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined);
function apiOut(a) {
    const { signing_secret: _hidden, ...view } = apiView(a);
    return { ...view, origin: a.origin, created_at: a.createdAt };
}
function clientOut(c, secret) {
    return { ...clientView(c, secret), origin: c.origin, created_at: c.createdAt };
}
function keyOut(k) {
    return {
        kid: k.kid,
        alg: k.alg,
        state: k.state,
        created_at: k.createdAt,
        current_since: k.currentSince,
        current_until: k.currentUntil,
        revoked_at: k.revokedAt,
        fingerprint: keyView(k)['fingerprint'],
    };
}
function apiInput(b) {
    const out = {};
    for (const field of ['name', 'identifier', 'signing_alg', 'token_dialect']) {
        if (b[field] !== undefined && typeof b[field] !== 'string')
            throw invalid(`${field} must be a string`);
    }
    if (b['name'] !== undefined)
        out.name = b['name'];
    if (b['identifier'] !== undefined)
        out.identifier = b['identifier'];
    if (b['signing_alg'] !== undefined)
        out.signingAlg = b['signing_alg'];
    if (b['token_dialect'] !== undefined)
        out.tokenDialect = b['token_dialect'];
    if (b['token_lifetime'] !== undefined) {
        if (typeof b['token_lifetime'] !== 'number')
            throw invalid('token_lifetime must be a number of seconds');
        out.tokenLifetimeSec = b['token_lifetime'];
    }
    if (b['scopes'] !== undefined) {
        if (!Array.isArray(b['scopes']))
            throw invalid('scopes must be a list of strings or {value, description}');
        out.scopes = b['scopes'];
    }
    return out;
}
function findApi(state, idOrIdentifier) {
    const api = state.snapshot.apiById.get(idOrIdentifier) ?? state.snapshot.apiByIdentifier.get(idOrIdentifier);
    if (api === undefined)
        throw new OperationError(404, 'inexistent_resource', 'The resource server does not exist');
    return api;
}
/** One word for a POSIX shell: single-quoted, a quote inside written as '\'' (a route path may hold one). */
function shellQuote(s) {
    return `'${s.replace(/'/g, `'\\''`)}'`;
}
/** `POST /admin/idp/test-token`: a token for the application's grant on the API, and a curl that uses it. */
async function testToken(deps, b) {
    const clientId = str(b['clientId']) ?? str(b['client_id']);
    const audience = str(b['audience']);
    if (clientId === undefined || audience === undefined)
        throw invalid('clientId and audience are required');
    const snap = deps.state.snapshot;
    const client = snap.clientById.get(clientId);
    if (client === undefined)
        throw new OperationError(404, 'inexistent_client', 'The client does not exist');
    const api = snap.apiByIdentifier.get(audience);
    if (api === undefined)
        throw new OperationError(404, 'inexistent_resource', `The resource server "${audience}" does not exist`);
    const grant = snap.grantByPair.get(grantKey(client.clientId, api.id));
    if (grant === undefined)
        throw new OperationError(403, 'access_denied', `Client "${clientId}" is not authorized to access resource server "${audience}": grant it first`);
    const token = await issueAccessToken(snap, client, api, grant.scopes, Math.floor(deps.state.now().getTime() / 1000));
    const route = routeForAudience(await deps.config(), deps.dataUrl(), audience);
    const header = route === null ? 'Authorization: Bearer' : `${route.header}:${route.scheme === null ? '' : ` ${route.scheme}`}`;
    const curl = route === null
        ? `curl -H ${shellQuote(`${header} ${token.accessToken}`)} <URL>`
        : route.queryParam !== null
            ? `curl ${shellQuote(`${route.url}${route.url.includes('?') ? '&' : '?'}${encodeURIComponent(route.queryParam)}=${token.accessToken}`)}`
            : `curl -H ${shellQuote(`${header} ${token.accessToken}`)} -X ${route.method} ${shellQuote(route.url)}`;
    return {
        status: 200,
        value: {
            access_token: token.accessToken,
            token_type: 'Bearer',
            expires_in: token.expiresInSec,
            scope: token.scope,
            route: route === null ? null : { deployment: route.deployment, method: route.method, url: route.url },
            curl,
        },
    };
}
/** Answers one `/admin/idp…` request (the caller has checked the credential for changes). */
export async function answerIdp(deps, method, path, body) {
    const s = deps.state;
    const rest = path.slice(IDP_PREFIX.length);
    const parts = rest.split('/').slice(1).map((p) => {
        try {
            return decodeURIComponent(p);
        }
        catch {
            return '\0';
        }
    });
    let b = {};
    if (body.trim() !== '') {
        try {
            const doc = JSON.parse(body);
            if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
                throw new Error('not an object');
            b = doc;
        }
        catch {
            return { status: 400, value: { code: 400, message: 'the body is not a JSON object' } };
        }
    }
    const [group, id, action] = parts;
    const route = `${method} ${group ?? ''}${id === undefined ? '' : ' :id'}${action === undefined ? '' : ` ${action}`}`;
    try {
        switch (rest === '' ? `${method} ` : route) {
            case 'GET ':
                return {
                    status: 200,
                    value: { issuer: s.issuer, url: deps.url, tokenUrl: `${s.issuer}oauth/token`, jwksUri: `${s.issuer}.well-known/jwks.json`, managementAudience: managementAudience(s.issuer), adminScope: ADMIN_SCOPE },
                };
            case 'GET apis':
                return { status: 200, value: s.snapshot.apis.map(apiOut) };
            case 'POST apis': {
                const input = apiInput(b);
                if (input.identifier === undefined || input.identifier === '')
                    throw invalid('identifier is required');
                const { api } = await ops.createApi(s, { ...input, identifier: input.identifier }, { withTestApplication: false });
                return { status: 201, value: apiOut(api) };
            }
            case 'PATCH apis :id':
                return { status: 200, value: apiOut(await ops.updateApi(s, findApi(s, id).id, apiInput(b))) };
            case 'DELETE apis :id':
                await ops.deleteApi(s, findApi(s, id).id);
                return { status: 204, value: null };
            case 'GET applications':
                return { status: 200, value: s.snapshot.clients.map((c) => clientOut(c)) };
            case 'POST applications': {
                const grantTypes = b['grant_types'] === undefined ? undefined : strList(b['grant_types']);
                if (b['grant_types'] !== undefined && grantTypes === undefined)
                    throw invalid('grant_types must be a list of strings');
                const created = await ops.createClient(s, { name: str(b['name']) ?? '', ...(grantTypes !== undefined ? { grantTypes } : {}) });
                return { status: 201, value: clientOut(created.client, created.secret) };
            }
            case 'DELETE applications :id':
                await ops.deleteClient(s, id);
                return { status: 204, value: null };
            case 'GET grants':
                return { status: 200, value: s.snapshot.grants.map((g) => grantView(s, g)) };
            case 'POST grants': {
                const clientId = str(b['client_id']);
                const audience = str(b['audience']);
                const scope = strList(b['scope']);
                if (clientId === undefined || audience === undefined || scope === undefined)
                    throw invalid('client_id, audience and scope (a list of strings) are required');
                return { status: 201, value: grantView(s, await ops.createGrant(s, { clientId, audience, scope })) };
            }
            case 'PATCH grants :id': {
                const scope = strList(b['scope']);
                if (scope === undefined)
                    throw invalid('scope must be a list of strings');
                return { status: 200, value: grantView(s, await ops.updateGrant(s, id, scope)) };
            }
            case 'DELETE grants :id':
                await ops.deleteGrant(s, id);
                return { status: 204, value: null };
            case 'GET keys':
                return { status: 200, value: s.snapshot.keys.map(keyOut) };
            case 'POST keys :id':
                if (id !== 'rotate')
                    break;
                {
                    if (b['alg'] !== undefined && typeof b['alg'] !== 'string')
                        throw invalid('alg must be a string');
                    const alg = str(b['alg']);
                    const current = await ops.rotateKeys(s, alg);
                    return { status: 201, value: { current: current.map((k) => ({ kid: k.kid, alg: k.alg })) } };
                }
            case 'POST keys :id revoke':
                return { status: 200, value: keyOut(await ops.revokeKey(s, id)) };
            case 'POST test-token':
                return await testToken(deps, b);
        }
    }
    catch (err) {
        if (err instanceof OperationError)
            return { status: err.status, value: { code: err.status, message: err.message, errorCode: err.errorCode } };
        throw err;
    }
    return { status: 404, value: { code: 404, message: `no ${method} ${path} on the admin API` } };
}
