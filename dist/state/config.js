/**
 * The configuration of shared state: the top-level `state:` section (Gatehouse's own: a Redis
 * server for counters and the cache, the memory cache's bounds, the usage-plan database), OCI's
 * gateway-level `responseCacheDetails` (the Gateway resource's external RESP cache, which maps onto
 * a Redis store for the response cache only) and the `secrets:` map that OCI's Vault secret OCIDs
 * (`authenticationSecretId`) resolve through.
 */
import { nonEmptyString, object } from '../lib/json_schema.js';
const ms = (max, defaultMs, what) => ({
    type: 'integer',
    minimum: 1,
    maximum: max,
    description: `${what}, in milliseconds (default ${defaultMs}).`,
});
/** Defaults of `state:`; also used for `responseCacheDetails` timeouts OCI leaves unset. */
export const STATE_DEFAULTS = {
    connectTimeoutMs: 1000,
    commandTimeoutMs: 500,
    cacheMaxBytes: 64 * 1024 * 1024,
    cacheMaxEntryBytes: 1024 * 1024,
};
/** Schema of the top-level `state:` section. */
export const stateSchema = object({
    redis: object({
        url: {
            type: 'string',
            pattern: '^rediss?://[^\\s]+$',
            patternMessage: 'must be a redis:// or rediss:// URL',
            description: 'redis://host:port/db, or rediss:// for TLS. Prefer `password` (with ${REDIS_PASSWORD}) to a password in the URL.',
        },
        password: { type: 'string', description: 'Redis AUTH password; write ${REDIS_PASSWORD} to keep it out of the file.' },
        connectTimeoutMs: ms(60_000, STATE_DEFAULTS.connectTimeoutMs, 'Time allowed to connect'),
        commandTimeoutMs: ms(60_000, STATE_DEFAULTS.commandTimeoutMs, 'Time allowed for one command; a slower answer counts as a failure (limits let the request through, the cache is bypassed)'),
        tls: object({
            caFile: { ...nonEmptyString, description: 'PEM CA bundle that signs the server certificate (relative to this file).' },
            isSslVerifyDisabled: { type: 'boolean', description: 'Skip server certificate verification (testing only).' },
        }),
    }, ['url']),
    cache: object({
        maxBytes: { type: 'integer', minimum: 0, description: 'Bytes the in-memory response cache may hold (default 64 MiB).' },
        maxEntryBytes: { type: 'integer', minimum: 0, description: 'Largest cached answer, in bytes; larger ones are not stored (default 1 MiB).' },
    }),
    database: {
        ...nonEmptyString,
        description: 'Where API-managed usage-plan subscribers are stored: a SQLite path or a postgres:// URL (default: identityProvider.database, else .gatehouse/idp.sqlite).',
    },
});
/** Schema of OCI's Gateway `responseCacheDetails` (EXTERNAL_RESP_CACHE or NONE). */
export const responseCacheDetailsSchema = {
    type: 'object',
    required: ['type'],
    properties: { type: { enum: ['EXTERNAL_RESP_CACHE', 'NONE'] } },
    allOf: [
        {
            if: { properties: { type: { const: 'EXTERNAL_RESP_CACHE' } }, required: ['type'] },
            then: object({
                type: { const: 'EXTERNAL_RESP_CACHE' },
                servers: {
                    type: 'array',
                    minItems: 1,
                    maxItems: 1,
                    description: 'The RESP server (Redis, KeyDB); OCI supports exactly one.',
                    items: object({ host: { ...nonEmptyString, description: 'Hostname or IPv4 address.' }, port: { type: 'integer', minimum: 1, maximum: 65535 } }, ['host', 'port']),
                },
                authenticationSecretId: { ...nonEmptyString, description: 'OCID of the secret holding the password (the password, or {"password": "..."}), resolved through `secrets:`.' },
                authenticationSecretVersionNumber: { type: 'integer', minimum: 0, description: 'Accepted for OCI compatibility; the `secrets:` entry is used whatever the version.' },
                isSslEnabled: { type: 'boolean' },
                isSslVerifyDisabled: { type: 'boolean' },
                connectTimeoutInMs: ms(60_000, STATE_DEFAULTS.connectTimeoutMs, 'Time allowed to connect'),
                readTimeoutInMs: ms(60_000, STATE_DEFAULTS.commandTimeoutMs, 'Time allowed for an answer'),
                sendTimeoutInMs: ms(60_000, STATE_DEFAULTS.commandTimeoutMs, 'Time allowed to send a command'),
            }, ['type', 'servers', 'authenticationSecretId', 'authenticationSecretVersionNumber']),
        },
        { if: { properties: { type: { const: 'NONE' } }, required: ['type'] }, then: object({ type: { const: 'NONE' } }, ['type']) },
    ],
};
/** Schema of the top-level `secrets:` map: OCID → the secret, or `{ file }` read at load. */
export const secretsSchema = {
    type: 'object',
    description: 'Vault secrets by OCID: the value (use ${VAR}), or { file: path } read at load and on reload.',
    propertyNames: { minLength: 1 },
    additionalProperties: {
        anyOf: [{ type: 'string' }, object({ file: { ...nonEmptyString, description: 'File holding the secret (relative to this file).' } }, ['file'])],
    },
};
