/**
 * The identity provider's records, shaped after Auth0's object model (docs/token-service.md): APIs
 * (resource servers), applications (clients), client grants and signing keys.
 */
export const SIGNING_ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256'];
export const TOKEN_DIALECTS = ['access_token', 'access_token_authz', 'rfc9068_profile', 'rfc9068_profile_authz', 'opaque'];
