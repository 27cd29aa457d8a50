/**
 * OCI context variables (`request.headers[x]`, `${request.auth[sub]}` inside a string): the one
 * place that parses them. Parsing happens at compile time and yields closures, so a request only
 * looks values up; nothing here parses text per request.
 *
 * Tables (OCI "Adding Context Variables to Policies and HTTP Back End Definitions"):
 *
 * | expression                  | value                                                              |
 * |-----------------------------|--------------------------------------------------------------------|
 * | `request.path[name]`        | the route's path parameter `{name}` (a config error if it has none) |
 * | `request.query[name]`       | query parameter, name case-sensitive                               |
 * | `request.headers[name]`     | request header, name case-insensitive                              |
 * | `request.auth[claim]`       | claim of the verified token; `request.auth[a][b]` reads `a.b`     |
 * | `request.host`              | the `Host` header as sent                                          |
 * | `request.subdomain[suffix]` | the host (port removed) minus `.suffix`: `cars` for `cars.example.com` and `[example.com]` |
 * | `request.cert[client_base64]` | Base64 of the client certificate's DER (mutual TLS)                |
 * | `request.cert[subject]`     | its subject, RFC 2253 form (`CN=client.test,O=Acme,C=US`); Gatehouse's |
 * | `request.cert[sans]`        | its subjectAltName entries joined with `, ` (`DNS:a.test, email:o@a.test`); Gatehouse's |
 *
 * `request.cert` holds only a certificate the gateway verified against `server.tls.clientCaFile`
 * (lib/peer_cert.ts): an unverified one reads as missing, so a backend can trust what it is sent.
 *
 * Values always come from the request as the client sent it: transformations never feed back
 * into them (OCI: "values are taken from the original request").
 *
 * Inside a string (`text`) a variable renders as follows; OCI's documentation does not say, these
 * are our choices (docs/oci-compatibility.md):
 * - missing (no such header, parameter or claim; `request.auth` on an anonymous route) → `''`;
 * - a repeated header → node's combined value: the lines joined with `, ` (RFC 9110 §5.3), `; `
 *   for Cookie, the first line only for fields that may appear once (Host, Authorization, ...);
 * - a repeated query parameter → its first value (as OCI's selectors read it; values may hold
 *   commas, so joining them would be ambiguous);
 * - a claim that is an array → its elements joined with `,`; an object → its JSON; a number or
 *   boolean → its JSON text.
 * `values` gives every value instead, for the places OCI hands over lists (authorizer arguments).
 */
import { isHeaderName } from '../lib/header_name.js';
import { peerCertificate } from '../lib/peer_cert.js';
const SUPPORTED = 'use request.path[…], request.query[…], request.headers[…], request.auth[…], request.host, request.subdomain[…], request.usage_plan[id] or request.cert[client_base64|subject|sans]';
/** Tables OCI has that Gatehouse does not fill yet. */
const NOT_YET = new Set();
/** `request.cert` keys: OCI's `client_base64`, and Gatehouse's `subject` and `sans`. */
const CERT_KEYS = ['client_base64', 'subject', 'sans'];
/** The connection's client certificate when the gateway verified it; null otherwise. */
function verifiedCert(ctx) {
    const cert = peerCertificate(ctx.req);
    return cert.verified ? cert : null;
}
function certText(cert, key) {
    return key === 'client_base64' ? cert.base64 : key === 'subject' ? cert.subject : cert.sans.join(', ');
}
const EXPRESSION = /^request\.([A-Za-z_]+)((?:\[[^[\]]*\])*)$/;
const HOST_SUFFIX = /^[a-z0-9-]+(?:\.[a-z0-9-]+)*$/;
/** The parameters of an OCI route path: name → whether it is a wildcard (`/files/{rest*}`). */
export function routeParameters(routePath) {
    const out = new Map();
    for (const m of routePath.matchAll(/\{([^}*]+)(\*)?\}/g))
        out.set(m[1], m[2] === '*');
    return out;
}
function claimText(v) {
    if (v === undefined || v === null)
        return '';
    if (typeof v === 'string')
        return v;
    if (Array.isArray(v))
        return v.map(claimText).join(',');
    return JSON.stringify(v);
}
function claimValues(v) {
    if (v === undefined || v === null)
        return [];
    if (Array.isArray(v))
        return v.filter((e) => e !== null && e !== undefined).map(claimText);
    return [claimText(v)];
}
/** Follows `keys` through the claims, own properties only (`request.auth[constructor]` is not Object's). */
function claimAt(ctx, keys) {
    let v = ctx.auth?.claims;
    for (const k of keys) {
        if (v === null || typeof v !== 'object' || !Object.hasOwn(v, k))
            return undefined;
        v = v[k];
    }
    return v;
}
/** The host name from `Host`: port and a trailing dot removed, lower-cased; `''` for an IP literal. */
function hostName(host) {
    if (host === undefined || host.startsWith('['))
        return '';
    const colon = host.indexOf(':');
    let name = (colon === -1 ? host : host.slice(0, colon)).toLowerCase();
    if (name.endsWith('.'))
        name = name.slice(0, -1);
    return name;
}
function variable(expression, table, text, values, param = null) {
    return { expression, table, param, text, values };
}
/**
 * Compiles one expression written without `${}` (`request.headers[X-Key]`). `pathParams` are the
 * route's parameters (routeParameters). Returns an error message naming the expression on failure.
 */
