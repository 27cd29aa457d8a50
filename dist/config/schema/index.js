/**
 * The one JSON Schema of `gatehouse.yaml`. It drives validation at load time and is what
 * `gatehouse schema` prints for editors. Everything under `specification` uses OCI API Gateway's
 * field names and enum values; OCI fields that Gatehouse does not implement yet are listed with
 * `notSupported` so that they fail with "not supported yet: <path>" instead of being ignored.
 */
import { byType, nonEmptyString, object, stringList } from '../../lib/json_schema.js';
import { authenticationSchema, authorizationSchema } from './auth.js';
import { dynamicAuthenticationSchema, dynamicRoutingSchema } from '../../policies/selection.js';
import { functionBackendSchema, functionsSchema } from './functions.js';
import { loginBackendSchema, logoutBackendSchema } from '../../backends/oauth2.js';
import { identityProviderSchema } from './idp.js';
import { corsSchema } from '../../policies/cors.js';
import { trustedProxiesSchema } from '../../lib/client_ip.js';
import { tracingSchema } from '../../lib/tracing.js';
import { httpPortSchema, serverTlsSchema } from '../../server/tls.js';
import { adminAccessSchemaProperties } from '../../server/admin_access.js';
import { rateLimitingSchema } from '../../policies/rate_limit.js';
import { mutualTlsSchema } from '../../policies/mutual_tls.js';
import { subscribersSchema, usagePlansPolicySchema, usagePlansSchema } from '../../policies/usage_plans.js';
import { responseCacheLookupSchema, responseCacheStoreSchema } from '../../policies/response_cache.js';
import { responseCacheDetailsSchema, secretsSchema, stateSchema } from '../../state/config.js';
import { queryParameterTransformationsSchema, requestHeaderTransformationsSchema, responseHeaderTransformationsSchema } from '../../policies/transforms.js';
import { bodyValidationSchema, headerValidationsSchema, queryParameterValidationsSchema } from '../../policies/validation.js';
const port = { type: 'integer', minimum: 0, maximum: 65535 };
const seconds = (max) => ({ type: 'number', exclusiveMinimum: 0, maximum: max });
const listener = (defaults) => object({
    host: { type: 'string', minLength: 1, default: defaults.host, description: `Bind address (default ${defaults.host}).` },
    port: { ...port, default: defaults.port, description: `Port; 0 picks a free one (default ${defaults.port}).` },
});
const serverSchema = object({
    host: { type: 'string', minLength: 1, description: 'Data-plane bind address (default 0.0.0.0).' },
    port: { ...port, description: 'Data-plane port; 0 picks a free one (default 8080).' },
    maxHeaderBytes: { type: 'integer', minimum: 1024, maximum: 1048576, description: 'Largest request head accepted, in bytes (default 16384); larger gets 431.' },
    maxBodyBytes: { type: 'integer', minimum: 0, description: 'Largest request body accepted, in bytes (default 20 MB, OCI\'s limit); larger gets 413.' },
    headersTimeoutInSeconds: { ...seconds(600), description: 'Time allowed to receive the request head (default 10).' },
    requestTimeoutInSeconds: { ...seconds(3600), description: 'Time allowed to receive the whole request (default 60).' },
    keepAliveTimeoutInSeconds: { ...seconds(3600), description: 'Idle keep-alive connections are closed after this (default 5).' },
    shutdownTimeoutInSeconds: { ...seconds(3600), description: 'On SIGTERM, in-flight requests get this long to finish (default 30).' },
    trustedProxies: trustedProxiesSchema,
    tls: serverTlsSchema,
    httpPort: httpPortSchema,
});
const headerList = {
    type: 'array',
    items: object({ name: nonEmptyString, value: { type: 'string' } }, ['name', 'value']),
};
const httpBackend = object({
    type: { const: 'HTTP_BACKEND' },
    url: { type: 'string', minLength: 1, description: 'Absolute http(s) URL; may use context variables such as ${request.path[id]}.' },
    connectTimeoutInSeconds: { ...seconds(75), description: 'Default 60 (OCI).' },
    readTimeoutInSeconds: { ...seconds(300), description: 'Default 10 (OCI).' },
    sendTimeoutInSeconds: { ...seconds(300), description: 'Default 10 (OCI).' },
    isSslVerifyDisabled: { type: 'boolean' },
}, ['type', 'url']);
const stockBackend = object({
    type: { const: 'STOCK_RESPONSE_BACKEND' },
    status: { type: 'integer', minimum: 100, maximum: 599 },
    body: { type: 'string' },
    headers: headerList,
}, ['type', 'status']);
const plainBackends = { HTTP_BACKEND: httpBackend, STOCK_RESPONSE_BACKEND: stockBackend, ORACLE_FUNCTIONS_BACKEND: functionBackendSchema };
const backendSchema = byType(
// A dynamic routing backend chooses among HTTP, functions and stock backends (OCI), never another dynamic one.
{
    ...plainBackends,
    DYNAMIC_ROUTING_BACKEND: dynamicRoutingSchema(byType(plainBackends)),
    OAUTH2_LOGIN_BACKEND: loginBackendSchema,
    OAUTH2_LOGOUT_BACKEND: logoutBackendSchema,
});
const methodEnum = { enum: ['ANY', 'HEAD', 'GET', 'POST', 'PATCH', 'DELETE', 'PUT', 'OPTIONS'] };
const loggingPolicies = object({
    accessLog: object({ isEnabled: { type: 'boolean' } }),
    executionLog: object({ isEnabled: { type: 'boolean' }, logLevel: { enum: ['INFO', 'WARN', 'ERROR'] } }),
});
const routeSchema = object({
    path: { type: 'string', minLength: 1, description: 'Route path: /items/{id}, /files/{rest*}.' },
    methods: { type: 'array', items: methodEnum, minItems: 1, description: 'Default [ANY].' },
    backend: backendSchema,
    requestPolicies: object({
        authorization: authorizationSchema,
        cors: corsSchema,
        headerTransformations: requestHeaderTransformationsSchema,
        queryParameterTransformations: queryParameterTransformationsSchema,
        responseCacheLookup: responseCacheLookupSchema,
        bodyValidation: bodyValidationSchema,
        headerValidations: headerValidationsSchema,
        queryParameterValidations: queryParameterValidationsSchema,
    }),
    responsePolicies: object({ headerTransformations: responseHeaderTransformationsSchema, responseCacheStore: responseCacheStoreSchema }),
    loggingPolicies,
}, ['path', 'backend']);
/** OCI's ApiSpecification, field for field. */
export const specificationSchema = object({
    loggingPolicies,
    requestPolicies: object({
        authentication: authenticationSchema,
        cors: corsSchema,
        mutualTls: mutualTlsSchema,
        rateLimiting: rateLimitingSchema,
        usagePlans: usagePlansPolicySchema,
        dynamicAuthentication: dynamicAuthenticationSchema(authenticationSchema),
    }),
    routes: { type: 'array', items: routeSchema },
}, ['routes']);
const deploymentSchema = {
    ...object({
        name: {
            type: 'string',
            pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
            patternMessage: 'must start with a letter or digit and use only letters, digits, ".", "_" and "-"',
            description: 'Unique; used in logs and metrics.',
        },
        id: { type: 'string', minLength: 1, description: 'The deployment\'s OCID (optional): usage-plan targets may name it as deploymentId (the name matches too).' },
        pathPrefix: { type: 'string', pattern: '^/', patternMessage: 'must start with /', description: 'Path on which every route of the specification is served.' },
        specification: specificationSchema,
        specificationFile: { type: 'string', minLength: 1, description: 'OCI-exported specification JSON (or YAML), relative to this file.' },
    }, ['name', 'pathPrefix']),
    anyOf: [{ required: ['specification'] }, { required: ['specificationFile'] }],
};
export const configSchema = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://gatehouse.dev/schema/gatehouse.json',
    title: 'Gatehouse configuration (gatehouse.yaml)',
    ...object({
        server: serverSchema,
        admin: object({ ...listener({ host: '127.0.0.1', port: 9080 })['properties'], ...adminAccessSchemaProperties }),
        deployments: { type: 'array', items: deploymentSchema },
        functions: functionsSchema,
        identityProvider: identityProviderSchema,
        usagePlans: usagePlansSchema,
        subscribers: subscribersSchema,
        state: stateSchema,
        responseCacheDetails: responseCacheDetailsSchema,
        secrets: secretsSchema,
        telemetry: tracingSchema,
    }, ['deployments']),
};
