/**
 * TOKEN_AUTHENTICATION with a REMOTE_DISCOVERY validation policy that carries `clientDetails`: OCI's
 * "introspect URL based validation", i.e. RFC 7662 token introspection. The token (a JWT or an
 * opaque string) is sent to the discovery document's `introspection_endpoint` with the client's id
 * and secret; `active: true` lets the request through with the answer's claims (scope, client_id,
 * sub, ...) as `request.auth`, `active: false` is a 401. No key is ever fetched.
 *
 * - Client authentication: `client_secret_basic`, unless the document lists only
 *   `client_secret_post` (in `introspection_endpoint_auth_methods_supported`, else
 *   `token_endpoint_auth_methods_supported`).
 * - Answers are cached per token until the answer's `exp` (plus the clock skew), never longer than
 *   `maxCacheDurationInHours`, in a bounded LRU; an inactive answer is cached for at most
 *   INACTIVE_CACHE_MS, so a flood of bad tokens does not become a flood of introspection calls.
 *   Concurrent requests with one token share one call.
 * - The endpoint unreachable, slow, or answering anything but a JSON object with a boolean `active`
 *   → 503 (never an allow), with the reason in the log. The same for a client secret that did not
 *   resolve through `secrets:` (the policy then answers 503 to every request with a token).
 * - additionalValidationPolicy applies to the answer's claims: `iss`, `aud` and `verifyClaims`;
 *   an answer whose `exp` has passed is refused whatever `active` says, and so is one that names a
 *   refresh token (`typ: Refresh`, `token_type: refresh_token`): refused as inactive.
 *
 * The token and the secret are never logged. Introspections by result (active, inactive, error) and
 * cache lookups are counted per policy (policy_stats.ts); `/admin/auth` shows them with the endpoint,
 * the cache size and the last error.
 */
