/**
 * Schema of `requestPolicies.authentication` and route `requestPolicies.authorization`, in OCI API
 * Gateway's shapes (JwtAuthenticationPolicy, TokenAuthenticationPolicy, CustomAuthenticationPolicy,
 * RouteAuthorizationPolicy).
 * Owned by the auth stage (issue #3). Semantic checks (https JWKS, key sizes, ANONYMOUS routes)
 * happen in src/auth/compile.ts, with their paths.
 */
import { byType, nonEmptyString, object } from '../../lib/json_schema.js';
import { ALGORITHMS } from '../../auth/algorithms.js';
import { responseHeaderTransformationsSchema } from '../../policies/transforms.js';
import { oauth2FailurePolicySchema } from '../../auth/oauth2/schema.js';
/** OCI's ValidationFailurePolicy: MODIFY_RESPONSE replaces the 401 answer (src/auth/failure_policy.ts). */
const validationFailurePolicy = {
    ...byType({
        MODIFY_RESPONSE: object({
            type: { const: 'MODIFY_RESPONSE' },
            responseCode: {
                ...nonEmptyString,
                description: 'Status of the answer (default 401); may hold context variables, and falls back to 401 (with a log line) when it does not render to a code from 200 to 599.',
            },
            responseMessage: { type: 'string', description: 'Body of the answer, text/plain; charset=utf-8 unless a set header gives another Content-Type (default empty).' },
            responseHeaderTransformations: responseHeaderTransformationsSchema,
        }, ['type']),
        OAUTH2: oauth2FailurePolicySchema,
    }),
    description: 'OAUTH2 (TOKEN_AUTHENTICATION only): a browser without a valid token is signed in at the identity provider (OpenID Connect code flow, docs/browser-sign-in.md). ' +
        'MODIFY_RESPONSE: replaces the answer to a request authentication refuses with 401 (missing, invalid or inactive token; authorizer denial). 502, 503 and 504 (the provider or authorizer failing) keep the stock answer. ' +
        'Header transformations apply to the WWW-Authenticate the gateway would send, so they can rename or remove it.',
};
const nonEmptyList = { type: 'array', items: nonEmptyString, minItems: 1 };
const tokenLocation = {
    tokenHeader: { ...nonEmptyString, description: 'Header carrying the token (default "Authorization" when tokenQueryParam is not set).' },
    tokenAuthScheme: { ...nonEmptyString, description: 'Scheme before the token, compared case-insensitively, one space (default "Bearer" with tokenHeader).' },
    tokenQueryParam: { ...nonEmptyString, description: 'Query parameter carrying the token (instead of, or as well as, tokenHeader).' },
    isAnonymousAccessAllowed: { type: 'boolean', description: 'Let requests without a token through with no identity (default false); needed by ANONYMOUS routes. A token that is present must still be valid.' },
    maxClockSkewInSeconds: { type: 'number', minimum: 0, maximum: 3600, description: 'Tolerance applied to exp and nbf, in seconds (default 0, as OCI).' },
};
/**
 * Gatehouse extensions: not OCI fields, so a specification that uses them no longer loads in OCI.
 * Each description says so (docs/oci-compatibility.md lists them).
 */