export function compileContextVariable(expression, pathParams) {
    const where = `\${${expression}}`;
    const m = EXPRESSION.exec(expression);
    if (m === null)
        return `${where}: unknown context variable (${SUPPORTED})`;
    const table = m[1];
    const keys = [...m[2].matchAll(/\[([^\]]*)\]/g)].map((k) => k[1]);
    if (NOT_YET.has(table))
        return `${where}: request.${table} is not supported yet (${SUPPORTED})`;
    if (table === 'host') {
        if (keys.length > 0)
            return `${where}: request.host takes no key`;
        return variable(expression, 'host', (ctx) => ctx.req.headers.host ?? '', (ctx) => (ctx.req.headers.host === undefined ? [] : [ctx.req.headers.host]));
    }
    if (table === 'usage_plan') {
        if (keys.length !== 1 || keys[0] !== 'id')
            return `${where}: request.usage_plan has one key, id, as in request.usage_plan[id]`;
        return variable(expression, 'usage_plan', (ctx) => ctx.usagePlan ?? '', (ctx) => (ctx.usagePlan === null ? [] : [ctx.usagePlan]));
    }
    if (table === 'cert') {
        const key = keys[0];
        if (keys.length !== 1 || !CERT_KEYS.includes(key))
            return `${where}: request.cert has the keys client_base64, subject and sans, as in request.cert[client_base64]`;
        return variable(expression, 'cert', function certValue(ctx) {
            const cert = verifiedCert(ctx);
            return cert === null ? '' : certText(cert, key);
        }, function certValues(ctx) {
            const cert = verifiedCert(ctx);
            if (cert === null)
                return [];
            if (key === 'sans')
                return [...cert.sans];
            return [certText(cert, key)];
        });
    }
    if (table !== 'path' && table !== 'query' && table !== 'headers' && table !== 'auth' && table !== 'subdomain') {
        return `${where}: unknown context variable (${SUPPORTED})`;
    }
    if (keys.length === 0)
        return `${where}: request.${table} needs a key, as in request.${table}[name]`;
    if (keys.some((k) => k === ''))
        return `${where}: empty key`;
    if (keys.length > 1 && table !== 'auth')
        return `${where}: only request.auth takes nested keys`;
    const key = keys[0];
    switch (table) {
        case 'path': {
            const wildcard = pathParams.get(key);
            if (wildcard === undefined)
                return `${where}: the route has no parameter {${key}}`;
            return variable(expression, 'path', (ctx) => ctx.params[key] ?? '', (ctx) => (ctx.params[key] === undefined ? [] : [ctx.params[key]]), { name: key, wildcard });
        }
        case 'query':
            return variable(expression, 'query', (ctx) => ctx.query().get(key) ?? '', (ctx) => ctx.query().getAll(key));
        case 'headers': {
            if (!isHeaderName(key))
                return `${where}: ${JSON.stringify(key)} is not a header name`;
            const lower = key.toLowerCase();
            return variable(expression, 'headers', function headerText(ctx) {
                const v = ctx.req.headers[lower];
                return v === undefined ? '' : Array.isArray(v) ? v.join(', ') : v;
            }, function headerLines(ctx) {
                const raw = ctx.req.rawHeaders;
                const out = [];
                for (let i = 0; i < raw.length; i += 2) {
                    const name = raw[i];
                    if (name.length === lower.length && name.toLowerCase() === lower)
                        out.push(raw[i + 1]);
                }
                return out;
            });
        }
        case 'auth':
            return variable(expression, 'auth', (ctx) => claimText(claimAt(ctx, keys)), (ctx) => claimValues(claimAt(ctx, keys)));
        case 'subdomain': {
            const suffix = key.toLowerCase().replace(/^\./, '').replace(/\.$/, '');
            if (!HOST_SUFFIX.test(suffix))
                return `${where}: ${JSON.stringify(key)} is not a host name suffix`;
            const tail = `.${suffix}`;
            const sub = (ctx) => {
                const name = hostName(ctx.req.headers.host);
                return name.length > tail.length && name.endsWith(tail) ? name.slice(0, -tail.length) : '';
            };
            return variable(expression, 'subdomain', sub, (ctx) => {
                const s = sub(ctx);
                return s === '' ? [] : [s];
            });
        }
    }
}
/**
 * Splits `text` into literal parts and `${…}` variables. Every `${` starts a variable; there is no
 * escape (OCI has none). Returns an error message on the first bad variable.
 */
export function parseTemplate(text, pathParams) {
    const parts = [];
    let last = 0;
    for (let at = text.indexOf('${'); at !== -1; at = text.indexOf('${', last)) {
        const end = text.indexOf('}', at + 2);
        if (end === -1)
            return `${JSON.stringify(text.slice(at))}: unclosed \${`;
        const v = compileContextVariable(text.slice(at + 2, end), pathParams);
        if (typeof v === 'string')
            return v;
        if (at > last)
            parts.push(text.slice(last, at));
        parts.push(v);
        last = end + 1;
    }
    if (last < text.length)
        parts.push(text.slice(last));
    return parts;
}
/** Compiles a string with variables into one render function; an error message on failure. */
export function compileStringTemplate(text, pathParams) {
    const parts = parseTemplate(text, pathParams);
    if (typeof parts === 'string')
        return parts;
    if (parts.every((p) => typeof p === 'string')) {
        const constant = parts.join('');
        return { constant, render: () => constant };
    }
    if (parts.length === 1) {
        const only = parts[0];
        return { constant: null, render: (ctx) => only.text(ctx) };
    }
    return {
        constant: null,
        render(ctx) {
            let out = '';
            for (let i = 0; i < parts.length; i++) {
                const p = parts[i];
                out += typeof p === 'string' ? p : p.text(ctx);
            }
            return out;
        },
    };
}
