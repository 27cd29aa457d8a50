/**
 * OCI's dynamic selection (`dynamicAuthentication` and `DYNAMIC_ROUTING_BACKEND`): a selector (one
 * context variable, written without `${}`) and a list of keys, each naming one candidate. Shared by
 * both policies because OCI shares the key model (SelectionSourcePolicy, DynamicSelectionKey).
 *
 * Matching (OCI "Adding Multiple Authentication Servers to the Same API Deployment"):
 * - exact rules (ANY_OF: any of `values`, compared exactly) first, then wildcard rules, each group
 *   in the order written; the first match wins;
 * - WILDCARD `expression` has exactly one wildcard, at its start or its end: `*` stands for zero or
 *   more characters, `+` for one or more;
 * - nothing matches → the key marked `isDefault` (at most one), else no candidate;
 * - a multi-valued variable (a repeated header or query parameter) → its first value only.
 * Our choices where OCI is silent (docs/oci-compatibility.md): comparison is case-sensitive, and a
 * variable the request does not carry matches no rule (only the default), while an empty value
 * is a value (`*` matches it).
 *
 * Everything is checked and compiled once (compileDynamicRouting builds the routing backend here,
 * since backends/ may not import policies/); a request costs one variable lookup and a few string
 * comparisons.
 */
import { byType, nonEmptyString, object } from '../lib/json_schema.js';
import { compileContextVariable, routeParameters } from '../backends/context_vars.js';
import { createDynamicBackend, dynamicRoutingCounts } from '../backends/dynamic.js';
const keySchema = byType({
    ANY_OF: object({
        type: { const: 'ANY_OF' },
        name: { ...nonEmptyString, description: 'Unique among the keys of this policy.' },
        values: { type: 'array', items: { type: 'string' }, minItems: 1, description: 'The selector value must equal one of these (case-sensitive).' },
        isDefault: { type: 'boolean', description: 'Used when no key matches (at most one key).' },
    }, ['type', 'name', 'values']),
    WILDCARD: object({
        type: { const: 'WILDCARD' },
        name: { ...nonEmptyString, description: 'Unique among the keys of this policy.' },
        expression: { type: 'string', description: 'One * (zero or more characters) or + (one or more) at the start or the end: *.example.com, tenant-+.' },
        isDefault: { type: 'boolean', description: 'Used when no key matches (at most one key).' },
    }, ['type', 'name', 'expression']),
});
const sourceSchema = byType({
    SINGLE: object({
        type: { const: 'SINGLE' },
        selector: { ...nonEmptyString, description: 'One context variable without ${}: request.headers[tenant], request.query[x], request.path[x], request.subdomain[x], request.host.' },
    }, ['type', 'selector']),
});
/** Schema of `requestPolicies.dynamicAuthentication`; `server` is the authentication policy schema. */
export function dynamicAuthenticationSchema(server) {
    return object({
        selectionSource: sourceSchema,
        authenticationServers: {
            type: 'array',
            minItems: 1,
            items: object({ key: keySchema, authenticationServerDetail: server }, ['key', 'authenticationServerDetail']),
        },
    }, ['selectionSource', 'authenticationServers']);
}
/** Schema of a `DYNAMIC_ROUTING_BACKEND`; `backend` is the schema of the backends it may choose. */
export function dynamicRoutingSchema(backend) {
    return object({
        type: { const: 'DYNAMIC_ROUTING_BACKEND' },
        selectionSource: sourceSchema,
        routingBackends: { type: 'array', minItems: 1, items: object({ key: keySchema, backend }, ['key', 'backend']) },
    }, ['type', 'selectionSource', 'routingBackends']);
}
/** Tables a selector may read: authentication cannot select on what it has not verified yet. */
export const AUTHENTICATION_TABLES = ['headers', 'query', 'path', 'subdomain', 'host'];
export const ROUTING_TABLES = [...AUTHENTICATION_TABLES, 'auth', 'usage_plan'];
/** A WILDCARD expression's problem, or null when it is valid. */
export function wildcardProblem(expression) {
    const count = [...expression].filter((c) => c === '*' || c === '+').length;
    if (count !== 1)
        return `must hold exactly one wildcard (* or +), found ${count}`;
    const first = expression[0];
    const last = expression[expression.length - 1];
    if (first !== '*' && first !== '+' && last !== '*' && last !== '+')
        return 'the wildcard must be at the start or the end';
    return null;
}
function wildcardMatcher(expression) {
    const atStart = expression[0] === '*' || expression[0] === '+';
    const min = (atStart ? expression[0] : expression[expression.length - 1]) === '+' ? 1 : 0;
    const fixed = atStart ? expression.slice(1) : expression.slice(0, -1);
    const need = fixed.length + min;
    return atStart
        ? (v) => v.length >= need && v.endsWith(fixed)
        : (v) => v.length >= need && v.startsWith(fixed);
}
/**
 * Compiles a selector for the routes it serves (`routes`: pattern → its parameters; a deployment-level
 * policy passes every route, since `request.path[x]` must be a parameter of each). Reports
 * "Invalid selector" at `path` and returns null on failure.
 */
