/**
 * Schema of the top-level `identityProvider` section (issue #4, docs/token-service.md): the local
 * Auth0-compatible token service. Field names are camelCase like the rest of the configuration; the
 * management API speaks Auth0's snake_case shapes instead. Secrets come in through `${VAR}`
 * interpolation.
 */
import { nonEmptyString, object } from '../../lib/json_schema.js';
const scope = {
    description: 'A scope the API defines: a string, or {value, description} as Auth0 writes it.',
    anyOf: [
        { type: 'string', minLength: 1, pattern: '^[^\\s]+$' },
        object({ value: { type: 'string', minLength: 1, pattern: '^[^\\s]+$' }, description: { type: 'string' } }, ['value']),
    ],
};
const scopeList = { type: 'array', items: { type: 'string', minLength: 1, pattern: '^[^\\s]+$' } };
const apiSchema = object({
    name: nonEmptyString,
    identifier: { ...nonEmptyString, description: 'The audience. Compared byte for byte: a trailing slash makes another API (as in Auth0).' },
    signingAlg: { enum: ['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256'], description: 'Default RS256.' },
    signingSecret: { type: 'string', minLength: 16, description: 'HS256 only: the shared secret (generated when absent).' },
    tokenLifetime: { type: 'integer', minimum: 1, maximum: 2592000, description: 'Access token lifetime in seconds (default 86400, Auth0\'s).' },
    scopes: { type: 'array', items: scope },
    tokenDialect: {
        enum: ['access_token', 'access_token_authz', 'rfc9068', 'rfc9068_profile', 'rfc9068_profile_authz', 'opaque'],
        description: 'Token profile (Auth0 names; rfc9068 = rfc9068_profile). Default access_token. opaque (an extension): a sealed token only introspection reads.',
    },
}, ['identifier']);
const grantSchema = object({
    audience: { ...nonEmptyString, description: 'Identifier of an API.' },
    scopes: { ...scopeList, description: 'Scopes granted to the application on that API (default none).' },
}, ['audience']);
const applicationSchema = object({
    name: nonEmptyString,
    clientId: { type: 'string', minLength: 1, pattern: '^[^\\s:]+$', description: 'Generated when absent (the app is then found again by name).' },
    clientSecret: { type: 'string', minLength: 1, description: 'Generated at first start when absent, and written to .gatehouse/idp-secrets.json.' },
    grantTypes: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'Default [client_credentials].' },
    grants: { type: 'array', items: grantSchema },
}, ['name']);
export const identityProviderSchema = {
    ...object({
        host: { type: 'string', minLength: 1, description: 'Bind address (default 127.0.0.1).' },
        port: { type: 'integer', minimum: 0, maximum: 65535, description: 'Port; 0 picks a free one (default 4000).' },
        issuer: {
            type: 'string',
            pattern: '^https?://[^\\s]+/$',
            description: 'The `iss` of every token, with its trailing slash (default http://localhost:<port>/).',
        },
        database: {
            type: 'string',
            minLength: 1,
            description: 'SQLite file relative to the config directory (default .gatehouse/idp.sqlite), or a postgres:// URL.',
        },
        defaultAudience: { type: 'string', minLength: 1, description: 'Used when a token request has no audience (Auth0\'s tenant Default Audience).' },
        management: object({
            clientId: { type: 'string', minLength: 1, pattern: '^[^\\s:]+$' },
            clientSecret: { type: 'string', minLength: 1 },
        }, []),
        apis: { type: 'array', items: apiSchema },
        applications: { type: 'array', items: applicationSchema },
    }),
    description: 'The local Auth0-compatible token service (client-credentials flow).',
};
