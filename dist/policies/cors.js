import { domainToASCII } from 'node:url';
import { isHeaderName, isHeaderNameList } from '../lib/header_name.js';
import { nonEmptyString, object } from '../lib/json_schema.js';
const names = (what) => ({ type: 'array', items: nonEmptyString, description: what });
/** JSON-schema fragment for `requestPolicies.cors` (deployment and route level), OCI's CorsPolicy. */
export const corsSchema = {
    ...object({
        allowedOrigins: {
            type: 'array',
            items: nonEmptyString,
            description: 'Origins allowed to call the API: "scheme://host[:port]" exactly as a browser sends it (no path), "*" for any origin, "null" for file: and sandboxed pages. ' +
                'Scheme and host compare case-insensitively and a default port (:443, :80) may be left out. "https://*.example.com" allows every subdomain of example.com (same scheme and port); no other wildcard.',
        },
        allowedMethods: names('Methods sent in Access-Control-Allow-Methods on a preflight; "*" allows every method (the requested method is echoed). Absent: no header, so browsers allow only GET, HEAD and POST.'),
        allowedHeaders: names('Request headers sent in Access-Control-Allow-Headers on a preflight; "*" allows every header (the requested ones are echoed). Absent: no header, so browsers allow only the CORS-safelisted ones.'),
        exposedHeaders: names('Response headers a page may read (Access-Control-Expose-Headers on actual responses); "*" exposes all, which browsers honour only for requests without credentials.'),
        isAllowCredentialsEnabled: {
            type: 'boolean',
            description: 'Send Access-Control-Allow-Credentials: true, so browsers may send cookies and read the answer (default false). The origin is then always echoed, never "*".',
        },
        maxAgeInSeconds: {
            type: 'integer',
            minimum: 0,
            maximum: 2147483647,
            description: 'How long a browser may cache a preflight answer, sent as Access-Control-Max-Age only when greater than 0 (default 0: not sent).',
        },
    }, ['allowedOrigins']),
    description: 'CORS: preflights are answered by the gateway (204) and never reach authentication or the backend; a route-level policy replaces the deployment-level one.',
};
/**
 * Response headers a CORS route owns (lower case): on such a route the backend's values for them
 * must not replace the policy's. They are also OCI's protected response headers, which header
 * transformations cannot change (OCI "Modifying Requests and Responses").
 */
export const CORS_RESPONSE_HEADERS = new Set([
    'access-control-allow-origin',
    'access-control-allow-credentials',
    'access-control-allow-methods',
    'access-control-allow-headers',
    'access-control-expose-headers',
    'access-control-max-age',
]);
/** Status of a preflight answer: no content, as the Fetch standard's CORS-preflight fetch expects an ok status. */
const PREFLIGHT_STATUS = 204;
const VARY_ACTUAL = 'Origin';
// The preflight answer depends on all three request headers (Fetch §3.2.5 "CORS protocol and HTTP caches").
const VARY_PREFLIGHT = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers';
/** RFC 6454 §7 serialised origin: scheme "://" host [":" port], no path; IPv6 hosts in brackets. */
const ORIGIN = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~%!$&'()+,;=-]+)(?::(\d{1,5}))?$/;
const DEFAULT_PORT = { http: '80', https: '443', ws: '80', wss: '443' };
/**
 * The canonical form of an Origin header value as a browser would send it (lower-case scheme and
 * host, no default port), or null when it is not an origin. Used for the rare request whose Origin
 * is not already canonical, and to vet an origin before echoing it.
 */