export function compileSelector(selector, path, routes, tables, ctx) {
    let compiled = null;
    for (const [route, params] of routes.size === 0 ? new Map([['', new Map()]]) : routes) {
        const v = compileContextVariable(selector, params);
        if (typeof v === 'string') {
            ctx.issue(path, `Invalid selector: ${v}${route === '' ? '' : ` (route ${route})`}`);
            return null;
        }
        if (!tables.includes(v.table)) {
            ctx.issue(path, `Invalid selector: request.${v.table} cannot select here (use ${tables.map((t) => (t === 'host' ? 'request.host' : `request.${t}[…]`)).join(', ')})`);
            return null;
        }
        compiled ??= v;
    }
    return compiled;
}
/**
 * Compiles keys (each with its candidate; a null candidate failed to compile and was reported) into
 * a Selection. Key problems are reported under `keyPath(i)`; returns null when there was any.
 */
export function compileSelection(variable, entries, keyPath, ctx) {
    const before = ctx.issues.length;
    const names = new Map();
    const exact = new Map();
    const wildcards = [];
    let fallback = null;
    let defaultAt = -1;
    entries.forEach(({ key, candidate }, i) => {
        const at = keyPath(i);
        const seen = names.get(key.name);
        if (seen !== undefined)
            ctx.issue(`${at}.name`, `"${key.name}" is also the name of key ${seen}`);
        else
            names.set(key.name, i);
        if (key.isDefault === true) {
            if (defaultAt !== -1)
                ctx.issue(`${at}.isDefault`, `only one key may be the default (key ${defaultAt} is)`);
            else
                defaultAt = i;
        }
        if (key.type === 'WILDCARD') {
            const problem = wildcardProblem(key.expression);
            if (problem !== null)
                ctx.issue(`${at}.expression`, problem);
            else if (candidate !== null)
                wildcards.push({ match: wildcardMatcher(key.expression), candidate });
        }
        else if (candidate !== null) {
            // Exact rules in the order written: a value listed twice keeps its first key.
            for (const v of key.values)
                if (!exact.has(v))
                    exact.set(v, candidate);
        }
        if (key.isDefault === true && defaultAt === i && candidate !== null)
            fallback = candidate;
    });
    if (variable === null || ctx.issues.length > before || entries.some((e) => e.candidate === null))
        return null;
    const candidates = entries.map((e) => e.candidate);
    const chosen = fallback;
    return {
        candidates,
        select(req) {
            const value = variable.values(req)[0];
            if (value === undefined)
                return chosen;
            const hit = exact.get(value);
            if (hit !== undefined)
                return hit;
            for (let i = 0; i < wildcards.length; i++) {
                const w = wildcards[i];
                if (w.match(value))
                    return w.candidate;
            }
            return chosen;
        },
    };
}
/**
 * Compiles a DYNAMIC_ROUTING_BACKEND found at `path` on the route `route` (its pattern). `compile`
 * compiles one of the backends it chooses among at its path (null when it reported a problem).
 */
export function compileDynamicRouting(config, path, route, ctx, compile) {
    const routes = new Map([[route, routeParameters(route)]]);
    const variable = compileSelector(config.selectionSource.selector, `${path}.selectionSource.selector`, routes, ROUTING_TABLES, ctx);
    const entries = config.routingBackends.map((r, i) => ({ key: r.key, candidate: compile(r.backend, `${path}.routingBackends[${i}].backend`) }));
    const selection = compileSelection(variable, entries, (i) => `${path}.routingBackends[${i}].key`, ctx);
    if (selection === null)
        return null;
    const named = selection.candidates.map((b, i) => [b, config.routingBackends[i].key.name]);
    return createDynamicBackend((rc) => selection.select(rc), dynamicRoutingCounts(ctx.registry, route), named);
}
