/**
 * Maps between the client's HTTP exchange and an Fn call (docs/functions.md), the way OCI API
 * Gateway calls OCI Functions: the method and URL travel as `Fn-Http-Method` and
 * `Fn-Http-Request-Url` (path + query), every client header as `Fn-Http-H-<Name>` (hop-by-hop and
 * gateway-owned ones removed), `Content-Type` unprefixed, the body unchanged. On the way back
 * `Fn-Http-Status` is the client status and `Fn-Http-H-*` the client headers; every other
 * container header is dropped.
 */
import { CLAIMS_HEADER, GATEWAY_OWNED, withoutGatewayCookies } from '../lib/gateway_headers.js';
import { HOP_BY_HOP, connectionListed } from '../lib/hop_by_hop.js';
/** OCI Functions' request body limit (6 MB). */
export const MAX_BODY_BYTES = 6 * 1024 * 1024;
/** Function responses larger than this are refused (Fn's FN_MAX_RESPONSE_SIZE has the same role). */
export const MAX_RESPONSE_BYTES = 6 * 1024 * 1024;
/**
 * Not forwarded to the function: hop-by-hop fields (lib/hop_by_hop.ts), the framing we recompute,
 * and the headers only the gateway sets (lib/gateway_headers.ts).
 */
const NOT_FORWARDED = new Set([...HOP_BY_HOP, ...GATEWAY_OWNED, 'content-length', 'expect']);
/** JSON with every non-ASCII character escaped, so it is a valid header value and still plain JSON. */
function asciiJson(value) {
    return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
/** Headers a function may not set on the client response (framing is ours). */
const RESPONSE_DROP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'trailer', 'upgrade', 'content-type']);
/**
 * Builds the call headers (without `Fn-Deadline`) from the client's raw headers.
 * `rawHeaders` is node's `[name, value, ...]` list, so repeated headers keep every value.
 * `claims`, when the route authenticated the caller, reach the function as the HTTP header
 * `X-Gatehouse-Claims` (JSON), beside the `Authorization` header that OCI passes.
 */
export function encodeCallHeaders(callId, method, requestUrl, rawHeaders, claims = null) {
    const out = ['Fn-Call-Id', callId, 'Fn-Intent', 'httprequest', 'Fn-Http-Method', method, 'Fn-Http-Request-Url', requestUrl];
    const connection = [];
    for (let i = 0; i < rawHeaders.length; i += 2)
        if (rawHeaders[i].toLowerCase() === 'connection')
            connection.push(rawHeaders[i + 1]);
    const connectionTokens = connection.length === 0 ? null : connectionListed(connection);
    for (let i = 0; i < rawHeaders.length; i += 2) {
        const name = rawHeaders[i];
        const value = rawHeaders[i + 1];
        const lower = name.toLowerCase();
        if (NOT_FORWARDED.has(lower) || (connectionTokens !== null && connectionTokens.has(lower)))
            continue;
        if (lower === 'cookie') {
            const kept = withoutGatewayCookies(value);
            if (kept !== null)
                out.push(`Fn-Http-H-${name}`, kept);
        }
        else if (lower === 'content-type')
            out.push('Content-Type', value);
        else
            out.push(`Fn-Http-H-${name}`, value);
    }
    if (claims !== null)
        out.push(`Fn-Http-H-${CLAIMS_HEADER}`, asciiJson(claims));
    return out;
}
function first(v) {
    return Array.isArray(v) ? v[0] : v;
}
/**
 * Maps a container's 200 answer to the client response. `headers` are lower-cased (undici).
 * An `Fn-Http-Status` that is not a valid status code is the function's fault: 502.
 */
export function decodeCallResult(headers, body) {
    let status = 200;
    const rawStatus = first(headers['fn-http-status']);
    if (rawStatus !== undefined) {
        status = Number(rawStatus);
        if (!Number.isInteger(status) || status < 100 || status > 599) {
            return { ok: false, failure: 'function_error', detail: `invalid Fn-Http-Status ${JSON.stringify(rawStatus)}` };
        }
    }
    const out = {};
    const contentType = first(headers['content-type']);
    if (contentType !== undefined)
        out['content-type'] = contentType;
    for (const key in headers) {
        if (!key.startsWith('fn-http-h-'))
            continue;
        const name = key.slice(10);
        if (name === '' || RESPONSE_DROP.has(name))
            continue;
        const v = headers[key];
        // Arrays stay arrays: node writes one header line per value (Set-Cookie, repeated X-Custom).
        if (v !== undefined)
            out[name] = v;
    }
    return { ok: true, status, headers: out, body };
}
