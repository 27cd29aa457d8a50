/**
 * OCI header and query-parameter transformations (`routes[].requestPolicies.headerTransformations`,
 * `queryParameterTransformations`, `routes[].responsePolicies.headerTransformations`): schema
 * fragments and the compile step. Running them is transform_apply.ts.
 *
 * Everything OCI would refuse or silently skip is refused here, at load time, with its config path
 * (DESIGN: an invalid transformation is refused at load time): a name that is not a header name, a
 * name used twice across a route's policies (except in an ALLOW filter), a protected header (OCI's
 * list), a header the gateway owns, an unknown context variable, a constant value a header cannot
 * carry. Only what depends on the request is left for run time: a value that renders to something
 * a header cannot carry makes that one transformation be ignored (OCI: "ignored"), with a debug line.
 *
 * The request transformation sets `forwardRawHeaders` / `forwardSearch` on the request, which the
 * backends forward instead of the client's; `req` stays as sent, so context variables (here and in
 * the backend URL) always read the original request. A route without transformations has none.
 */
import { compileStringTemplate } from '../backends/context_vars.js';
import { encodeComponent } from '../backends/url_template.js';
import { GATEWAY_OWNED } from '../lib/gateway_headers.js';
import { CORS_RESPONSE_HEADERS } from './cors.js';
import { isHeaderName } from '../lib/header_name.js';
import { HOP_BY_HOP } from '../lib/hop_by_hop.js';
import { nonEmptyString, object } from '../lib/json_schema.js';
import { editHeaderMap, editRawHeaders, editProgram, editSearch, isHeaderValue, } from './transform_apply.js';
// ---- schema fragments (field names and enums exactly as OCI's SDK) ----
const ifExists = {
    enum: ['OVERWRITE', 'APPEND', 'SKIP'],
    description: 'When the name is already there: OVERWRITE (default) replaces it, APPEND adds the values after it, SKIP leaves it.',
};
function setItems(noun, example) {
    return object({
        name: { ...nonEmptyString, description: `${noun} to set.` },
        values: {
            type: 'array',
            items: { type: 'string' },
            minItems: 1,
            description: `Constants and context variables such as ${example}; several values give several ${noun === 'Header' ? 'header lines' : 'name=value pairs'}.`,
        },
        ifExists,
    }, ['name', 'values']);
}
function policy(fields, description) {
    return { ...object(fields), description };
}
function itemList(item) {
    return object({ items: { type: 'array', items: item } }, ['items']);
}
function filter(noun) {
    return {
        ...object({ type: { enum: ['ALLOW', 'BLOCK'] }, items: { type: 'array', items: object({ name: nonEmptyString }, ['name']) } }, ['type', 'items']),
        description: `BLOCK removes the listed ${noun}s; ALLOW removes every ${noun} not listed. Runs after set and rename.`,
    };
}
function headerTransformations(direction) {
    return policy({
        setHeaders: itemList(setItems('Header', '${request.auth[sub]}')),
        renameHeaders: itemList(object({ from: nonEmptyString, to: nonEmptyString }, ['from', 'to'])),
        filterHeaders: filter('header'),
    }, `Header transformations ${direction}: set, rename, then filter. Names are case-insensitive and used once across the route's header transformations.`);
}
/** `routes[].requestPolicies.headerTransformations`. */
export const requestHeaderTransformationsSchema = headerTransformations('on the request sent to the backend');
/** `routes[].responsePolicies.headerTransformations`. */
export const responseHeaderTransformationsSchema = headerTransformations('on the response sent to the client');
/** `routes[].requestPolicies.queryParameterTransformations`. */
export const queryParameterTransformationsSchema = policy({
    setQueryParameters: itemList(setItems('Query parameter', '${request.headers[X-Region]}')),
    renameQueryParameters: itemList(object({ from: nonEmptyString, to: nonEmptyString }, ['from', 'to'])),
    filterQueryParameters: filter('query parameter'),
}, 'Query parameter transformations on the request sent to the backend: set, rename, then filter. Names are case-sensitive and used once across the route\'s query transformations.');
/** Headers OCI protects on both sides ("except" in OCI's list is `expect`). */
const PROTECTED_BOTH = ['connection', 'content-length', 'expect', 'keep-alive', 'opc-request-id', 'te', 'transfer-encoding', 'upgrade'];
/** Request headers no transformation may touch: OCI's list, hop-by-hop ones, Host (the backend's) and the gateway's own. */
const REQUEST_UNTOUCHABLE = new Map([
    ...[...PROTECTED_BOTH, 'cdn-loop', 'cookie', 'origin', 'proxy-authorization', 'x-forwarded-for', 'x-real-ip', ...HOP_BY_HOP].map((h) => [h, 'is a protected header: transformations cannot change it']),
    ['host', 'is set by the gateway to the backend\'s host: transformations cannot change it'],
    ...[...GATEWAY_OWNED].map((h) => [h, 'belongs to the gateway, which sets it for the backend: transformations cannot change it']),
]);
/** Response headers no transformation may touch: OCI's list (the CORS ones among them) and hop-by-hop ones. */
const RESPONSE_UNTOUCHABLE = new Map([
    ...PROTECTED_BOTH,
    ...CORS_RESPONSE_HEADERS,
    'proxy-authenticate',
    'public-key-pins',
    'retry-after',
    'strict-transport-security',
    'trailers',
    'x-content-type-options',
    'x-frame-options',
    'x-xss-protection',
    ...HOP_BY_HOP,
].map((h) => [h, 'is a protected header: transformations cannot change it']));
function headerKind(untouchable) {
    return {
        noun: 'header',
        fields: { set: 'setHeaders', rename: 'renameHeaders', filter: 'filterHeaders' },
        key: (name) => name.toLowerCase(),
        refuse(name) {
            if (!isHeaderName(name))
                return 'is not a valid header name';
            const why = untouchable.get(name.toLowerCase());
            return why === undefined ? null : `${name} ${why}`;
        },
        untouchable,
        wire: (name) => name,
        constantOk: (v) => (isHeaderValue(v) ? null : 'a header value cannot hold CR, LF, NUL, other control characters or characters above U+00FF'),
    };
}
const QUERY = {
    noun: 'query parameter',
    fields: { set: 'setQueryParameters', rename: 'renameQueryParameters', filter: 'filterQueryParameters' },
    key: (name) => name,
    refuse: (name) => (encodeComponent(name) === null ? 'is not valid Unicode' : null),
    untouchable: new Map(),
    wire: encodeComponent,
    constantOk: (v) => (encodeComponent(v) === null ? 'is not valid Unicode' : null),
};
const REQUEST_HEADERS = headerKind(REQUEST_UNTOUCHABLE);
const RESPONSE_HEADERS = headerKind(RESPONSE_UNTOUCHABLE);
/** Compiles one policy; null when it is empty or has problems (reported through `ctx.issue`). */
function compilePolicy(policy, kind, path, ctx, pathParams) {
    const before = ctx.issues.length;
    const usedAt = new Map();
    const name = (value, at, unique) => {
        const why = kind.refuse(value);
        if (why !== null) {
            ctx.issue(at, why);
            return null;
        }
        const key = kind.key(value);
        const first = usedAt.get(key);
        if (unique && first !== undefined) {
            ctx.issue(at, `${kind.noun} ${JSON.stringify(value)} is already transformed at ${first}: a name may appear once across a route's ${kind.noun} transformations (an ALLOW filter excepted)`);
            return null;
        }
        if (unique)
            usedAt.set(key, at);
        return key;
    };
    const set = [];
    const dropped = new Set();
    (policy.set?.items ?? []).forEach((item, i) => {
        const at = `${path}.${kind.fields.set}.items[${i}]`;
        const key = name(item.name, `${at}.name`, true);
        const values = [];
        item.values.forEach((text, j) => {
            const t = compileStringTemplate(text, pathParams);
            const why = typeof t === 'string' ? t : t.constant === null ? null : kind.constantOk(t.constant);
            if (why !== null)
                ctx.issue(`${at}.values[${j}]`, why);
            else
                values.push(t);
        });
        const wire = kind.wire(item.name);
        if (key === null || wire === null || values.length !== item.values.length)
            return;
        const ifExists = item.ifExists ?? 'OVERWRITE';
        if (ifExists === 'OVERWRITE')
            dropped.add(key);
        set.push({ name: wire, key, values, ifExists, where: at });
    });
    const rename = [];
    (policy.rename?.items ?? []).forEach((item, i) => {
        const at = `${path}.${kind.fields.rename}.items[${i}]`;
        if (kind.key(item.from) === kind.key(item.to)) {
            ctx.issue(`${at}.to`, `renames ${JSON.stringify(item.from)} to itself`);
            return;
        }
        const fromKey = name(item.from, `${at}.from`, true);
        const toKey = name(item.to, `${at}.to`, true);
        const to = kind.wire(item.to);
        if (fromKey === null || toKey === null || to === null)
            return;
        dropped.add(fromKey);
        rename.push({ fromKey, to, toKey });
    });
    let filter = null;
    const f = policy.filter;
    if (f !== undefined) {
        const allow = f.type === 'ALLOW';
        const keys = new Set();
        f.items.forEach((item, i) => {
            const at = `${path}.${kind.fields.filter}.items[${i}].name`;
            if (allow && kind.untouchable.has(kind.key(item.name)) && isHeaderName(item.name)) {
                // Listing it changes nothing: it is kept whatever the filter says.
                ctx.warn(at, `${item.name} ${kind.untouchable.get(kind.key(item.name))}; an ALLOW filter keeps it anyway`);
                return;
            }
            const key = name(item.name, at, !allow);
            if (key !== null)
                keys.add(key);
        });
        filter = { allow, keys };
    }
    if (ctx.issues.length > before)
        return null;
    if (set.length === 0 && rename.length === 0 && (filter === null || (!filter.allow && filter.keys.size === 0)))
        return null;
    return editProgram(set, rename, filter, dropped, kind.untouchable);
}
function headerPolicy(value) {
    const v = value;
    return { set: v.setHeaders, rename: v.renameHeaders, filter: v.filterHeaders };
}
/**
 * Compiles a route's request transformations. `path` is the config path of `requestPolicies`;
 * `pathParams` the route's parameters (backends/context_vars.ts routeParameters). Null when the
 * route has none (or they have problems, reported through `ctx.issue`).
 */
