/**
 * Token-endpoint errors with Auth0's statuses and strings (docs/token-service.md,
 * `POST /oauth/token`). Clients written against Auth0 read `error` and the status, so these are
 * kept byte for byte.
 */
const err = (status, error, description, uri) => ({
    status,
    body: uri === undefined ? { error, error_description: description } : { error, error_description: description, error_uri: uri },
});
export const oauthErrors = {
    invalidRequest: (description) => err(400, 'invalid_request', description),
    invalidScope: () => err(400, 'invalid_scope', 'Scope must be an array or a string'),
    unauthorized: () => err(401, 'access_denied', 'Unauthorized'),
    grantTypeNotAllowed: (grantType) => err(403, 'unauthorized_client', `Grant type '${grantType}' not allowed for the client.`, 'https://auth0.com/docs/clients/client-grant-types'),
    noAudience: () => err(403, 'access_denied', 'No audience parameter was provided, and no default audience has been configured'),
    unknownAudience: (audience) => err(403, 'access_denied', `Service not enabled within domain: ${audience}`),
    noGrant: (clientId, audience) => err(403, 'access_denied', `Client "${clientId}" is not authorized to access resource server "${audience}".`),
    scopesNotGranted: (missing) => err(403, 'access_denied', `Client has not been granted scopes: ${missing.join(' ')}`),
    tooManyRequests: () => err(429, 'too_many_requests', 'Too many client authentications in progress, retry later'),
    bodyTooLarge: () => err(413, 'invalid_request', 'Request body too large'),
    methodNotAllowed: () => err(405, 'method_not_allowed', 'Method not allowed, use POST'),
    serverError: () => err(500, 'server_error', 'Internal error'),
};
