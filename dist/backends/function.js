/**
 * ORACLE_FUNCTIONS_BACKEND (docs/functions.md): reads the client body (6 MB, OCI Functions' limit), turns
 * the request into an Fn call the way OCI API Gateway does (functions/call_codec.ts), runs it on the
 * function's pool or remote server, and writes the function's answer byte for byte, or the
 * gateway's own JSON error: 502 function failed, 504 timed out, 503 + Retry-After when busy.
 *
 * The token reaches the function as OCI passes it: the client's `Authorization` header is relayed
 * as `Fn-Http-H-Authorization` (and a `tokenQueryParam` stays in `Fn-Http-Request-Url`), and the
 * claims the gateway verified as `Fn-Http-H-X-Gatehouse-Claims` (docs/functions.md). A route's
 * header and query transformations (policies/transforms.ts) change what is relayed, both ways.
 *
 * W3C trace context reaches the function as the other client headers do (`Fn-Http-H-Traceparent`):
 * unchanged when tracing is off; naming the call's CLIENT span when it is on (lib/tracing.ts).
 */
import { randomUUID } from 'node:crypto';
import { MAX_BODY_BYTES, encodeCallHeaders } from '../functions/call_codec.js';
import { readRequestBody } from '../lib/body.js';
import { sendError } from '../lib/respond.js';
import { ATTR, GATEHOUSE_ATTR } from '../lib/tracing.js';
/** Client status and message for each failure; the detail goes to the log only. */
const FAILURES = {
    function_error: { status: 502, message: 'Function failed' },
    crash: { status: 502, message: 'Function failed' },
    protocol: { status: 502, message: 'Function failed' },
    memory: { status: 502, message: 'Function failed' },
    start_failed: { status: 502, message: 'Function could not be started' },
    upstream: { status: 502, message: 'Function failed' },
    timeout: { status: 504, message: 'Function timed out' },
    busy: { status: 503, message: 'Function busy, retry later' },
    closed: { status: 503, message: 'Function unavailable, retry later' },
};
/** `url` (path and query, as the client sent it) with its query replaced by `search`. */
function withSearch(url, search) {
    const q = url.indexOf('?');
    return (q === -1 ? url : url.slice(0, q)) + search;
}
/** `headers` (an Fn call's list) with the client's trace context replaced by `span`'s. */
function withTraceContext(headers, span) {
    const out = [];
    for (let i = 0; i < headers.length; i += 2) {
        const lower = headers[i].toLowerCase();
        if (lower !== 'fn-http-h-traceparent' && lower !== 'fn-http-h-tracestate')
            out.push(headers[i], headers[i + 1]);
    }
    const context = span.traceHeaders();
    for (const name in context)
        out.push(name === 'traceparent' ? 'Fn-Http-H-Traceparent' : 'Fn-Http-H-Tracestate', context[name]);
    return out;
}
async function handle(invoker, g) {
    const limit = Math.min(MAX_BODY_BYTES, g.maxBodyBytes);
    let body = readRequestBody(g.req, limit);
    if (body instanceof Promise) {
        try {
            body = await body;
        }
        catch {
            return; // the client went away mid-upload: nobody to answer
        }
    }
    if (body === null) {
        sendError(g.res, 413, `Request body larger than ${limit} bytes`);
        return;
    }
    const req = g.req;
    const callId = randomUUID();
    // A route's request transformation has left what to forward in forwardRawHeaders / forwardSearch.
    let headers = encodeCallHeaders(callId, req.method ?? 'GET', g.forwardSearch === null ? (req.url ?? g.path) : withSearch(req.url ?? g.path, g.forwardSearch), g.forwardRawHeaders ?? req.rawHeaders, g.auth?.claims ?? null);
    let span = null;
    if (g.trace != null) {
        const fnId = invoker.functionId;
        span = g.trace.startBackend(fnId, { [ATTR.FAAS_INVOKED_NAME]: fnId, [GATEHOUSE_ATTR.BACKEND_TYPE]: 'ORACLE_FUNCTIONS_BACKEND', [GATEHOUSE_ATTR.FN_CALL_ID]: callId });
        headers = withTraceContext(headers, span);
    }
    let out;
    try {
        out = await invoker.invoke({ callId, headers, body });
    }
    catch (err) {
        span?.failed('error', err.message);
        span?.end();
        throw err;
    }
    if (span !== null) {
        if (out.ok)
            span.answered(out.status);
        else
            span.failed(out.failure);
        span.end();
    }
    if (out.ok) {
        const headers = out.headers;
        // The route's response transformation sees the function's headers; the call id and framing stay ours.
        if (g.responseTransform !== null)
            g.responseTransform.apply(headers, g);
        headers['fn-call-id'] = callId;
        headers['content-length'] = String(out.body.length);
        g.res.writeHead(out.status, headers);
        g.res.end(out.body);
        return;
    }
    const { status, message } = FAILURES[out.failure];
    g.log.warn({ fnId: invoker.functionId, callId, failure: out.failure, detail: out.detail }, 'function call failed');
    sendError(g.res, status, message, status === 503 ? { 'retry-after': '1', 'fn-call-id': callId } : { 'fn-call-id': callId });
}
export function createFunctionBackend(config, path, ctx, catalog) {
    const id = config.functionId;
    const invoker = catalog.get(id);
    if (invoker === undefined) {
        // A known function with a broken func.yaml already has its own issue.
        if (!catalog.has(id))
            ctx.issue(`${path}.functionId`, `unknown function ${JSON.stringify(id)} (not in functions)`);
        return null;
    }
    return { type: 'ORACLE_FUNCTIONS_BACKEND', handle: (g) => handle(invoker, g) };
}
