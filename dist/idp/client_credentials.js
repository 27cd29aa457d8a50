/**
 * The client-credentials grant as Auth0 runs it: authenticate the client, check the grant type,
 * resolve the API by exact audience, check the client grant and the requested scopes (default:
 * every granted scope), then sign. Each step answers with Auth0's error (oauth_error.ts).
 */
import { issueAccessToken } from './issue_token.js';
import { oauthErrors } from './oauth_error.js';
import { grantKey } from './snapshot.js';
const GRANT_TYPE = 'client_credentials';
export async function clientCredentials(ctx, p) {
    const snap = ctx.snapshot;
    if (p.grantType === undefined || p.grantType === '')
        return oauthErrors.invalidRequest('Missing required parameter: grant_type');
    if (p.clientId === undefined || p.clientId === '')
        return oauthErrors.invalidRequest('Missing required parameter: client_id');
    const client = snap.clientById.get(p.clientId);
    if (client === undefined || p.clientSecret === undefined || p.clientSecret === '')
        return oauthErrors.unauthorized();
    const verdict = await ctx.secrets.verify(client.clientId, p.clientSecret, client.secretHash);
    if (verdict === 'busy')
        return oauthErrors.tooManyRequests();
    if (!verdict)
        return oauthErrors.unauthorized();
    if (p.grantType !== GRANT_TYPE || !client.grantTypes.includes(GRANT_TYPE))
        return oauthErrors.grantTypeNotAllowed(p.grantType);
    const audience = p.audience === undefined || p.audience === '' ? ctx.defaultAudience : p.audience;
    if (audience === undefined)
        return oauthErrors.noAudience();
    const api = snap.apiByIdentifier.get(audience);
    if (api === undefined)
        return oauthErrors.unknownAudience(audience);
    const grant = snap.grantByPair.get(grantKey(client.clientId, api.id));
    if (grant === undefined)
        return oauthErrors.noGrant(client.clientId, audience);
    let scopes;
    if (p.scopes === undefined) {
        scopes = grant.scopes;
    }
    else {
        const missing = p.scopes.filter((s) => !grant.scopes.includes(s));
        if (missing.length > 0)
            return oauthErrors.scopesNotGranted(missing);
        scopes = [...new Set(p.scopes)];
    }
    const token = await issueAccessToken(snap, client, api, scopes, ctx.nowSec);
    const body = token.scope === ''
        ? { access_token: token.accessToken, expires_in: token.expiresInSec, token_type: 'Bearer' }
        : { access_token: token.accessToken, scope: token.scope, expires_in: token.expiresInSec, token_type: 'Bearer' };
    return { status: 200, body };
}
