/**
 * Schema of the top-level `functions` map and of `ORACLE_FUNCTIONS_BACKEND` (issue #5, docs/functions.md).
 *
 * `functions` maps a functionId (any string: OCI writes OCIDs such as `ocid1.fnfunc.oc1...`) to a
 * local function directory (`path`, holding `func.yaml`) or to a remote Fn server
 * (`invokeEndpoint`). Exactly one of the two is checked at compile time (functions/compile.ts),
 * where the message can name the function; func.yaml itself is read and checked there too.
 */
import { nonEmptyString, object } from '../../lib/json_schema.js';
const seconds = (max) => ({ type: 'number', exclusiveMinimum: 0, maximum: max });
const configMap = {
    type: 'object',
    additionalProperties: { type: ['string', 'number', 'boolean'] },
    description: 'Extra function config (env vars); overrides func.yaml `config`, as `fn config function` does.',
};
const functionEntry = object({
    path: { ...nonEmptyString, description: 'Directory holding func.yaml and the code, relative to this file.' },
    invokeEndpoint: {
        type: 'string',
        pattern: '^https?://',
        description: 'Remote Fn server: the absolute URL a call is POSTed to (e.g. http://fn:8080/invoke/<fn id>).',
    },
    maxConcurrency: { type: 'integer', minimum: 1, maximum: 256, description: 'Most containers (concurrent calls) for this function (default 4).' },
    maxQueue: { type: 'integer', minimum: 0, maximum: 100000, description: 'Calls that may wait for a container; beyond it 503 (default 64).' },
    queueTimeoutInSeconds: { ...seconds(300), description: 'Longest wait for a container before 503 (default 10).' },
    timeoutInSeconds: { ...seconds(300), description: 'Remote functions only: call deadline (default 30; local ones use func.yaml `timeout`).' },
    appName: { ...nonEmptyString, description: 'FN_APP_NAME given to the function (default "gatehouse").' },
    appId: { ...nonEmptyString, description: 'FN_APP_ID given to the function (default the appName).' },
    config: configMap,
});
/** The top-level `functions` map: functionId → local directory or remote Fn server. */
export const functionsSchema = {
    type: 'object',
    description: 'Functions that ORACLE_FUNCTIONS_BACKEND routes call, keyed by functionId (any string, OCIDs included).',
    propertyNames: { minLength: 1 },
    additionalProperties: functionEntry,
};
/** OCI's ORACLE_FUNCTIONS_BACKEND: `functionId` must be a key of `functions`. */
export const functionBackendSchema = object({
    type: { const: 'ORACLE_FUNCTIONS_BACKEND' },
    functionId: { ...nonEmptyString, description: 'A key of the top-level `functions` map (an OCID when exported from OCI).' },
}, ['type', 'functionId']);
