/**
 * CUSTOM_AUTHENTICATION: an OCI authorizer function decides (docs/token-validation.md, "Authorizer
 * functions"). The function runs on the functions runtime the ORACLE_FUNCTIONS_BACKEND uses, with
 * OCI's payload: `{"type":"TOKEN","token":...}` (tokenHeader / tokenQueryParam) or
 * `{"type":"USER_DEFINED","data":{...}}` (parameters). Its answer is checked strictly
 * (authorizer_answer.ts): a malformed answer, an error or a non-200 is a 502 (a well-formed
 * `active: false` is a denial whatever its status), a timeout a 504, never an allow.
 *
 * Allowed answers are cached per cache key (the token, or the listed parameter values) until
 * `expiresAt`, capped at one hour, in a bounded LRU; denials are not cached, so a client that just
 * got a valid credential is not turned away by an old answer. Concurrent requests with the same key
 * share one call. Calls by result and cache lookups are counted per policy (policy_stats.ts).
 */
import { randomUUID } from 'node:crypto';
import { Lru } from '../lib/lru.js';
import { encodeCallHeaders } from '../functions/call_codec.js';
import { AUTHORIZER_ALLOW, AUTHORIZER_DENY, AUTHORIZER_ERROR, AUTHORIZER_MALFORMED, AUTHORIZER_RESULTS, AUTHORIZER_TIMEOUT, PolicyStats, callsByResult, } from './policy_stats.js';
import { ANONYMOUS, CHALLENGE_INVALID, CHALLENGE_MISSING, allowed } from './verdicts.js';
import { parseAuthorizerAnswer } from './authorizer_answer.js';
/** Longest life of a cached allow, whatever `expiresAt` says (DESIGN: capped at one hour). */
export const AUTHORIZER_CACHE_CAP_MS = 3_600_000;
function frozen(status, reason, challenge) {
    return Object.freeze({ status, reason, auth: null, challenge });
}
const MISSING = frozen(401, 'token_missing', CHALLENGE_MISSING);
const DENIED = frozen(401, 'authorizer_denied', CHALLENGE_INVALID);
const INVALID = frozen(502, 'authorizer_invalid_response', null);
const FAILED = frozen(502, 'authorizer_failed', null);
const TIMEOUT = frozen(504, 'authorizer_timeout', null);
/** The first value of header `lower` as the client sent it, or undefined. */
function headerValue(g, lower) {
    const v = g.req.headers[lower];
    return Array.isArray(v) ? v[0] : v;
}
/**
 * OCI's payload for this request (reference: "Passing Tokens to Authorizer Functions"). A
 * repeated header or query parameter becomes an array; an absent one is left out. Null when there
 * is nothing to send (no token; none of the parameters present).
 */
