/**
 * HTTP_BACKEND: proxies the request to `url` over a pooled keep-alive connection (one undici Pool
 * per origin and settings, shared across routes and reloads), streaming bodies both ways.
 *
 * Timeouts follow OCI: `connectTimeoutInSeconds` (TCP/TLS connect), `sendTimeoutInSeconds` (until
 * the request body is handed to the upstream), `readTimeoutInSeconds` (until the response head, and
 * between body chunks). Failures before the response starts become JSON errors: 502 when the upstream
 * cannot be reached or breaks the exchange, 504 when it is too slow. After the response has started,
 * a failure can only cut the connection, so the client never mistakes a partial body for a whole one.
 * A client that goes away aborts the upstream request, with or without a body, so a slow upstream
 * does not keep working (and holding a pooled connection) for nobody.
 *
 * With tracing on, the call is a CLIENT span (lib/tracing.ts) and the upstream's `traceparent`
 * names that span; with tracing off the client's `traceparent` and `tracestate` are forwarded as
 * they came, like any other header.
 */
import { Pool, errors as undiciErrors } from 'undici';
import { Readable } from 'node:stream';
import { BodyTooLarge, limitedBody, requestHasBody } from '../lib/body.js';
import { GATEWAY_OWNED, withoutGatewayCookies } from '../lib/gateway_headers.js';
import { HOP_BY_HOP, connectionListed } from '../lib/hop_by_hop.js';
import { sendError } from '../lib/respond.js';
import { ATTR, GATEHOUSE_ATTR, urlWithoutQuery } from '../lib/tracing.js';
import { routeParameters } from './context_vars.js';
import { compileUrlTemplate } from './url_template.js';
import { upstreamErrors } from './metrics.js';
/** OCI's defaults for HTTP_BACKEND timeouts, seconds. */
export const HTTP_BACKEND_DEFAULTS = {
    connectTimeoutInSeconds: 60,
    readTimeoutInSeconds: 10,
    sendTimeoutInSeconds: 10,
};
/**
 * Headers of the client request that are never forwarded: hop-by-hop ones, the framing undici
 * recomputes, and the gateway's own (set below, or never: lib/gateway_headers.ts).
 */
const NOT_FORWARDED = new Set([...HOP_BY_HOP, ...GATEWAY_OWNED, 'host', 'expect', 'content-length', 'x-forwarded-for']);
/** Whether a header may cross the gateway: not in `skip`, not named by the message's `Connection`. */
function crosses(name, skip, listed) {
    return !skip.has(name) && (listed === null || !listed.has(name));
}
/** Copies the headers of a node header map that may cross (`crosses`) into `out`. */
function copyHeaders(src, skip, listed, out) {
    for (const name in src) {
        if (!crosses(name, skip, listed))
            continue;
        const v = src[name];
        if (v !== undefined)
            out[name] = v;
    }
}
/**
 * Copies the lines a request transformation left (policies/transforms.ts) into `out`; repeated
 * names become arrays, which undici sends as one line each.
 */
function copyRawHeaders(raw, listed, out) {
    for (let i = 0; i < raw.length; i += 2) {
        const name = raw[i].toLowerCase();
        if (!crosses(name, NOT_FORWARDED, listed))
            continue;
        const v = raw[i + 1];
        const prev = out[name];
        if (prev === undefined)
            out[name] = v;
        else if (Array.isArray(prev))
            prev.push(v);
        else
            out[name] = [prev, v];
    }
}
function forwardHeaders(ctx, upstreamHost) {
    const src = ctx.req.headers;
    const listed = connectionListed(src.connection);
    const out = {};
    if (ctx.forwardRawHeaders !== null)
        copyRawHeaders(ctx.forwardRawHeaders, listed, out);
    else
        copyHeaders(src, NOT_FORWARDED, listed, out);
    // The protected headers below come from the request as sent: a transformation cannot touch them.
    const prior = src['x-forwarded-for'];
    out['x-forwarded-for'] = prior === undefined ? ctx.clientIp : `${Array.isArray(prior) ? prior.join(', ') : prior}, ${ctx.clientIp}`;
    out['x-forwarded-proto'] = ctx.protocol;
    if (src.host !== undefined)
        out['x-forwarded-host'] = src.host;
    out['host'] = upstreamHost;
    if (src['content-length'] !== undefined)
        out['content-length'] = src['content-length'];
    const cookie = out['cookie'];
    if (cookie !== undefined) {
        const kept = withoutGatewayCookies(Array.isArray(cookie) ? cookie.join('; ') : cookie);
        if (kept === null)
            delete out['cookie'];
        else
            out['cookie'] = kept;
    }
    return out;
}
function responseHeaders(headers) {
    const out = {};
    copyHeaders(headers, HOP_BY_HOP, connectionListed(headers['connection']), out);
    return out;
}
function isAbort(err) {
    return err.name === 'AbortError' || err.code === 'UND_ERR_ABORTED';
}
/** Maps a failure before the response head to the client's status and a safe message. */
function classify(err) {
    if (err instanceof BodyTooLarge)
        return { status: 413, message: 'Payload Too Large', kind: 'body_too_large' };
    const code = err.code;
    if (err instanceof undiciErrors.ConnectTimeoutError || code === 'UND_ERR_CONNECT_TIMEOUT')
        return { status: 504, message: 'Gateway Timeout', kind: 'connect_timeout' };
    if (err instanceof undiciErrors.HeadersTimeoutError || code === 'UND_ERR_HEADERS_TIMEOUT')
        return { status: 504, message: 'Gateway Timeout', kind: 'read_timeout' };
    // The only abort left once the client is known to be there is the send timeout's.
    if (isAbort(err))
        return { status: 504, message: 'Gateway Timeout', kind: 'send_timeout' };
    if (code === 'ECONNREFUSED')
        return { status: 502, message: 'Bad Gateway', kind: 'connect_refused' };
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
        return { status: 502, message: 'Bad Gateway', kind: 'dns' };
    return { status: 502, message: 'Bad Gateway', kind: 'upstream_error' };
}
/*
 * Aborting the upstream request. undici takes any EventEmitter that emits 'abort' as `signal`, so
 * the client response itself is the signal: these two module-level functions make it emit, and a
 * request costs one 'close' listener instead of an AbortController and its closures.
 */