const extensions = {
    maxTokenSizeInBytes: {
        type: 'integer',
        minimum: 256,
        maximum: 1048576,
        description: 'Gatehouse extension (not an OCI field): longest token accepted, in bytes; longer ones get 401 token_too_large. ' +
            'Default: no limit of its own, so any token that fits in the request head (server.maxHeaderBytes) is read.',
    },
    allowedAlgorithms: {
        type: 'array',
        items: { enum: Object.keys(ALGORITHMS) },
        minItems: 1,
        uniqueItems: true,
        description: 'Gatehouse extension (not an OCI field): the only JWS algorithms accepted (RFC 8725 §3.1); a token with another alg gets 401 alg_not_allowed before any key lookup. ' +
            'Default: every algorithm the key allows.',
    },
    isAccessTokenTypeRequired: {
        type: 'boolean',
        description: 'Gatehouse extension (not an OCI field): RFC 9068 access tokens only: the JOSE header typ must be at+jwt or application/at+jwt (any case); ' +
            'another or no typ gets 401 token_type_invalid, so an ID token or another JWT from the same issuer is not taken for an access token. Default false (Auth0 signs typ JWT unless its API uses the RFC 9068 profile).',
    },
};
const verifyClaims = {
    type: 'array',
    description: 'Claims to check: values are any-of (an array claim passes when one element is allowed); isRequired rejects tokens without the claim.',
    items: object({
        key: { ...nonEmptyString, description: 'Claim name (top level).' },
        values: { type: 'array', items: { type: 'string' }, description: 'Allowed values; absent or empty: any value.' },
        isRequired: { type: 'boolean', description: 'Reject tokens without the claim (default false).' },
    }, ['key']),
};
const maxCacheDurationInHours = {
    type: 'number',
    exclusiveMinimum: 0,
    maximum: 24,
    description: 'Longest time keys are served from cache, in hours (default 1; OCI allows 1-24, Gatehouse also accepts fractions). ' +
        'Refresh follows Cache-Control max-age within [30 s, this]; if the IdP is unreachable, the last good keys serve until this age, then requests get 503. ' +
        'With clientDetails (introspection): the longest an answer is cached, whatever the token\'s exp.',
};
const isSslVerifyDisabled = {
    type: 'boolean',
    description: 'Skip TLS certificate checks and allow plain http for the key URI (default false). Loopback hosts may use http without it.',
};
const remoteJwksFields = {
    type: { const: 'REMOTE_JWKS' },
    uri: { ...nonEmptyString, description: 'JWKS URL (https, or http on a loopback host).' },
    maxCacheDurationInHours,
    isSslVerifyDisabled,
};
const remoteJwks = object(remoteJwksFields, ['type', 'uri']);
const jwkMember = { type: 'string' };
const staticKey = {
    type: 'object',
    required: ['format'],
    properties: {
        format: { enum: ['JSON_WEB_KEY', 'PEM'] },
        kid: { ...nonEmptyString, description: 'Key id; tokens select the key by their kid header.' },
        key: { ...nonEmptyString, description: 'PEM: a public key (SPKI) or X.509 certificate.' },
        kty: { enum: ['RSA', 'EC', 'OKP'] },
        use: { enum: ['sig', 'enc'] },
        keyOps: { type: 'array', items: { type: 'string' } },
        key_ops: { type: 'array', items: { type: 'string' } },
        alg: { type: 'string' },
        n: jwkMember,
        e: jwkMember,
        crv: jwkMember,
        x: jwkMember,
        y: jwkMember,
        x5c: { type: 'array', items: { type: 'string' } },
        x5t: jwkMember,
        'x5t#S256': jwkMember,
        ext: { type: 'boolean' },
    },
    additionalProperties: false,
    allOf: [
        { if: { properties: { format: { const: 'PEM' } }, required: ['format'] }, then: { required: ['key'] } },
        { if: { properties: { format: { const: 'JSON_WEB_KEY' } }, required: ['format'] }, then: { required: ['kty'] } },
    ],
    description: 'Asymmetric public key: RSA (2048 bits or more), EC P-256/P-384/P-521, or OKP Ed25519/Ed448. Private members are rejected.',
};
const staticKeysFields = { type: { const: 'STATIC_KEYS' }, keys: { type: 'array', items: staticKey, minItems: 1 } };
const staticKeys = object(staticKeysFields, ['type', 'keys']);
/**
 * OCI's AdditionalValidationPolicy. It is a field of every TOKEN_AUTHENTICATION validation policy
 * (TokenAuthenticationValidationPolicy.additionalValidationPolicy in the OCI SDKs), not of the
 * authentication policy itself (issue #11).
 */