export function buildAuthorizerCall(args, g) {
    if (args.kind === 'token') {
        const token = (args.header !== null ? headerValue(g, args.header) : undefined) ?? (args.queryParam !== null ? (g.query().get(args.queryParam) ?? undefined) : undefined);
        if (token === undefined || token === '')
            return null;
        return { payload: JSON.stringify({ type: 'TOKEN', token }), cacheKey: token };
    }
    // No prototype: a parameter may be named like one of Object's members (`__proto__` would otherwise
    // be dropped from the payload and the cache key, so every caller would share one answer).
    const data = Object.create(null);
    let present = false;
    for (const [name, variable] of args.parameters) {
        const values = variable.values(g);
        if (values.length === 0)
            continue;
        present = true;
        data[name] = values.length === 1 ? values[0] : values;
    }
    if (!present)
        return null;
    const key = args.cacheKey.map((name) => data[name] ?? null);
    return { payload: JSON.stringify({ type: 'USER_DEFINED', data }), cacheKey: JSON.stringify(key) };
}
export class CustomAuthenticator {
    allowsAnonymous;
    stats;
    policyStats;
    #o;
    #cache;
    #inflight = new Map();
    constructor(opts) {
        this.#o = opts;
        this.allowsAnonymous = opts.allowsAnonymous;
        this.stats = opts.stats;
        this.policyStats = opts.policyStats ?? new PolicyStats(opts.stats.deployment, '', AUTHORIZER_RESULTS.length);
        this.#cache = new Lru({ maxEntries: opts.maxEntries ?? 10_000, maxBytes: 32 * 1024 * 1024 });
    }
    /** Functions start on first use: nothing to wait for. */
    ready() {
        return Promise.resolve(true);
    }
    authenticate(g) {
        const nowMs = this.#o.clock.nowMs();
        const call = buildAuthorizerCall(this.#o.args, g);
        if (call === null)
            return this.allowsAnonymous ? this.#record(ANONYMOUS, nowMs) : this.#record(MISSING, nowMs);
        const hit = this.#cache.get(call.cacheKey);
        if (hit !== undefined) {
            if (hit.expiresAtMs > nowMs) {
                this.stats.hit();
                this.policyStats.cacheHits++;
                return hit.verdict;
            }
            this.#cache.delete(call.cacheKey);
        }
        this.stats.cacheMisses++;
        this.policyStats.cacheMisses++;
        const pending = this.#inflight.get(call.cacheKey);
        if (pending !== undefined)
            return pending;
        const p = this.#call(call, g).finally(() => this.#inflight.delete(call.cacheKey));
        this.#inflight.set(call.cacheKey, p);
        return p;
    }
    async #call(call, g) {
        const invoker = this.#o.invoker;
        const callId = randomUUID();
        const headers = encodeCallHeaders(callId, 'POST', '/', ['Content-Type', 'application/json']);
        const out = await invoker.invoke({ callId, headers, body: Buffer.from(call.payload) });
        const nowMs = this.#o.clock.nowMs();
        const fields = { fnId: invoker.functionId, callId };
        const calls = this.policyStats.calls;
        if (!out.ok) {
            // These details carry the function's own answer (an fdk error holds the exception's message),
            // which may quote the credential it was given: only the kind of failure is logged for them.
            const quotesFunction = out.failure === 'function_error' || out.failure === 'protocol' || out.failure === 'upstream';
            g.log.warn({ ...fields, failure: out.failure, ...(quotesFunction ? {} : { detail: out.detail }) }, 'authorizer function failed');
            calls[out.failure === 'timeout' ? AUTHORIZER_TIMEOUT : AUTHORIZER_ERROR]++;
            return this.#record(out.failure === 'timeout' ? TIMEOUT : FAILED, nowMs);
        }
        const answer = parseAuthorizerAnswer(out.body.toString('utf8'), nowMs);
        // Oracle's Python sample answers its denials with status 401 and {"active": false, ...}: the body
        // decides a denial whatever the status. Anything else with a status other than 200 is a failure,
        // never an allow.
        if (out.status !== 200 && (typeof answer === 'string' || answer.active)) {
            g.log.warn({ ...fields, status: out.status }, 'authorizer function answered a status other than 200');
            calls[AUTHORIZER_ERROR]++;
            return this.#record(FAILED, nowMs);
        }
        if (typeof answer === 'string') {
            g.log.warn({ ...fields, problem: answer }, 'authorizer function answer refused');
            calls[AUTHORIZER_MALFORMED]++;
            return this.#record(INVALID, nowMs);
        }
        if (!answer.active) {
            calls[AUTHORIZER_DENY]++;
            const v = answer.wwwAuthenticate === undefined ? DENIED : frozen(401, 'authorizer_denied', answer.wwwAuthenticate);
            return this.#record(v, nowMs);
        }
        calls[AUTHORIZER_ALLOW]++;
        const auth = {
            claims: answer.context,
            scopes: new Set(answer.scopes),
            subject: answer.principal,
            clientId: answer.clientId,
        };
        const verdict = allowed(auth);
        const expiresAtMs = Math.min(answer.expiresAtMs, nowMs + AUTHORIZER_CACHE_CAP_MS);
        this.#cache.set(call.cacheKey, { verdict, expiresAtMs }, 2 * call.cacheKey.length + 2 * out.body.length + 400);
        return this.#record(verdict, nowMs);
    }
    #record(v, nowMs) {
        this.stats.record(v.reason, nowMs);
        return v;
    }
    /** Cached allows (tests, admin). */
    get cacheSize() {
        return this.#cache.size;
    }
    /** What `/admin/auth` shows of this policy: never a token, a principal or a cached answer. */
    adminState() {
        const p = this.policyStats;
        return {
            deployment: p.deployment,
            policy: p.path,
            functionId: this.#o.invoker.functionId,
            cachedAnswers: this.#cache.size,
            calls: callsByResult(p, AUTHORIZER_RESULTS),
            cache: { hits: p.cacheHits, misses: p.cacheMisses },
        };
    }
}
