/**
 * Schema of `validationFailurePolicy` type OAUTH2 (OCI's OAuth2ResponseValidationFailurePolicy,
 * with `loginPath` from SDK v65.123), plus two Gatehouse extensions for the session key
 * (sessionKeys, sessionKeyGraceHours). Semantic checks are in compile.ts.
 */
import { byType, nonEmptyString, object } from '../../lib/json_schema.js';
const gatewayPath = (what) => ({
    type: 'string',
    pattern: '^/(?!/)',
    patternMessage: 'must be a path starting with a single /',
    description: what,
});
export const oauth2FailurePolicySchema = object({
    type: { const: 'OAUTH2' },
    clientDetails: {
        ...byType({
            CUSTOM: object({
                type: { const: 'CUSTOM' },
                clientId: { ...nonEmptyString, description: 'The gateway\'s client id at the identity provider.' },
                clientSecretId: { ...nonEmptyString, description: 'OCID of the Vault secret holding the client secret, resolved through the top-level secrets: map.' },
                clientSecretVersionNumber: { type: 'integer', minimum: 1, description: 'Accepted for OCI compatibility; secrets: holds one value per OCID.' },
            }, ['type', 'clientId', 'clientSecretId']),
            VALIDATION_BLOCK: object({ type: { const: 'VALIDATION_BLOCK' } }, ['type']),
        }),
        description: 'The client the gateway signs users in as. VALIDATION_BLOCK: the clientDetails of the REMOTE_DISCOVERY validationPolicy.',
    },
    sourceUriDetails: {
        ...byType({
            DISCOVERY_URI: object({
                type: { const: 'DISCOVERY_URI' },
                uri: { ...nonEmptyString, description: 'The provider\'s OpenID Connect discovery document (…/.well-known/openid-configuration).' },
            }, ['type', 'uri']),
            VALIDATION_BLOCK: object({ type: { const: 'VALIDATION_BLOCK' } }, ['type']),
        }),
        description: 'Where the provider\'s endpoints are found. VALIDATION_BLOCK: the sourceUriDetails of the REMOTE_DISCOVERY validationPolicy.',
    },
    scopes: { type: 'array', items: nonEmptyString, minItems: 1, description: 'Scopes asked for at sign-in; openid is added when missing (an ID token is needed).' },
    responseType: { enum: ['CODE'], description: 'Authorization code flow (the only value OCI has).' },
    maxExpiryDurationInHours: { type: 'number', exclusiveMinimum: 0, maximum: 24, description: 'Life of a browser session from sign-in, hours (default 1); then the browser signs in again.' },
    useCookiesForSession: { type: 'boolean', description: 'Keep the tokens in the encrypted session cookie (default true); false: in the gateway\'s memory, the cookie holding only a sealed session id.' },
    useCookiesForIntermediateSteps: { type: 'boolean', description: 'Keep state, nonce and PKCE verifier in an encrypted cookie bound to the browser (default true); false: in the gateway\'s memory, keyed by state.' },
    usePkce: { type: 'boolean', description: 'Send a PKCE S256 challenge (RFC 7636) with the authorization request (default false, as OCI; recommended).' },
    fallbackRedirectPath: gatewayPath('Where the browser goes after sign-in when the page it asked for is unknown (login route without returnTo), relative to the deployment\'s pathPrefix (default /).'),
    logoutPath: gatewayPath('Path of the deployment\'s OAUTH2_LOGOUT_BACKEND route, relative to pathPrefix: reachable without a session.'),
    loginPath: gatewayPath('Static callback path, relative to pathPrefix: a route of the deployment whose backend is OAUTH2_LOGIN_BACKEND. Default: the provider returns to the page that was asked for.'),
    sessionKeys: {
        type: 'array',
        minItems: 1,
        items: object({
            secretId: { ...nonEmptyString, description: 'OCID of a secret in secrets: (at least 32 characters).' },
            retiredAt: { ...nonEmptyString, description: 'When this key stopped being first (ISO 8601); its grace period counts from here.' },
        }, ['secretId']),
        description: 'Gatehouse extension (not an OCI field): keys that encrypt the session cookies. The first encrypts; the others still decrypt for sessionKeyGraceHours. ' +
            'Absent: a key generated once and kept in .gatehouse/session.key next to the configuration file.',
    },
    sessionKeyGraceHours: { type: 'number', minimum: 0, maximum: 720, description: 'Gatehouse extension (not an OCI field): how long a demoted session key still decrypts, hours (default 24).' },
}, ['type', 'clientDetails', 'sourceUriDetails', 'scopes', 'responseType']);
