/**
 * RFC 7662 token introspection for the token service's own access tokens (`POST /oauth/introspect`).
 * The caller is an application of the token service, authenticated like the token endpoint
 * (`client_secret_basic` or `client_secret_post`); the answer is `{"active": true, ...claims}` for a
 * token this service signed or sealed (an opaque token) with a published (not revoked) key and
 * unexpired at the provider's clock, `{"active": false}` for anything else. Reads only the
 * in-memory snapshot.
 */
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { oauthErrors } from './oauth_error.js';
import { isOAuthError, parseTokenRequest } from './token_request.js';
import { openOpaqueToken } from './opaque_token.js';
/** RFC 6749 §5.2: a failed client authentication is `invalid_client`, 401. */
const invalidClient = () => ({ status: 401, body: { error: 'invalid_client', error_description: 'Client authentication failed' } });
const INACTIVE = { status: 200, body: { active: false } };
/** Claims copied into an active answer, in RFC 7662 §2.2's order; anything else the token carries stays out. */
const COPIED = ['scope', 'client_id', 'exp', 'iat', 'nbf', 'sub', 'aud', 'iss', 'jti'];
const encoder = new TextEncoder();
/** Verifies `token` as one of this provider's access tokens; null when it is not an active one. */
async function verifyOwn(snap, token, now) {
    let alg;
    let aud;
    try {
        alg = decodeProtectedHeader(token).alg;
        aud = decodeJwt(token).aud;
    }
    catch {
        return openOwnOpaque(snap, token, now); // not a JWT: perhaps one of this provider's opaque tokens
    }
    // The API is found by audience before any verification only to pick the key; the signature,
    // issuer, audience and expiry checks below decide.
    const api = typeof aud === 'string' ? snap.apiByIdentifier.get(aud) : undefined;
    if (api === undefined || alg !== api.signingAlg)
        return null;
    try {
        const options = { issuer: snap.issuer, audience: api.identifier, algorithms: [api.signingAlg], currentDate: now, clockTolerance: 0 };
        const { payload } = api.signingAlg === 'HS256'
            ? await jwtVerify(token, encoder.encode(api.signingSecret ?? ''), options)
            : await jwtVerify(token, snap.localKeys, options);
        return payload;
    }
    catch {
        return null;
    }
}
/** The claims of an opaque token this provider sealed, for an API it still has, unexpired at `now`; else null. */
function openOwnOpaque(snap, token, now) {
    const claims = openOpaqueToken(snap, token);
    if (claims === null || claims['iss'] !== snap.issuer)
        return null;
    const aud = claims['aud'];
    if (typeof aud !== 'string' || !snap.apiByIdentifier.has(aud))
        return null;
    const exp = claims['exp'];
    if (typeof exp !== 'number' || exp * 1000 <= now.getTime())
        return null;
    return claims;
}
/**
 * Answers an introspection request: the form body (`token`, optional `token_type_hint`) and the
 * Authorization header. Errors follow the token endpoint's Auth0 style.
 */
export async function introspect(ctx, contentType, body, authorization) {
    const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
    // RFC 7662 §2.1 defines a form body only.
    if (type !== 'application/x-www-form-urlencoded')
        return oauthErrors.invalidRequest('Content-Type must be application/x-www-form-urlencoded');
    // Client authentication exactly as the token endpoint parses it (Basic or body, never both).
    const client = parseTokenRequest(contentType, body, authorization);
    if (isOAuthError(client))
        return client;
    if (client.clientId === undefined || client.clientId === '' || client.clientSecret === undefined || client.clientSecret === '')
        return invalidClient();
    const record = ctx.snapshot.clientById.get(client.clientId);
    if (record === undefined)
        return invalidClient();
    const verdict = await ctx.secrets.verify(record.clientId, client.clientSecret, record.secretHash);
    if (verdict === 'busy')
        return oauthErrors.tooManyRequests();
    if (!verdict)
        return invalidClient();
    const token = new URLSearchParams(body.toString('utf8')).get('token');
    if (token === null || token === '')
        return oauthErrors.invalidRequest('Missing required parameter: token');
    const payload = await verifyOwn(ctx.snapshot, token, ctx.now);
    if (payload === null)
        return INACTIVE;
    const out = { active: true };
    for (const name of COPIED)
        if (payload[name] !== undefined)
            out[name] = payload[name];
    // Auth0's default dialect names the client in `azp`; RFC 7662 calls it `client_id`.
    if (out['client_id'] === undefined && typeof payload['azp'] === 'string')
        out['client_id'] = payload['azp'];
    out['token_type'] = 'Bearer';
    return { status: 200, body: out };
}
