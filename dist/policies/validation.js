/**
 * Request validation (OCI `headerValidations`, `queryParameterValidations`, `bodyValidation` on a
 * route's `requestPolicies`): required headers, required query parameters, a required body and the
 * body's content type. Runs after authentication and authorization, before transformations
 * (OCI "Adding Request Validation to API deployments").
 *
 * Everything is compiled once: lower-cased header names, the accepted media types in lookup tables,
 * and only the checks that can fail. A route whose validations check nothing has no step at all.
 * The request body is never read: presence is `Content-Length > 0` or a `Transfer-Encoding`.
 *
 * The choices OCI's documentation leaves open are written down in docs/oci-compatibility.md
 * ("Request validation"): validationMode defaults to ENFORCING, `required: false` items check
 * nothing, Content-Type parameters are ignored and media types compare case-insensitively.
 *
 * One file although it passes ~300 lines: the three policies share the mode handling, the metric
 * and the step shape, and the schema fragments sit beside the code that gives them meaning.
 */
import { requestHasBody } from '../lib/body.js';
import { isHeaderName, isToken } from '../lib/header_name.js';
import { scrapedMetric, useScrapedMetrics } from '../lib/scraped_metrics.js';
import { nonEmptyString, object } from '../lib/json_schema.js';
const validationMode = {
    enum: ['ENFORCING', 'PERMISSIVE', 'DISABLED'],
    description: 'ENFORCING: a failing request gets 400 and never reaches the backend. PERMISSIVE: it passes, with a log line and a count in gatehouse_validation_failures_total. ' +
        'DISABLED: no check. Default ENFORCING (OCI does not document a default).',
};
const items = (what, caseNote) => ({
    type: 'array',
    items: object({
        name: { ...nonEmptyString, description: `${what} name (${caseNote}); unique in the list.` },
        required: { type: 'boolean', description: `Refuse requests without this ${what.toLowerCase()} (default false: the item checks nothing).` },
    }, ['name']),
});
/** `routes[].requestPolicies.headerValidations` (OCI HeaderValidationRequestPolicy). */
export const headerValidationsSchema = {
    ...object({ validationMode, headers: items('Header', 'case-insensitive, an RFC 9110 token') }),
    description: 'Headers the request must carry (present, possibly empty).',
};
/** `routes[].requestPolicies.queryParameterValidations` (OCI QueryParameterValidationRequestPolicy). */
export const queryParameterValidationsSchema = {
    ...object({ validationMode, parameters: items('Query parameter', 'case-sensitive, as decoded') }),
    description: 'Query parameters the request must carry (present, possibly empty: ?page and ?page= both count).',
};
/** `routes[].requestPolicies.bodyValidation` (OCI BodyValidationRequestPolicy). */
export const bodyValidationSchema = {
    ...object({
        validationMode,
        required: { type: 'boolean', description: 'Refuse requests without a body (Content-Length > 0 or Transfer-Encoding); default false.' },
        content: {
            type: 'object',
            description: 'Accepted media types: a map from type/subtype, type/* or */* to {validationType: NONE}; the most specific key matches. ' +
                'Compared case-insensitively, Content-Type parameters (charset) ignored; a body without Content-Type only passes */*.',
            additionalProperties: object({ validationType: { enum: ['NONE'], description: 'NONE: the content type is checked, not the body (the only type OCI has).' } }, ['validationType']),
        },
    }, ['content']),
    description: 'Checks that a body is present (when required) and that its Content-Type is accepted. The body itself is not read.',
};
/** Failure counts of one route, read when `/metrics` is scraped. */
class ValidationStats {
    deployment;
    route;
    enforcing = 0;
    permissive = 0;
    constructor(deployment, route) {
        this.deployment = deployment;
        this.route = route;
    }
}
const STATS_PREFIX = 'stats:validation:';
const METRIC = 'gatehouse_validation_failures_total';
function validationStats(registry, deployment, route) {
    useScrapedMetrics(registry, 'validation', () => [
        scrapedMetric(METRIC, 'Requests that failed a request validation policy, by deployment, route pattern and validation mode (one count per failed policy).', 'counter', () => {
            const out = [];
            for (const s of registry.list(STATS_PREFIX)) {
                out.push({ labels: { deployment: s.deployment, route: s.route, mode: 'enforcing' }, value: s.enforcing });
                out.push({ labels: { deployment: s.deployment, route: s.route, mode: 'permissive' }, value: s.permissive });
            }
            return out;
        }),
    ]);
    return registry.acquire(`${STATS_PREFIX}${deployment}\0${route}`, () => new ValidationStats(deployment, route), () => undefined);
}
/** `a`, or `a, b` with the plural noun. */
function naming(noun, names) {
    return names.length === 1 ? `${noun}: ${names[0]}` : `${noun}s: ${names.join(', ')}`;
}
function modeOf(config) {
    return config.validationMode ?? 'ENFORCING';
}
function compileHeaders(config, path, ctx) {
    const seen = new Map();
    const required = [];
    (config.headers ?? []).forEach((item, i) => {
        const at = `${path}.headers[${i}].name`;
        if (!isHeaderName(item.name))
            return void ctx.issue(at, 'is not a valid header name');
        const lower = item.name.toLowerCase();
        const first = seen.get(lower);
        if (first !== undefined)
            return void ctx.issue(at, `duplicates headers[${first}] (header names are case-insensitive)`);
        seen.set(lower, i);
        if (item.required === true)
            required.push({ name: item.name, lower });
    });
    if (modeOf(config) === 'DISABLED' || required.length === 0)
        return null;
    return {
        policy: 'headerValidations',
        enforcing: modeOf(config) === 'ENFORCING',
        run(ctx) {
            const headers = ctx.req.headers;
            let missing = null;
            for (const h of required)
                if (headers[h.lower] === undefined)
                    (missing ??= []).push(h.name);
            return missing === null ? null : { message: `Missing required ${naming('header', missing)}`, detail: { missing } };
        },
    };
}
function compileQuery(config, path, ctx) {
    const seen = new Map();
    const required = [];
    (config.parameters ?? []).forEach((item, i) => {
        const first = seen.get(item.name);
        if (first !== undefined)
            return void ctx.issue(`${path}.parameters[${i}].name`, `duplicates parameters[${first}]`);
        seen.set(item.name, i);
        if (item.required === true)
            required.push(item.name);
    });
    if (modeOf(config) === 'DISABLED' || required.length === 0)
        return null;
    return {
        policy: 'queryParameterValidations',
        enforcing: modeOf(config) === 'ENFORCING',
        run(ctx) {
            if (ctx.search.length <= 1)
                return { message: `Missing required ${naming('query parameter', required)}`, detail: { missing: required } };
            const query = ctx.query();
            let missing = null;
            for (const name of required)
                if (!query.has(name))
                    (missing ??= []).push(name);
            return missing === null ? null : { message: `Missing required ${naming('query parameter', missing)}`, detail: { missing } };
        },
    };
}
/** `type/subtype`, `type/*` or `*\/*`, lower-cased; null when `key` is none of these. */
function parseRange(key) {
    const lower = key.toLowerCase();
    const slash = lower.indexOf('/');
    if (slash < 0)
        return null;
    const type = lower.slice(0, slash);
    const subtype = lower.slice(slash + 1);
    if (!isToken(type) || !isToken(subtype))
        return null;
    if (type.includes('*') && type !== '*')
        return null;
    if (subtype.includes('*') && subtype !== '*')
        return null;
    if (type === '*' && subtype !== '*')
        return null;
    return { type, subtype };
}
/**
 * The media type of a Content-Type value (parameters dropped, lower-cased), or null when it is not
 * `type/subtype` (a wildcard sent by a client is not a media type either).
 */