export function canonicalOrigin(raw) {
    const m = ORIGIN.exec(raw);
    if (m === null)
        return null;
    const scheme = m[1].toLowerCase();
    const host = m[2].toLowerCase();
    if (m[3] === undefined)
        return `${scheme}://${host}`;
    const port = String(Number(m[3]));
    if (Number(port) > 65535)
        return null;
    return port === DEFAULT_PORT[scheme] ? `${scheme}://${host}` : `${scheme}://${host}:${port}`;
}
const SUBDOMAIN = /^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*$/;
/** True when canonical `origin` is a subdomain (one or more labels) of the pattern's domain, same scheme and port. */
function matchesPattern(origin, p) {
    if (origin.length <= p.prefix.length + p.suffix.length || !origin.startsWith(p.prefix) || !origin.endsWith(p.suffix))
        return false;
    return SUBDOMAIN.test(origin.slice(p.prefix.length, origin.length - p.suffix.length));
}
/** Parses one `allowedOrigins` entry: its canonical form (or subdomain pattern), or why it is not one. */
function parseOriginEntry(entry) {
    const wildcard = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)\*\.([^*]+)$/.exec(entry);
    if (wildcard !== null) {
        // Parsed as if `*` were one label, so the rest is held to the same rules as an exact origin.
        const parsed = parseOriginEntry(`${wildcard[1]}wildcard.${wildcard[2]}`);
        if ('error' in parsed)
            return { error: parsed.error.replace('wildcard.', '*.') };
        if (!('origin' in parsed))
            return { error: `"${entry}" is not an origin` };
        const at = parsed.origin.indexOf('://wildcard.');
        if (at === -1)
            return { error: `"${entry}": a wildcard needs a host name, not an IP address` };
        return { pattern: { prefix: parsed.origin.slice(0, at + 3), suffix: parsed.origin.slice(at + 3 + 'wildcard'.length) } };
    }
    if (entry !== entry.trim())
        return { error: `"${entry}" has leading or trailing spaces` };
    if (entry.toLowerCase() === 'null')
        return { origin: 'null' };
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(entry)?.[1];
    if (scheme === undefined)
        return { error: `"${entry}" is not an origin: write scheme://host[:port], "*" or "null"` };
    const rest = entry.slice(scheme.length + 3);
    if (rest.includes('*')) {
        return { error: `"${entry}": "*" stands for any origin, or for the subdomains of a host as its first label (https://*.example.com); no other wildcard` };
    }
    if (/[/?#]/.test(rest))
        return { error: `"${entry}" has a path, query or fragment; an origin is scheme://host[:port] only` };
    if (rest.includes('@'))
        return { error: `"${entry}" has user information; an origin is scheme://host[:port] only` };
    let host = rest;
    let port = '';
    const colon = rest.lastIndexOf(':');
    if (colon > rest.lastIndexOf(']')) {
        host = rest.slice(0, colon);
        port = rest.slice(colon + 1);
        if (!/^\d{1,5}$/.test(port) || Number(port) > 65535)
            return { error: `"${entry}" has an invalid port` };
    }
    // Browsers send international host names in their ASCII (punycode) form, RFC 6454 §6.2.
    const ascii = host.startsWith('[') ? host.toLowerCase() : domainToASCII(host);
    const canonical = ascii === '' ? null : canonicalOrigin(`${scheme}://${ascii}${port === '' ? '' : `:${port}`}`);
    if (canonical === null)
        return { error: `"${entry}" has an invalid host` };
    return { origin: canonical };
}
/** Checks a list of names, reporting bad ones; returns them deduplicated (case-insensitively) and whether `*` was listed. */
function nameList(list, path, ctx, check, what, caseInsensitive) {
    const seen = new Set();
    const out = [];
    let all = false;
    (list ?? []).forEach((n, i) => {
        if (n === '*') {
            all = true;
            return;
        }
        if (!check(n)) {
            ctx.issue(`${path}[${i}]`, `"${n}" is not ${what}`);
            return;
        }
        const key = caseInsensitive ? n.toLowerCase() : n;
        if (seen.has(key))
            return;
        seen.add(key);
        out.push(n);
    });
    return { all, names: out };
}
/** Compiles a schema-valid `cors` object; null when there is none. Problems via ctx.issue with paths. */
export function compileCors(config, path, ctx) {
    if (config === undefined || config === null)
        return null;
    const c = config;
    const issuesBefore = ctx.issues.length;
    let anyOrigin = false;
    const origins = new Set();
    const patterns = [];
    c.allowedOrigins.forEach((entry, i) => {
        if (entry === '*') {
            anyOrigin = true;
            return;
        }
        const parsed = parseOriginEntry(entry);
        if ('error' in parsed)
            ctx.issue(`${path}.allowedOrigins[${i}]`, parsed.error);
        else if ('pattern' in parsed)
            patterns.push(parsed.pattern);
        else
            origins.add(parsed.origin);
    });
    // A method is a token, like a field name (RFC 9110 §9.1), so the one token check serves both.
    const methods = nameList(c.allowedMethods, `${path}.allowedMethods`, ctx, isHeaderName, 'an HTTP method (a token)', false);
    const allowed = nameList(c.allowedHeaders, `${path}.allowedHeaders`, ctx, isHeaderName, 'a header name (a token)', true);
    const exposed = nameList(c.exposedHeaders, `${path}.exposedHeaders`, ctx, isHeaderName, 'a header name (a token)', true);
    if (ctx.issues.length > issuesBefore)
        return null;
    const credentials = c.isAllowCredentialsEnabled === true;
    const maxAgeSec = c.maxAgeInSeconds ?? 0;
    if (!anyOrigin && origins.size === 0 && patterns.length === 0)
        ctx.warn(`${path}.allowedOrigins`, 'no origin is allowed: every cross-origin browser request to these routes is blocked');
    if (anyOrigin && credentials) {
        ctx.warn(`${path}.allowedOrigins`, '"*" with isAllowCredentialsEnabled lets any web site make requests with the user\'s cookies and read the answers; list the origins instead');
    }
    if (exposed.all && credentials) {
        ctx.warn(`${path}.exposedHeaders`, '"*" exposes nothing to requests with credentials (browsers read it as a header named "*"); list the headers to expose');
    }
    return createCorsPolicy({
        anyOrigin,
        origins,
        patterns,
        credentials,
        allowMethods: methods.all ? ECHO : join(methods.names),
        allowHeaders: allowed.all ? ECHO : join(allowed.names),
        exposeHeaders: exposed.all ? '*' : join(exposed.names),
        maxAge: maxAgeSec > 0 ? String(maxAgeSec) : null,
    });
}
/** Marks a header whose value echoes the matching request header. */
const ECHO = Symbol('echo');
function join(list) {
    return list.length === 0 ? null : list.join(', ');
}
function createCorsPolicy(p) {
    const { anyOrigin, origins, patterns, credentials, allowMethods, allowHeaders, exposeHeaders, maxAge } = p;
    const wildcardAnswer = anyOrigin && !credentials;
    /** The Access-Control-Allow-Origin value for `origin`, or null when it is not allowed. */
    function allowOrigin(origin) {
        if (wildcardAnswer)
            return '*';
        if (origins.has(origin))
            return origin;
        const canonical = canonicalOrigin(origin);
        if (canonical !== null && origins.has(canonical))
            return origin;
        if (canonical !== null)
            for (const pattern of patterns)
                if (matchesPattern(canonical, pattern))
                    return origin;
        // `*` with credentials echoes any well-formed origin; the opaque "null" origin (file:, sandboxed
        // frames) gets credentials only when "null" is listed itself.
        if (anyOrigin && canonical !== null)
            return origin;
        return null;
    }
    return {
        isPreflight(req) {
            return req.method === 'OPTIONS' && req.headers.origin !== undefined && req.headers['access-control-request-method'] !== undefined;
        },
        answerPreflight(req, res) {
            res.setHeader('vary', VARY_PREFLIGHT);
            const origin = req.headers.origin;
            const allow = origin === undefined ? null : allowOrigin(origin);
            if (allow !== null) {
                res.setHeader('access-control-allow-origin', allow);
                if (credentials)
                    res.setHeader('access-control-allow-credentials', 'true');
                if (allowMethods === ECHO) {
                    const m = req.headers['access-control-request-method'];
                    if (m !== undefined && isHeaderName(m))
                        res.setHeader('access-control-allow-methods', m);
                }
                else if (allowMethods !== null) {
                    res.setHeader('access-control-allow-methods', allowMethods);
                }
                if (allowHeaders === ECHO) {
                    const h = req.headers['access-control-request-headers'];
                    if (h !== undefined && isHeaderNameList(h))
                        res.setHeader('access-control-allow-headers', h);
                }
                else if (allowHeaders !== null) {
                    res.setHeader('access-control-allow-headers', allowHeaders);
                }
                if (maxAge !== null)
                    res.setHeader('access-control-max-age', maxAge);
            }
            res.writeHead(PREFLIGHT_STATUS);
            res.end();
        },
        decorate(req, res) {
            res.setHeader('vary', VARY_ACTUAL);
            const origin = req.headers.origin;
            if (origin === undefined)
                return;
            const allow = allowOrigin(origin);
            if (allow === null)
                return;
            res.setHeader('access-control-allow-origin', allow);
            if (credentials)
                res.setHeader('access-control-allow-credentials', 'true');
            if (exposeHeaders !== null)
                res.setHeader('access-control-expose-headers', exposeHeaders);
        },
    };
}
/**
 * The response-header step of a CORS route: runs the route's own response transformation (if
 * any), then makes the policy's headers win over the backend's. `writeHead` would otherwise let a
 * backend's `Access-Control-*` or `Vary` replace what `decorate` set, so those are dropped and the
 * backend's `Vary` keeps `Origin` (a cache must not serve one origin's answer to another).
 */
export function corsResponseHeaders(then) {
    if (then === null)
        return { apply: policyWins };
    return {
        apply(headers, ctx) {
            then.apply(headers, ctx);
            policyWins(headers);
        },
    };
}
function policyWins(headers) {
    for (const name of CORS_RESPONSE_HEADERS)
        delete headers[name];
    const vary = headers['vary'];
    if (vary === undefined)
        return;
    const list = Array.isArray(vary) ? vary.join(', ') : vary;
    if (list.trim() === '*' || /(^|,)\s*origin\s*(,|$)/i.test(list))
        return;
    headers['vary'] = list.trim() === '' ? VARY_ACTUAL : `${list}, ${VARY_ACTUAL}`;
}
