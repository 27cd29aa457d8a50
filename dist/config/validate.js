/**
 * Validates a normalised configuration against the schema and turns ajv's errors into one line
 * per problem, each named by its path: `deployments[0].specification.routes[2].backend.url: ...`.
 */
import { Ajv } from 'ajv';
import { configSchema } from './schema/index.js';
import { join } from './source_path.js';
import { closestName } from './suggest.js';
/** `unknown field`, with `; did you mean pathPrefix?` when a known field is close. */
export function unknownFieldMessage(suggestion) {
    return suggestion === undefined ? 'unknown field' : `unknown field; did you mean ${suggestion}?`;
}
/** True for the empty defaults OCI writes into exports: null, false, '', [], {} (recursively). */
export function isEmptyValue(value) {
    if (value === null || value === undefined || value === false || value === '')
        return true;
    if (Array.isArray(value))
        return value.every(isEmptyValue);
    if (typeof value === 'object')
        return Object.values(value).every(isEmptyValue);
    return false;
}
function createValidator() {
    const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
    ajv.addKeyword({
        keyword: 'notSupported',
        schemaType: 'boolean',
        errors: true,
        validate: function notSupported(_schema, data) {
            return isEmptyValue(data);
        },
    });
    return ajv.compile(configSchema);
}
let compiled = null;
/** `/deployments/0/pathPrefix` → `deployments[0].pathPrefix`. */
export function formatPath(pointer) {
    let out = '';
    for (const raw of pointer.split('/').slice(1)) {
        const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
        out = join(out, /^\d+$/.test(seg) ? `[${seg}]` : seg);
    }
    return out;
}
function describe(e) {
    const path = formatPath(e.instancePath);
    switch (e.keyword) {
        case 'notSupported':
            return { path, message: 'not supported yet' };
        case 'additionalProperties': {
            // verbose: true gives the object's schema; its properties are the fields allowed here.
            const field = String(e.params['additionalProperty']);
            const known = Object.keys(e.parentSchema?.properties ?? {});
            const suggestion = closestName(field, known);
            return { path: join(path, field), message: unknownFieldMessage(suggestion), ...(suggestion === undefined ? {} : { suggestion }) };
        }
        case 'required':
            return { path: join(path, String(e.params['missingProperty'])), message: 'is required' };
        case 'enum':
            return { path, message: `must be one of ${e.params['allowedValues'].map((v) => JSON.stringify(v)).join(', ')}` };
        case 'pattern': {
            const hint = e.parentSchema?.patternMessage;
            return { path, message: hint ?? `must match ${String(e.params['pattern'])}` };
        }
        case 'const':
            return { path, message: `must be ${JSON.stringify(e.params['allowedValue'])}` };
        case 'anyOf':
            if (/^deployments\[\d+\]$/.test(path))
                return { path, message: 'needs specification or specificationFile' };
            return { path, message: 'does not match any allowed shape' };
        case 'if':
            return null; // the branch's own errors say what is wrong
        default:
            return { path, message: e.message ?? 'is invalid' };
    }
}
/** Returns every problem found, in document order and without duplicates. */
export function validateConfig(config) {
    compiled ??= createValidator();
    if (compiled(config))
        return [];
    const seen = new Set();
    const issues = [];
    for (const e of compiled.errors ?? []) {
        const issue = describe(e);
        if (issue === null)
            continue;
        const key = `${issue.path}\0${issue.message}`;
        if (seen.has(key))
            continue;
        seen.add(key);
        issues.push(issue);
    }
    // "not supported yet" says all there is to say about a field; drop the noise around it.
    const unsupported = issues.filter((i) => i.message === 'not supported yet').map((i) => i.path);
    return issues.filter((i) => i.message === 'not supported yet' || !unsupported.some((p) => i.path.startsWith(p) && i.path !== p));
}
