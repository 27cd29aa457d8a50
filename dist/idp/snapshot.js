/**
 * The in-memory view the token endpoint reads: built from the store once per revision, so a token
 * request touches no database. Private keys are imported here, once per key, and the JWKS and
 * discovery bodies are serialised here, once per revision.
 */
import { createHash } from 'node:crypto';
import { createLocalJWKSet } from 'jose';
import { managementAudience } from './settings.js';
import { importPrivateKey, publishedKeys, toPublicJwk } from './signing_keys.js';
import { MANAGEMENT_API_ID, MANAGEMENT_SCOPES } from './management_scopes.js';
export const grantKey = (clientId, apiId) => `${clientId}\n${apiId}`;
/** The management API, Auth0's "Auth0 Management API": a system API whose identifier follows the issuer. */
export function managementApi(issuer) {
    return {
        id: MANAGEMENT_API_ID,
        name: 'Gatehouse Management API',
        identifier: managementAudience(issuer),
        signingAlg: 'RS256',
        signingSecret: null,
        tokenLifetimeSec: 86_400,
        scopes: MANAGEMENT_SCOPES.map((value) => ({ value, description: value.replace(':', ' ').replace(/_/g, ' ') })),
        tokenDialect: 'access_token',
        origin: 'system',
        createdAt: '1970-01-01T00:00:00.000Z',
    };
}
export function buildSnapshot(contents, revision, issuer) {
    const apis = [managementApi(issuer), ...contents.apis];
    const signers = new Map();
    for (const k of contents.keys)
        if (k.state === 'current')
            signers.set(k.alg, { kid: k.kid, key: importPrivateKey(k) });
    const jwks = { keys: publishedKeys(contents.keys).map(toPublicJwk) };
    const jwksBody = JSON.stringify(jwks);
    return {
        revision,
        issuer,
        apis,
        clients: contents.clients,
        grants: contents.grants,
        keys: contents.keys,
        apiByIdentifier: new Map(apis.map((a) => [a.identifier, a])),
        apiById: new Map(apis.map((a) => [a.id, a])),
        clientById: new Map(contents.clients.map((c) => [c.clientId, c])),
        grantByPair: new Map(contents.grants.map((g) => [grantKey(g.clientId, g.apiId), g])),
        signers,
        jwksBody,
        jwksEtag: `"${createHash('sha256').update(jwksBody).digest('base64url').slice(0, 27)}"`,
        localKeys: createLocalJWKSet(jwks),
    };
}
