/**
 * The data plane's request handler: request id, path checks, routing, the deployment's mutual TLS
 * check, CORS (a preflight is answered here), the deployment's rate limit, authentication,
 * authorization, usage plans, validations, request transformations, the response cache, backend,
 * then one access-log line and the request metrics. Each policy is a field of the route's plan, null when the route has
 * none, so a route pays only for the policies it uses. Tracing works the same way: a plan without
 * `tracing:` has a null tracer and each request a null `trace`, tested where spans would start or end.
 *
 * The plan is read once per request from `state.plan`, so a hot reload swaps it atomically:
 * requests already in flight finish on the plan they started with.
 */
import { randomUUID } from 'node:crypto';
import { accessLogger, writeAccessLine } from '../lib/log.js';
import { sendError } from '../lib/respond.js';
import { splitPath } from '../router/path.js';
import { RequestContext } from './request_context.js';
const CTX = Symbol('gatehouse.ctx');
/** A client's `opc-request-id` is echoed only when it is short, printable ASCII. */
const SAFE_ID = /^[\x21-\x7e]{1,128}$/;
const NO_PARAMS = Object.freeze({});
const NO_SEGMENTS = Object.freeze([]);
const DENIAL_MESSAGE = { 401: 'Unauthorized', 403: 'Forbidden', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' };
export function createDataPlaneHandler(state, log) {
    /** Where the access lines of requests that matched no route go (null: not written). */
    const unmatchedLog = log.isLevelEnabled('info') ? accessLogger(log) : null;
    function onResponseClose() {
        const ctx = this[CTX];
        if (ctx !== undefined)
            finish(ctx, this.writableFinished ? this.statusCode : 499);
    }
    /** Counts the request and writes its access line, once its answer is complete. */
    function finish(ctx, status) {
        state.inFlight--;
        const route = ctx.route;
        if (ctx.trace !== null)
            ctx.trace.end(route?.deployment, route?.route, status, ctx.authReason);
        const seconds = Number(process.hrtime.bigint() - ctx.startNs) / 1e9;
        (route === null ? state.plan.unmatched : route.stats).record(ctx.req.method ?? 'OTHER', status, seconds);
        const access = route === null ? unmatchedLog : route.accessLog;
        if (access === null)
            return;
        // Written field by field: no object built only to be serialised (issue 16).
        const auth = ctx.auth;
        writeAccessLine(access, ctx.requestId, route?.route, ctx.req.method ?? 'OTHER', ctx.path, status, Math.round(seconds * 1e5) / 100, ctx.authReason ?? undefined, auth?.subject, auth?.clientId);
    }
    /**
     * After usage plans: validations, then request transformations, then the response cache and the
     * backend. A policy or backend that throws costs this request a 500, never the process.
     */
    function proceed(ctx, route) {
        let done;
        try {
            if (route.validation !== null) {
                const refused = route.validation.check(ctx);
                if (refused !== null)
                    return sendError(ctx.res, 400, refused);
            }
            if (route.requestTransform !== null)
                route.requestTransform.apply(ctx);
            if (route.responseCache === null)
                done = route.backend.handle(ctx);
            else {
                // A memory store answers at once: a hit is then written before this returns.
                const hit = route.responseCache.serve(ctx);
                done = hit === true ? undefined : hit === false ? route.backend.handle(ctx) : hit.then((h) => (h ? undefined : route.backend.handle(ctx)));
            }
        }
        catch (err) {
            internalError(ctx, err);
            return;
        }
        if (done !== undefined)
            done.catch((err) => internalError(ctx, err));
    }
    function refuse(ctx, r) {
        ctx.authReason = r.reason;
        sendError(ctx.res, r.status, r.message, r.headers);
    }
    /**
     * Runs an admission policy (rate limit, usage plans), then `next` when it lets the request
     * through. Synchronous answers stay synchronous; a policy that throws or rejects costs a 500.
     */
    function admit(ctx, route, policy, next) {
        let r;
        try {
            r = policy.admit(ctx);
        }
        catch (err) {
            return internalError(ctx, err);
        }
        if (!(r instanceof Promise))
            return r === null ? next(ctx, route) : refuse(ctx, r);
        r.then((refusal) => (refusal === null ? next(ctx, route) : refuse(ctx, refusal))).catch((err) => internalError(ctx, err));
    }
    function afterAuthorization(ctx, route) {
        if (route.usagePlans === null)
            return proceed(ctx, route);
        admit(ctx, route, route.usagePlans, proceed);
    }
    function internalError(ctx, err) {
        ctx.log.error({ reqId: ctx.requestId, err }, 'request failed');
        sendError(ctx.res, 500, 'Internal Server Error');
    }
    function deny(ctx, v) {
        sendError(ctx.res, v.status, DENIAL_MESSAGE[v.status] ?? 'Forbidden', v.challenge === null ? undefined : { 'www-authenticate': v.challenge });
    }
    function afterAuthentication(ctx, route, v) {
        ctx.authReason = v.reason;
        if (ctx.trace !== null)
            ctx.trace.endAuthentication(v.reason, v.status);
        if (v.status !== 0) {
            // validationFailurePolicy (MODIFY_RESPONSE) answers authentication's 401s; authorization's denials keep the stock answer.
            const failure = route.authentication?.failureResponse;
            if (failure !== undefined && failure.respond(ctx, v))
                return;
            return deny(ctx, v);
        }
        ctx.auth = v.auth;
        if (route.authorization !== null) {
            const denial = route.authorization.authorize(ctx.auth);
            if (denial !== null) {
                ctx.authReason = denial.reason;
                return deny(ctx, denial);
            }
        }
        afterAuthorization(ctx, route);
    }
    /**
     * A CORS preflight for a path whose routes do not accept OPTIONS: the route of the method the
     * browser asks about (else the path's first route) decides, so the preflight is still answered.
     */
    function preflightOfOtherRoute(ctx, plan, segments, allowed) {
        const { req } = ctx;
        const asked = req.headers['access-control-request-method'];
        const method = typeof asked === 'string' && allowed.includes(asked) ? asked : allowed[0];
        const other = method === undefined ? null : (plan.router.match(segments, method)?.value ?? null);
        const cors = other?.cors ?? null;
        if (other === null || cors === null || !cors.isPreflight(req))
            return false;
        // That route's mutual TLS first, as for its own requests: no CORS answer without a certificate.
        if (other.mutualTls === null)
            cors.answerPreflight(req, ctx.res);
        else
            admit(ctx, other, other.mutualTls, (c) => cors.answerPreflight(c.req, c.res));
        return true;
    }
    return function onRequest(req, res) {
        const startNs = process.hrtime.bigint();
        const plan = state.plan;
        const clientId = req.headers['opc-request-id'];
        const requestId = typeof clientId === 'string' && SAFE_ID.test(clientId) ? clientId : randomUUID();
        res.setHeader('opc-request-id', requestId);
        if (state.draining)
            res.setHeader('connection', 'close');
        const url = req.url ?? '/';
        const q = url.indexOf('?');
        const rawPath = q === -1 ? url : url.slice(0, q);
        const search = q === -1 ? '' : url.slice(q);
        const segments = rawPath.startsWith('/') ? splitPath(rawPath) : 'bad_encoding';
        const method = req.method ?? 'GET';
        const match = typeof segments === 'string' ? null : plan.router.match(segments, method);
        const route = match?.value ?? null;
        const ctx = new RequestContext(req, res, requestId, rawPath, search, match?.params ?? NO_PARAMS, typeof segments === 'string' ? NO_SEGMENTS : segments, match?.wildcardFrom ?? -1, plan.server.maxBodyBytes, route?.log ?? log, route, startNs, plan.clientAddress === null ? (req.socket.remoteAddress ?? '') : plan.clientAddress(req));
        if (plan.tracer !== null)
            ctx.trace = plan.tracer.startRequest(ctx);
        state.inFlight++;
        dispatch(ctx, req, res, plan, segments, match, route);
        // Most answers (stock responses, denials, cached decisions) are complete by now: account for
        // them at once and spare a 'close' listener; the others are accounted for when they close.
        if (res.writableEnded)
            finish(ctx, res.statusCode);
        else {
            res[CTX] = ctx;
            res.once('close', onResponseClose);
        }
    };
    function dispatch(ctx, req, res, plan, segments, match, route) {
        if (typeof segments === 'string')
            return sendError(res, 400, 'Bad Request');
        if (match === null)
            return sendError(res, 404, 'Not Found');
        if (route === null) {
            if (req.method === 'OPTIONS' && preflightOfOtherRoute(ctx, plan, segments, match.allowed))
                return;
            return sendError(res, 405, 'Method Not Allowed', { allow: match.allowed.join(', ') });
        }
        // Mutual TLS first: a deployment that requires a client certificate answers nothing else without one.
        if (route.mutualTls === null)
            return afterMutualTls(ctx, route);
        admit(ctx, route, route.mutualTls, afterMutualTls);
    }
    function afterMutualTls(ctx, route) {
        const { req, res } = ctx;
        if (route.cors !== null) {
            // Answered here: a preflight never reaches authentication or the backend. Otherwise the CORS
            // headers go on the response now, so every answer (errors included) carries them.
            if (route.cors.isPreflight(req))
                return route.cors.answerPreflight(req, res);
            route.cors.decorate(req, res);
        }
        const declared = req.headers['content-length'];
        if (declared !== undefined && Number(declared) > ctx.maxBodyBytes)
            return sendError(res, 413, 'Payload Too Large');
        if (route.rateLimit === null)
            return authenticate(ctx, route);
        admit(ctx, route, route.rateLimit, authenticate);
    }
    function authenticate(ctx, route) {
        if (route.authentication === null)
            return afterAuthorization(ctx, route);
        if (ctx.trace !== null)
            ctx.trace.startAuthentication(route.authentication);
        let v;
        try {
            v = route.authentication.authenticate(ctx);
            if (!(v instanceof Promise))
                return afterAuthentication(ctx, route, v);
        }
        catch (err) {
            // A bug in a policy costs this request a 500, never the process (issue #11).
            return internalError(ctx, err);
        }
        v.then((verdict) => afterAuthentication(ctx, route, verdict)).catch((err) => internalError(ctx, err));
    }
}