import { Agent, request } from 'undici';
import { Lru } from '../lib/lru.js';
import { resolveSecret } from '../lib/secrets.js';
import { INTROSPECTION_ACTIVE, INTROSPECTION_ERROR, INTROSPECTION_INACTIVE, INTROSPECTION_RESULTS, LIVE_INTROSPECTION, PolicyStats, callsByResult, introspectionStats, registerLive, } from './policy_stats.js';
import { TOKEN_MALFORMED, TOKEN_MISSING } from './extract.js';
import { ANONYMOUS, allowed, denial } from './verdicts.js';
import { audienceAllowed, buildAuthContext, claimsAllowed, issuerAllowed } from './claims.js';
import { fetchJsonDocument, keyUriProblem, secretUriProblem } from './jwks/http_fetch.js';
import { readBody } from '../lib/body.js';
/** Longest life of a cached inactive answer. */
export const INACTIVE_CACHE_MS = 30_000;
/** How long a failed discovery fetch is remembered before the next request tries again. */
export const DISCOVERY_RETRY_MS = 5_000;
/** Largest introspection answer read, in bytes. */
const MAX_ANSWER_BYTES = 64 * 1024;
// An inactive token (the provider does not vouch for it) is a 401; an introspection that cannot be
// made or understood (no endpoint, no secret, no answer, a malformed one) is a 503, never an allow.
const REASON_INACTIVE = 'token_inactive';
const REASON_UNAVAILABLE = 'introspection_unavailable';
let insecureAgent = null;
/** `client_secret_basic` unless the methods listed name only `client_secret_post` (DESIGN §11). */
export function authMethodOf(doc) {
    const listed = doc['introspection_endpoint_auth_methods_supported'] ?? doc['token_endpoint_auth_methods_supported'];
    if (!Array.isArray(listed))
        return 'client_secret_basic';
    return listed.includes('client_secret_post') && !listed.includes('client_secret_basic') ? 'client_secret_post' : 'client_secret_basic';
}
/** True when an introspection answer says the token is a refresh token. */
export function isRefreshToken(answer) {
    const type = (v) => (typeof v === 'string' ? v.toLowerCase() : '');
    const typ = type(answer['typ']);
    const tokenType = type(answer['token_type']);
    return typ === 'refresh' || typ === 'refresh_token' || tokenType === 'refresh_token' || tokenType === 'refresh';
}
/** RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined and base64-encoded. */
function basicHeader(id, secret) {
    const enc = (s) => encodeURIComponent(s).replace(/%20/g, '+');
    return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`;
}
export class IntrospectionAuthenticator {
    allowsAnonymous;
    stats;
    policyStats;
    /** Shown by readiness and the admin API: the discovery URI. */
    label;
    /** Introspection calls made, and those that failed (no answer, or a malformed one). */
    calls = 0;
    failures = 0;
    #o;
    #cache;
    #inflight = new Map();
    #endpoint = null;
    #endpointUntilMs = 0;
    #discovering = null;
    #lastError;
    #retryAtMs = 0;
    #loggedAtMs = 0;
    constructor(opts) {
        this.#o = opts;
        this.allowsAnonymous = opts.allowsAnonymous;
        this.stats = opts.stats;
        this.policyStats = opts.policyStats ?? new PolicyStats(opts.stats.deployment, '', INTROSPECTION_RESULTS.length);
        this.label = opts.discoveryUri;
        this.#cache = new Lru({ maxEntries: opts.maxEntries ?? 10_000 });
        this.#lastError = 'missing' in opts.secret ? opts.secret.missing : null;
    }
    /** Why the policy cannot introspect now (an unresolved secret, an unusable discovery document), or null. */
    problem() {
        return this.#lastError;
    }
    /** Readiness: the secret resolved and the discovery document names an introspection endpoint. */
    async ready() {
        if ('missing' in this.#o.secret)
            return false;
        if (this.#o.offline)
            return true;
        return typeof (await this.#discover(this.#o.clock.nowMs())) !== 'string';
    }
    authenticate(ctx) {
        const token = this.#o.extractor(ctx);
        const nowMs = this.#o.clock.nowMs();
        if (token === TOKEN_MISSING)
            return this.allowsAnonymous ? this.#done(ANONYMOUS, nowMs) : this.#done(denial('token_missing'), nowMs);
        if (token === TOKEN_MALFORMED)
            return this.#done(denial('token_malformed'), nowMs);
        if (token.length > this.#o.maxTokenChars)
            return this.#done(denial('token_too_large'), nowMs);
        if ('missing' in this.#o.secret) {
            this.#logOnce(nowMs, this.#o.secret.missing);
            return this.#done(denial(REASON_UNAVAILABLE), nowMs);
        }
        const cached = this.#cache.get(token);
        if (cached !== undefined && cached.untilMs > nowMs) {
            this.stats.cacheHits++;
            this.policyStats.cacheHits++;
            return this.#done(cached.verdict, nowMs);
        }
        this.stats.cacheMisses++;
        this.policyStats.cacheMisses++;
        let pending = this.#inflight.get(token);
        if (pending === undefined) {
            pending = this.#introspect(token, nowMs).finally(() => this.#inflight.delete(token));
            this.#inflight.set(token, pending);
        }
        return pending.then((v) => this.#done(v, this.#o.clock.nowMs()));
    }
    /** Answers cached (tests, admin). */
    get cacheSize() {
        return this.#cache.size;
    }
    /** What `/admin/auth` shows of this policy: never a token, the secret or a cached answer. */
    adminState() {
        const p = this.policyStats;
        return {
            deployment: p.deployment,
            policy: p.path,
            uri: this.#o.discoveryUri,
            kind: 'introspection',
            introspectionEndpoint: this.#endpoint?.url ?? null,
            clientAuthentication: this.#endpoint?.method ?? null,
            calls: this.calls,
            failures: this.failures,
            results: callsByResult(p, INTROSPECTION_RESULTS),
            cache: { hits: p.cacheHits, misses: p.cacheMisses },
            cachedAnswers: this.#cache.size,
            lastError: this.#lastError,
        };
    }
    async #introspect(token, nowMs) {
        const endpoint = await this.#discover(nowMs);
        if (typeof endpoint === 'string') {
            this.policyStats.calls[INTROSPECTION_ERROR]++;
            return denial(REASON_UNAVAILABLE);
        }
        this.calls++;
        let answer;
        try {
            answer = await this.#call(endpoint, token);
        }
        catch (err) {
            this.failures++;
            this.policyStats.calls[INTROSPECTION_ERROR]++;
            const reason = `introspection at ${endpoint.url} failed: ${err.message}`;
            this.#lastError = reason;
            this.#o.log.warn({ deployment: this.stats.deployment, reason }, 'token introspection failed');
            return denial(REASON_UNAVAILABLE);
        }
        this.policyStats.calls[answer['active'] === true ? INTROSPECTION_ACTIVE : INTROSPECTION_INACTIVE]++;
        const now = this.#o.clock.nowMs();
        const verdict = this.#judge(answer, now);
        const capMs = now + this.#o.maxCacheMs;
        let untilMs;
        if (verdict.status !== 0)
            untilMs = Math.min(capMs, now + INACTIVE_CACHE_MS);
        else if (typeof answer['exp'] === 'number')
            untilMs = Math.min(capMs, (answer['exp'] + this.#o.clockSkewSec) * 1000);
        else
            untilMs = capMs;
        if (untilMs > now)
            this.#cache.set(token, { verdict, untilMs }, token.length * 2 + 512);
        return verdict;
    }
    /** The verdict for an introspection answer (RFC 7662 §2.2) under the policy's extra checks. */
    #judge(answer, nowMs) {
        if (answer['active'] !== true)
            return denial(REASON_INACTIVE);
        // Providers vouch for refresh tokens too (Keycloak says `typ: Refresh`; others say
        // token_type refresh_token). Active or not, a refresh token is no access token.
        if (isRefreshToken(answer))
            return denial(REASON_INACTIVE);
        const exp = answer['exp'];
        const nowSec = Math.floor(nowMs / 1000);
        if (typeof exp === 'number' && exp + this.#o.clockSkewSec <= nowSec)
            return denial('expired');
        const nbf = answer['nbf'];
        if (typeof nbf === 'number' && nbf - this.#o.clockSkewSec > nowSec)
            return denial('not_yet_valid');
        const claims = {};
        for (const [k, v] of Object.entries(answer))
            if (k !== 'active')
                claims[k] = v;
        if (this.#o.issuers !== null && !issuerAllowed(claims, this.#o.issuers))
            return denial('issuer_invalid');
        if (this.#o.audiences !== null && !audienceAllowed(claims, this.#o.audiences))
            return denial('audience_invalid');
        if (!claimsAllowed(claims, this.#o.claimChecks))
            return denial('claim_invalid');
        const auth = buildAuthContext(claims);
        return allowed(auth);
    }
    async #call(endpoint, token) {
        const secret = this.#o.secret.value;
        const form = new URLSearchParams({ token, token_type_hint: 'access_token' });
        const headers = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
        if (endpoint.method === 'client_secret_basic')
            headers['authorization'] = basicHeader(this.#o.clientId, secret);
        else {
            form.set('client_id', this.#o.clientId);
            form.set('client_secret', secret);
        }
        const timeout = AbortSignal.timeout(this.#o.timeoutMs);
        let dispatcher;
        if (this.#o.isSslVerifyDisabled)
            dispatcher = insecureAgent ??= new Agent({ connect: { rejectUnauthorized: false } });
        let res;
        try {
            res = await request(endpoint.url, {
                method: 'POST',
                headers,
                body: form.toString(),
                signal: timeout,
                headersTimeout: this.#o.timeoutMs,
                bodyTimeout: this.#o.timeoutMs,
                ...(dispatcher ? { dispatcher } : {}),
            });
        }
        catch (err) {
            throw new Error(timeout.aborted ? `timed out after ${this.#o.timeoutMs} ms` : `request failed: ${err.message}`, { cause: err });
        }
        if (res.statusCode !== 200) {
            await res.body.dump();
            // 401 here means the gateway's client id or secret is wrong: the operator's problem, not the caller's.
            throw new Error(`HTTP ${res.statusCode}`);
        }
        const body = await readBody(res.body, MAX_ANSWER_BYTES, 'destroy');
        if (body === null)
            throw new Error(`answer larger than ${MAX_ANSWER_BYTES} bytes`);
        let doc;
        try {
            doc = JSON.parse(body.toString('utf8'));
        }
        catch {
            throw new Error('answer is not JSON');
        }
        if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
            throw new Error('answer is not a JSON object');
        if (typeof doc['active'] !== 'boolean')
            throw new Error('answer has no boolean "active"');
        return doc;
    }
    /** The introspection endpoint from the discovery document, refreshed after maxCacheMs; a string says why not. */
    #discover(nowMs) {
        if (this.#endpoint !== null && nowMs < this.#endpointUntilMs)
            return Promise.resolve(this.#endpoint);
        if (this.#discovering !== null)
            return this.#discovering;
        // After a failed fetch, wait DISCOVERY_RETRY_MS whether or not an older document still serves:
        // otherwise, during the provider's outage, every request would wait on a fetch of its own.
        if (nowMs < this.#retryAtMs)
            return Promise.resolve(this.#endpoint ?? this.#lastError ?? 'discovery failed');
        this.#discovering = this.#fetchDiscovery()
            .then((found) => {
            const now = this.#o.clock.nowMs();
            if (typeof found === 'string') {
                this.#lastError = found;
                this.#retryAtMs = now + DISCOVERY_RETRY_MS;
                this.#o.log.warn({ deployment: this.stats.deployment, reason: found }, 'token introspection: discovery failed');
                // A document that served once keeps serving until the next fetch succeeds.
                return this.#endpoint ?? found;
            }
            this.#endpoint = found;
            this.#endpointUntilMs = now + this.#o.maxCacheMs;
            this.#lastError = null;
            return found;
        })
            .finally(() => (this.#discovering = null));
        return this.#discovering;
    }
    async #fetchDiscovery() {
        const uri = this.#o.discoveryUri;
        let body;
        try {
            const fetched = await (this.#o.fetchDocument ?? fetchJsonDocument)(uri, { timeoutMs: this.#o.timeoutMs, insecure: this.#o.isSslVerifyDisabled });
            if (fetched.status !== 200)
                return `discovery document ${uri}: unexpected 304`;
            body = fetched.body;
        }
        catch (err) {
            return `discovery document ${uri}: ${err.message}`;
        }
        if (body === null || typeof body !== 'object' || Array.isArray(body))
            return `discovery document ${uri} is not a JSON object`;
        const doc = body;
        const url = doc['introspection_endpoint'];
        if (typeof url !== 'string' || url === '')
            return `discovery document ${uri} names no introspection_endpoint`;
        const problem = secretUriProblem(url);
        if (problem !== null)
            return `introspection_endpoint ${url} ${problem}`;
        return { url, method: authMethodOf(doc) };
    }
    #logOnce(nowMs, reason) {
        // At most one line a minute: a policy without its secret would otherwise log per request.
        if (nowMs < this.#loggedAtMs)
            return;
        this.#loggedAtMs = nowMs + 60_000;
        this.#o.log.error({ deployment: this.stats.deployment, reason }, 'token introspection: client secret unavailable');
    }
    #done(verdict, nowMs) {
        this.stats.record(verdict.reason, nowMs);
        return verdict;
    }
}
/**
 * Builds the policy for a REMOTE_DISCOVERY validation policy with `clientDetails` at `path` (the
 * validation policy's path). The secret is resolved here, at load and on every reload; an
 * unresolved one is a warning (the policy still loads, and answers 503 with the reason), so one
 * deployment's missing secret does not keep the others from serving.
 */
export function compileIntrospection(source, path, ctx, secrets, rest) {
    const uri = source.sourceUriDetails.uri;
    const insecure = source.isSslVerifyDisabled === true;
    const problem = keyUriProblem(uri, insecure);
    if (problem !== null) {
        ctx.issue(`${path}.sourceUriDetails.uri`, problem);
        return null;
    }
    const secret = resolveSecret(secrets, source.clientDetails.clientSecretId, ctx.baseDir);
    if ('missing' in secret)
        ctx.warn(`${path}.clientDetails.clientSecretId`, `${secret.missing}: this policy answers 503 until it resolves`);
    const policy = new IntrospectionAuthenticator({
        ...rest,
        policyStats: introspectionStats(ctx.registry, rest.stats.deployment, path),
        discoveryUri: uri,
        clientId: source.clientDetails.clientId,
        secret,
        isSslVerifyDisabled: insecure,
        maxCacheMs: (source.maxCacheDurationInHours ?? 1) * 3_600_000,
        log: ctx.log,
        offline: ctx.offline === true,
        ...(ctx.fetchDocument !== undefined ? { fetchDocument: ctx.fetchDocument } : {}),
    });
    registerLive(ctx.registry, LIVE_INTROSPECTION, policy);
    return policy;
}
