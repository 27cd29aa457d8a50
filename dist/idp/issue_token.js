/**
 * Builds and signs an access token in Auth0's shape (docs/token-service.md, "Access tokens"). Claim
 * order follows Auth0's tokens; `jti` and `client_id` appear only in the RFC 9068 profile and in
 * opaque tokens, `permissions` only in the `*_authz` dialects. Signing is jose's, on keys imported
 * once per snapshot; the `opaque` dialect seals the same claims instead (opaque_token.ts).
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { sealOpaqueToken } from './opaque_token.js';
const hmacKeys = new WeakMap();
const encoder = new TextEncoder();
function hmacKey(api) {
    let key = hmacKeys.get(api);
    if (key === undefined) {
        key = encoder.encode(api.signingSecret ?? '');
        hmacKeys.set(api, key);
    }
    return key;
}
/** Signs a token for `client` on `api` with `scopes`, issued at `nowSec` (seconds since the epoch). */
export async function issueAccessToken(snap, client, api, scopes, nowSec) {
    const scope = scopes.join(' ');
    const opaque = api.tokenDialect === 'opaque';
    const rfc9068 = opaque || api.tokenDialect === 'rfc9068_profile' || api.tokenDialect === 'rfc9068_profile_authz';
    const payload = {
        iss: snap.issuer,
        sub: `${client.clientId}@clients`,
        aud: api.identifier,
        iat: nowSec,
        exp: nowSec + api.tokenLifetimeSec,
    };
    if (scope !== '')
        payload['scope'] = scope;
    payload['gty'] = 'client-credentials';
    if (rfc9068) {
        payload['client_id'] = client.clientId;
        payload['jti'] = randomUUID();
    }
    else {
        payload['azp'] = client.clientId;
    }
    if (api.tokenDialect === 'access_token_authz' || api.tokenDialect === 'rfc9068_profile_authz')
        payload['permissions'] = [...scopes];
    if (opaque) {
        // The API's algorithm family names the key whose derived secret seals the token (refused for HS256 at creation).
        const sealed = api.signingAlg === 'HS256' ? null : sealOpaqueToken(snap, api.signingAlg, payload);
        if (sealed === null)
            throw new Error(`no current ${api.signingAlg} signing key`);
        return { accessToken: sealed, expiresInSec: api.tokenLifetimeSec, scope };
    }
    const typ = rfc9068 ? 'at+jwt' : 'JWT';
    let accessToken;
    if (api.signingAlg === 'HS256') {
        // Auth0 signs HS256 APIs with the API's own secret and sends no kid.
        accessToken = await new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ }).sign(hmacKey(api));
    }
    else {
        const signer = snap.signers.get(api.signingAlg);
        if (signer === undefined)
            throw new Error(`no current ${api.signingAlg} signing key`);
        accessToken = await new SignJWT(payload).setProtectedHeader({ alg: api.signingAlg, typ, kid: signer.kid }).sign(signer.key);
    }
    return { accessToken, expiresInSec: api.tokenLifetimeSec, scope };
}