/** `res` 'close' listener: the connection closed before the answer was complete, so nobody is waiting. */
function abortIfClientGone() {
    if (!this.writableFinished)
        this.emit('abort');
}
/** The send timeout: the upstream did not take the request body in time. */
function abortSend(res) {
    res.emit('abort');
}
/** True once the client connection closed before its answer was complete. */
function clientGone(res) {
    return res.destroyed && !res.writableFinished;
}
/** The call's CLIENT span (the URL without its query, which may hold a secret), named as the parent in `headers`. */
function startSpan(trace, method, url, headers) {
    const span = trace.startBackend(method, { [ATTR.HTTP_REQUEST_METHOD]: method, [ATTR.URL_FULL]: urlWithoutQuery(url), [GATEHOUSE_ATTR.BACKEND_TYPE]: 'HTTP_BACKEND' });
    span.inject(headers);
    return span;
}
export function createHttpBackend(config, path, route, ctx) {
    const compiled = compileUrlTemplate(config.url, routeParameters(route));
    if (typeof compiled === 'string') {
        ctx.issue(`${path}.url`, compiled);
        return null;
    }
    const template = compiled;
    const d = HTTP_BACKEND_DEFAULTS;
    const connectMs = (config.connectTimeoutInSeconds ?? d.connectTimeoutInSeconds) * 1000;
    const readMs = (config.readTimeoutInSeconds ?? d.readTimeoutInSeconds) * 1000;
    const sendMs = (config.sendTimeoutInSeconds ?? d.sendTimeoutInSeconds) * 1000;
    const insecure = config.isSslVerifyDisabled === true;
    const { origin } = template;
    const upstreamHost = new URL(origin).host;
    const pool = ctx.registry.acquire(`http:${origin}|${connectMs}|${insecure}`, () => new Pool(origin, { connect: { timeout: connectMs, rejectUnauthorized: !insecure }, keepAliveTimeout: 4000 }), (p) => p.close());
    const errors = upstreamErrors(ctx.registry, origin);
    async function proxy(rc) {
        const { req, res } = rc;
        let target = template.pathAndQuery(rc);
        if (target === null) {
            // The value is the client's (or its token's): it is not logged.
            rc.log.info({ upstream: origin, backend: path }, 'backend URL refused: a context variable would change its path');
            sendError(res, 400, 'Bad Request');
            return;
        }
        const search = rc.forwardSearch ?? rc.search;
        if (search.length > 1)
            target += template.hasQuery ? `&${search.slice(1)}` : search;
        if (clientGone(res))
            return; // left during authentication: nothing to fetch for
        const headers = forwardHeaders(rc, upstreamHost);
        const span = rc.trace == null ? null : startSpan(rc.trace, req.method ?? 'GET', origin + target, headers);
        const hasBody = requestHasBody(req);
        res.once('close', abortIfClientGone);
        let sendTimer;
        if (hasBody) {
            sendTimer = setTimeout(abortSend, sendMs, res);
            req.once('end', () => clearTimeout(sendTimer));
        }
        // undici's stream() writes the upstream body straight into the client response, with
        // backpressure and without stream.pipeline, whose per-call AbortController cost ~13% of CPU.
        try {
            await pool.stream({
                path: target,
                method: req.method,
                headers,
                body: hasBody ? Readable.from(limitedBody(req, rc.maxBodyBytes), { objectMode: false }) : null,
                headersTimeout: readMs,
                bodyTimeout: readMs,
                signal: res,
            }, function onUpstreamHead({ statusCode, headers: upstreamHeaders }) {
                clearTimeout(sendTimer);
                if (span !== null)
                    span.answered(statusCode);
                const out = responseHeaders(upstreamHeaders);
                if (rc.responseTransform !== null)
                    rc.responseTransform.apply(out, rc);
                res.writeHead(statusCode, out);
                return res;
            });
        }
        catch (err) {
            clearTimeout(sendTimer);
            // Before the head, a closed response can only be the client's doing; after it, undici also
            // destroys the response on an upstream failure, so only our own abort says the client left.
            if (clientGone(res) && (!res.headersSent || isAbort(err))) {
                span?.failed('client_closed');
                rc.log.debug({ upstream: origin }, 'client went away; upstream request aborted');
                return;
            }
            if (res.headersSent) {
                // The response has started: all that is left is to cut it, so the client sees a failure.
                if (!res.writableFinished) {
                    span?.failed('response_broken', err.message);
                    errors.inc('response_broken');
                    rc.log.warn({ upstream: origin, err: err.message }, 'upstream response broken off');
                }
                res.destroy();
                return;
            }
            const c = classify(err);
            span?.failed(c.kind, err.message);
            errors.inc(c.kind);
            rc.log.warn({ upstream: origin, kind: c.kind, err: err.message }, 'upstream request failed');
            sendError(res, c.status, c.message);
        }
        finally {
            span?.end();
        }
    }
    return { type: 'HTTP_BACKEND', handle: proxy };
}