export function mediaTypeOf(contentType) {
    const semi = contentType.indexOf(';');
    const type = (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
    const slash = type.indexOf('/');
    if (slash <= 0 || type.includes('*'))
        return null;
    return isToken(type.slice(0, slash)) && isToken(type.slice(slash + 1)) ? type : null;
}
/**
 * Compiles `bodyValidation.content` (`path`); null, with issues reported, when a key is not a media
 * range or repeats another.
 */
export function compileMediaRanges(content, path, ctx) {
    const exact = new Map();
    const byType = new Map();
    let any = null;
    const seen = new Map();
    const keys = Object.keys(content ?? {});
    if (keys.length === 0)
        ctx.issue(path, 'needs at least one media type (type/subtype, type/* or */*)');
    let ok = keys.length > 0;
    for (const key of keys) {
        const range = parseRange(key);
        if (range === null) {
            ctx.issue(`${path}.${key}`, 'is not a media range: use type/subtype, type/* or */* (no parameters)');
            ok = false;
            continue;
        }
        const norm = `${range.type}/${range.subtype}`;
        const first = seen.get(norm);
        if (first !== undefined) {
            ctx.issue(`${path}.${key}`, `duplicates ${first} (media types are case-insensitive)`);
            ok = false;
            continue;
        }
        seen.set(norm, key);
        if (range.type === '*')
            any = key;
        else if (range.subtype === '*')
            byType.set(range.type, key);
        else
            exact.set(norm, key);
    }
    if (!ok)
        return null;
    return {
        keys,
        match(mediaType) {
            if (mediaType === null)
                return any;
            return exact.get(mediaType) ?? byType.get(mediaType.slice(0, mediaType.indexOf('/'))) ?? any;
        },
    };
}
function compileBody(config, path, ctx) {
    const matcher = compileMediaRanges(config.content, `${path}.content`, ctx);
    if (matcher === null || modeOf(config) === 'DISABLED')
        return null;
    const required = config.required === true;
    const accepted = `expected one of: ${matcher.keys.join(', ')}`;
    const noType = { message: `Content-Type is required; ${accepted}`, detail: { reason: 'no_content_type' } };
    // Every body passes */*; only the required-body check is left.
    const acceptsAll = matcher.match(null) !== null;
    if (acceptsAll && !required)
        return null;
    return {
        policy: 'bodyValidation',
        enforcing: modeOf(config) === 'ENFORCING',
        run(ctx) {
            if (!requestHasBody(ctx.req))
                return required ? { message: 'Request body is required', detail: { reason: 'no_body' } } : null;
            if (acceptsAll)
                return null;
            const header = ctx.req.headers['content-type'];
            if (header === undefined)
                return noType;
            const mediaType = mediaTypeOf(header);
            if (matcher.match(mediaType) !== null)
                return null;
            // The client's value goes to the log only (capped), never into the answer.
            return { message: `Content-Type not accepted; ${accepted}`, detail: { reason: 'content_type_not_accepted', contentType: (mediaType ?? header).slice(0, 128) } };
        },
    };
}
/**
 * Compiles a route's validations; null when there is nothing to check (none configured, all
 * DISABLED, or only `required: false` items). Problems are reported with `ctx.issue` under `path`,
 * the route's `requestPolicies` config path, whatever the mode. `labels` name the metric series.
 */
export function compileValidation(policies, path, ctx, labels) {
    const steps = [];
    const add = (step) => void (step !== null && steps.push(step));
    if (policies.headerValidations !== undefined)
        add(compileHeaders(policies.headerValidations, `${path}.headerValidations`, ctx));
    if (policies.queryParameterValidations !== undefined)
        add(compileQuery(policies.queryParameterValidations, `${path}.queryParameterValidations`, ctx));
    if (policies.bodyValidation !== undefined)
        add(compileBody(policies.bodyValidation, `${path}.bodyValidation`, ctx));
    if (steps.length === 0)
        return null;
    const stats = validationStats(ctx.registry, labels.deployment, labels.route);
    return {
        check(request) {
            for (const step of steps) {
                const failure = step.run(request);
                if (failure === null)
                    continue;
                if (step.enforcing) {
                    stats.enforcing++;
                    request.log.info({ validation: step.policy, mode: 'ENFORCING', ...failure.detail }, 'request refused by validation');
                    return failure.message;
                }
                stats.permissive++;
                request.log.warn({ validation: step.policy, mode: 'PERMISSIVE', ...failure.detail }, 'request failed validation; passed on (PERMISSIVE)');
            }
            return null;
        },
    };
}
