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
import { Pool, errors as undiciErrors, util as undiciUtil } from 'undici';
import { Readable } from 'node:stream';
import { BodyTooLarge, limitedBody, requestHasBody } from '../lib/body.js';
import { GATEWAY_OWNED, withoutGatewayCookies } from '../lib/gateway_headers.js';
import { addHeader } from '../lib/header_map.js';
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
/** Whether a client header may cross the gateway: not NOT_FORWARDED, not named by the request's `Connection`. */
function crosses(name, listed) {
    return !NOT_FORWARDED.has(name) && (listed === null || !listed.has(name));
}
/** Copies the client's headers that may cross (`crosses`) into `out`. */
function copyHeaders(src, listed, out) {
    for (const name in src) {
        if (!crosses(name, listed))
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
        if (!crosses(name, listed))
            continue;
        addHeader(out, name, raw[i + 1]);
    }
}
function forwardHeaders(ctx, upstreamHost) {
    const src = ctx.req.headers;
    const listed = connectionListed(src.connection);
    const out = {};
    if (ctx.forwardRawHeaders !== null)
        copyRawHeaders(ctx.forwardRawHeaders, listed, out);
    else
        copyHeaders(src, listed, out);
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
/**
 * The client's response headers from the upstream's raw head (undici's `[name, value, ...]` Buffers),
 * in one pass: names lower-cased, repeated ones as arrays, hop-by-hop ones and those the upstream's
 * `Connection` names left out.
 */
function responseHeaders(raw) {
    const out = {};
    let connection;
    for (let i = 0; i < raw.length; i += 2) {
        const name = undiciUtil.headerNameToString(raw[i]);
        const value = raw[i + 1].toString('latin1');
        if (HOP_BY_HOP.has(name)) {
            // Nearly always one `keep-alive`: kept a string, connectionListed answers that without work.
            if (name === 'connection')
                connection = connection === undefined ? value : [...(Array.isArray(connection) ? connection : [connection]), value];
            continue;
        }
        addHeader(out, name, value);
    }
    const listed = connectionListed(connection);
    if (listed !== null)
        for (const name of listed)
            delete out[name];
    return out;
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
    if (err === SEND_TIMEOUT)
        return { status: 504, message: 'Gateway Timeout', kind: 'send_timeout' };
    if (code === 'ECONNREFUSED')
        return { status: 502, message: 'Bad Gateway', kind: 'connect_refused' };
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
        return { status: 502, message: 'Bad Gateway', kind: 'dns' };
    return { status: 502, message: 'Bad Gateway', kind: 'upstream_error' };
}
/** True once the client connection closed before its answer was complete. */
function clientGone(res) {
    return res.destroyed && !res.writableFinished;
}
/** Our own two ends of an upstream request, told apart by identity when undici hands them back. */
const CLIENT_GONE = new Error('the client went away');
const SEND_TIMEOUT = new Error('send timeout: the upstream did not take the request body in time');
function sendTimedOut(exchange) {
    exchange.abort(SEND_TIMEOUT);
}
/**
 * One proxied exchange, as an undici dispatch handler (the onConnect / onHeaders / onData /
 * onComplete / onError interface that undici's own stream() and request() implement): the upstream
 * head becomes the client's, body chunks go straight into the client response with backpressure (a
 * full client socket pauses the upstream read until 'drain'). stream() did the same with, per request,
 * an AsyncResource, a stream.finished() watcher, an abort-signal listener, a promise, and the upstream
 * head parsed into one object and copied into another (issue 16).
 */
class Exchange {
    sendTimer = undefined;
    #abortUpstream = null;
    /** Set by an abort that came before undici connected the request; it aborts on connect. */
    #reason = null;
    #resume = null;
    #settled = false;
    rc;
    span;
    origin;
    errors;
    constructor(rc, span, origin, errors) {
        this.rc = rc;
        this.span = span;
        this.origin = origin;
        this.errors = errors;
    }
    abort(err) {
        if (this.#settled)
            return;
        if (this.#abortUpstream !== null)
            this.#abortUpstream(err);
        else
            this.#reason = err;
    }
    /** The client response closed: before its end, nobody is waiting for the upstream any more. */
    clientClosed() {
        if (!this.rc.res.writableFinished)
            this.abort(CLIENT_GONE);
    }
    onConnect(abort) {
        if (this.#reason !== null)
            abort(this.#reason);
        else
            this.#abortUpstream = abort;
    }
    onHeaders(statusCode, raw, resume) {
        if (statusCode < 200)
            return true; // 1xx: informational, the answer is still to come
        clearTimeout(this.sendTimer);
        const { rc, span } = this;
        const res = rc.res;
        if (span !== null)
            span.answered(statusCode);
        const out = responseHeaders(raw);
        if (rc.responseTransform !== null)
            rc.responseTransform.apply(out, rc);
        res.writeHead(statusCode, out);
        this.#resume = resume;
        return true;
    }
    onData(chunk) {
        const res = this.rc.res;
        if (res.write(chunk))
            return true;
        res.once('drain', this.#resume);
        return false;
    }
    onComplete() {
        this.#settled = true;
        this.rc.res.end();
        this.span?.end();
    }
    onError(err) {
        this.#settled = true;
        clearTimeout(this.sendTimer);
        const { rc, span, origin, errors } = this;
        const res = rc.res;
        try {
            // Before the head, a closed response can only be the client's doing; after it, only our own
            // abort says the client left.
            if (err === CLIENT_GONE || (clientGone(res) && !res.headersSent)) {
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
        catch {
            // undici re-emits what onError throws as an 'error' event nobody listens to: a crash. Whatever
            // failed here (a log, a metric), the client still gets a cut connection rather than a hang.
            res.destroy();
        }
        finally {
            span?.end();
        }
    }
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
    function proxy(rc) {
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
        const exchange = new Exchange(rc, span, origin, errors);
        res.once('close', () => exchange.clientClosed());
        if (hasBody) {
            exchange.sendTimer = setTimeout(sendTimedOut, sendMs, exchange);
            req.once('end', () => clearTimeout(exchange.sendTimer));
        }
        pool.dispatch({
            path: target,
            method: req.method,
            headers,
            body: hasBody ? Readable.from(limitedBody(req, rc.maxBodyBytes), { objectMode: false }) : null,
            headersTimeout: readMs,
            bodyTimeout: readMs,
        }, exchange);
    }
    return { type: 'HTTP_BACKEND', handle: proxy };
}