export function compileRequestTransform(requestPolicies, path, ctx, pathParams) {
    const h = requestPolicies.headerTransformations;
    const q = requestPolicies.queryParameterTransformations;
    const headers = h === undefined ? null : compilePolicy(headerPolicy(h), REQUEST_HEADERS, `${path}.headerTransformations`, ctx, pathParams);
    const query = q === undefined
        ? null
        : compilePolicy({ set: q.setQueryParameters, rename: q.renameQueryParameters, filter: q.filterQueryParameters }, QUERY, `${path}.queryParameterTransformations`, ctx, pathParams);
    if (headers === null && query === null)
        return null;
    if (query === null) {
        const p = headers;
        return { apply: (rc) => void (rc.forwardRawHeaders = editRawHeaders(rc.req.rawHeaders, p, rc)) };
    }
    if (headers === null)
        return { apply: (rc) => void (rc.forwardSearch = editSearch(rc.search, query, rc)) };
    return {
        apply(rc) {
            rc.forwardRawHeaders = editRawHeaders(rc.req.rawHeaders, headers, rc);
            rc.forwardSearch = editSearch(rc.search, query, rc);
        },
    };
}
/**
 * Compiles a route's response header transformation. `path` is the config path of
 * `responsePolicies`. Null when the route has none (or it has problems, reported through `ctx.issue`).
 */
export function compileResponseTransform(responsePolicies, path, ctx, pathParams) {
    const h = responsePolicies.headerTransformations;
    if (h === undefined)
        return null;
    const p = compilePolicy(headerPolicy(h), RESPONSE_HEADERS, `${path}.headerTransformations`, ctx, pathParams);
    if (p === null)
        return null;
    return { apply: (headers, rc) => editHeaderMap(headers, p, rc) };
}
