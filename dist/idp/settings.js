export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 4000;
export const DEFAULT_DATABASE = '.gatehouse/idp.sqlite';
/** Auth0's default access-token lifetime, in seconds. */
export const DEFAULT_TOKEN_LIFETIME_SEC = 86_400;
/** Where secrets that the provider generated at first seed are written, relative to the config dir. */
export const GENERATED_SECRETS_FILE = '.gatehouse/idp-secrets.json';
/** `http://localhost:<port>/`, Auth0-style with its trailing slash, when no issuer is configured. */
export function defaultIssuer(port) {
    return `http://localhost:${port}/`;
}
/** The management API's audience, as Auth0's `https://TENANT/api/v2/`. */
export function managementAudience(issuer) {
    return `${issuer}api/v2/`;
}