const additionalValidationPolicy = object({
    issuers: { ...nonEmptyList, description: 'Accepted iss values (exact). With REMOTE_DISCOVERY, defaults to the discovery document\'s issuer.' },
    audiences: { ...nonEmptyList, description: 'Accepted aud values (any-of). Absent: aud is not checked, and loading warns.' },
    verifyClaims,
});
const remoteDiscovery = object({
    type: { const: 'REMOTE_DISCOVERY' },
    sourceUriDetails: object({
        type: { enum: ['DISCOVERY_URI'], description: 'VALIDATION_BLOCK is not supported.' },
        uri: { ...nonEmptyString, description: 'OpenID Connect discovery document (…/.well-known/openid-configuration); its jwks_uri is used, or its introspection_endpoint with clientDetails.' },
    }, ['type', 'uri']),
    clientDetails: {
        ...byType({
            CUSTOM: object({
                type: { const: 'CUSTOM' },
                clientId: { ...nonEmptyString, description: 'The gateway\'s client id at the authorization server.' },
                clientSecretId: { ...nonEmptyString, description: 'OCID of the Vault secret holding the client secret, resolved through the top-level secrets: map.' },
                clientSecretVersionNumber: { type: 'integer', minimum: 1, description: 'Accepted for OCI compatibility; secrets: holds one value per OCID, whatever the version.' },
            }, ['type', 'clientId', 'clientSecretId']),
        }, ['VALIDATION_BLOCK']),
        description: 'With clientDetails, tokens (JWT or opaque) are checked by RFC 7662 introspection at the discovery document\'s introspection_endpoint instead of against its jwks_uri.',
    },
    maxCacheDurationInHours,
    isSslVerifyDisabled,
    additionalValidationPolicy,
}, ['type', 'sourceUriDetails']);
const jwtAuthentication = object({
    type: { const: 'JWT_AUTHENTICATION' },
    ...tokenLocation,
    ...extensions,
    issuers: { ...nonEmptyList, description: 'Accepted iss values, compared exactly (no trailing-slash normalisation).' },
    audiences: { ...nonEmptyList, description: 'Accepted aud values; the token passes when any of its aud (string or array) is listed.' },
    publicKeys: byType({ REMOTE_JWKS: remoteJwks, STATIC_KEYS: staticKeys }),
    verifyClaims,
}, ['type', 'issuers', 'audiences', 'publicKeys']);
const tokenAuthentication = object({
    type: { const: 'TOKEN_AUTHENTICATION' },
    ...tokenLocation,
    ...extensions,
    validationPolicy: byType({
        REMOTE_JWKS: object({ ...remoteJwksFields, additionalValidationPolicy }, ['type', 'uri']),
        STATIC_KEYS: object({ ...staticKeysFields, additionalValidationPolicy }, ['type', 'keys']),
        REMOTE_DISCOVERY: remoteDiscovery,
    }),
    // Accepted by the schema only so that compile can say where it belongs (src/auth/compile.ts).
    additionalValidationPolicy: { description: 'Misplaced: OCI puts additionalValidationPolicy inside validationPolicy. Refused at load, with a message saying so.' },
    validationFailurePolicy,
}, ['type', 'validationPolicy']);
/** OCI's CustomAuthenticationPolicy: an authorizer function decides (src/auth/custom.ts). */
const customAuthentication = object({
    type: { const: 'CUSTOM_AUTHENTICATION' },
    functionId: { ...nonEmptyString, description: 'The authorizer function: a key of the top-level functions map.' },
    isAnonymousAccessAllowed: tokenLocation.isAnonymousAccessAllowed,
    tokenHeader: { ...nonEmptyString, description: 'Single argument: the header whose raw value is sent as {"type":"TOKEN","token":...}.' },
    tokenQueryParam: { ...nonEmptyString, description: 'Single argument: the query parameter whose value is sent as the token.' },
    parameters: {
        type: 'object',
        additionalProperties: nonEmptyString,
        minProperties: 1,
        description: 'Multiple arguments: name → context variable without ${} (request.headers[X-Key]), sent as {"type":"USER_DEFINED","data":{...}}.',
    },
    cacheKey: { ...nonEmptyList, description: 'Names of parameters whose values key the answer cache (default: all of them).' },
    validationFailurePolicy,
}, ['type', 'functionId']);
export const authenticationSchema = byType({
    JWT_AUTHENTICATION: jwtAuthentication,
    TOKEN_AUTHENTICATION: tokenAuthentication,
    CUSTOM_AUTHENTICATION: customAuthentication,
});
export const authorizationSchema = byType({
    ANONYMOUS: object({ type: { const: 'ANONYMOUS' } }, ['type']),
    AUTHENTICATION_ONLY: object({ type: { const: 'AUTHENTICATION_ONLY' } }, ['type']),
    ANY_OF: object({
        type: { const: 'ANY_OF' },
        allowedScope: {
            ...nonEmptyList,
            description: 'The token needs one of these scopes, read from scope (space separated), scp (array or string) and permissions (array).',
        },
    }, ['type', 'allowedScope']),
});
