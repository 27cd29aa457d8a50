/**
 * Deployment rate limiting (OCI `requestPolicies.rateLimiting`, deployment level only): at most
 * `rateInRequestsPerSecond` requests per second for the whole deployment (`TOTAL`) or per client
 * address (`CLIENT_IP`; IPv6 clients by their /64, as OCI documents). It runs before
 * authentication, so an unauthenticated flood is refused before any token is verified.
 *
 * Counting is the shared store's (state/): a fixed one-second window per key that starts at the
 * key's first hit, in this process, across `--workers` workers, or across instances through Redis.
 * Over the limit → 429 with `Retry-After` and the IETF RateLimit fields (limitHeaders). A store
 * that cannot count lets the request through (fail open, as Kong's `fault_tolerant` default): a
 * Redis outage must not take the API down with it; the outage is counted and logged instead.
 *
 * The request path: one key (the deployment's constant, or clientKey of the address), one
 * `consume`, and handlers bound at compile time. An allowed request gets no extra headers; the
 * refusal for a one-second window is built once.
 */
import { clientKey } from '../lib/client_ip.js';
import { coarseClock } from '../lib/clock.js';
import { object } from '../lib/json_schema.js';
import { scrapedMetric, useScrapedMetrics } from '../lib/scraped_metrics.js';
/** Largest `rateInRequestsPerSecond` accepted. OCI documents no maximum; beyond this a limit protects nothing. */
export const MAX_RATE_PER_SECOND = 1_000_000;
/** JSON-schema fragment for `requestPolicies.rateLimiting` (deployment level), OCI's RateLimitingPolicy. */
export const rateLimitingSchema = {
    ...object({
        rateInRequestsPerSecond: {
            type: 'integer',
            minimum: 1,
            maximum: MAX_RATE_PER_SECOND,
            description: `Requests allowed per second (1 to ${MAX_RATE_PER_SECOND}); more in the same second get 429 with Retry-After.`,
        },
        rateKey: {
            // OCI's SDKs map the lower-case spellings onto the enum, so specifications written through
            // them may carry either; mixed case is refused as the typo it most likely is.
            enum: ['CLIENT_IP', 'TOTAL', 'client_ip', 'total'],
            description: 'CLIENT_IP: the rate applies to each client address (IPv6 clients by their /64; see server.trustedProxies for clients behind a proxy). ' +
                'TOTAL: the rate applies to all clients together. The lower-case spellings are accepted too.',
        },
    }, ['rateInRequestsPerSecond', 'rateKey']),
    description: "Rate limit for every route of the deployment, checked before authentication (OCI's RateLimitingPolicy).",
};
/** The reason a refusal carries to the access log. */
export const RATE_LIMITED_REASON = 'rate_limited';
/** The policy name in the RateLimit-Policy and RateLimit fields: OCI's name for the policy. */
const POLICY_NAME = 'rateLimiting';
/** At most one "store unreachable" warning per deployment this often. */
const FAIL_OPEN_WARN_INTERVAL_MS = 30_000;
/** What one deployment's limit counted, kept in the gateway's SharedRegistry across reloads. */
export class RateLimitStats {
    deployment;
    /** Requests refused with 429. */
    limited = 0;
    /** Requests let through because the store could not count them. */
    failOpen = 0;
    /** When the last fail-open warning was logged (ms since the epoch); warnings are throttled per deployment. */
    lastWarnMs = Number.NEGATIVE_INFINITY;
    constructor(deployment) {
        this.deployment = deployment;
    }
}
const STATS_PREFIX = 'stats:rate_limit:';
/** The counts of `deployment`'s limit; the first call registers the two metrics on the registry. */
export function rateLimitStats(registry, deployment) {
    useScrapedMetrics(registry, 'rate_limit', () => {
        const all = () => registry.list(STATS_PREFIX);
        return [
            scrapedMetric('gatehouse_rate_limited_total', 'Requests refused with 429 by the deployment rate limit (rateLimiting), by deployment.', 'counter', () => all().map((s) => ({ labels: { deployment: s.deployment }, value: s.limited }))),
            scrapedMetric('gatehouse_rate_limit_fail_open_total', 'Requests let through uncounted because the shared store (Redis) could not be reached, by deployment.', 'counter', () => all().map((s) => ({ labels: { deployment: s.deployment }, value: s.failOpen }))),
        ];
    });
    return registry.acquire(`${STATS_PREFIX}${deployment}`, () => new RateLimitStats(deployment), () => undefined);
}
/** A header value as an RFC 9651 String: printable ASCII, `"` and `\` escaped, anything else `?`. */
function sfString(text) {
    return `"${text.replace(/[^\x20-\x7e]/g, '?').replace(/["\\]/g, '\\$&')}"`;
}
/**
 * `Retry-After` (RFC 9110 §10.2.3, whole seconds, at least 1) and the RateLimit-Policy and
 * RateLimit fields of draft-ietf-httpapi-ratelimit-headers-10 for a refused request: the policy's
 * quota `limit` per `windowSeconds`, and what `c` says remains and when the window ends. Shared with
 * usage plans; `policyName` is written as a Structured Field String.
 */
export function limitHeaders(policyName, limit, windowSeconds, c) {
    // The draft: Retry-After must not name a time before the reset, so both round the same way, up.
    const retryAfterSec = Math.max(1, Math.ceil(c.resetMs / 1000));
    const name = sfString(policyName);
    return {
        'Retry-After': String(retryAfterSec),
        'RateLimit-Policy': `${name};q=${limit};w=${windowSeconds}`,
        RateLimit: `${name};r=${c.remaining};t=${retryAfterSec}`,
    };
}
class DeploymentRateLimit {
    #counters;
    #spec;
    /** TOTAL: the one key every request counts under; CLIENT_IP: null (the client's key). */
    #totalKey;
    #stats;
    #ctx;
    #clock;
    /** The refusal when the window ends within a second, which a one-second window always does. */
    #refusedForOneSecond;
    #onConsumed;
    #onStoreFailure;
    constructor(counters, spec, perClient, stats, ctx, clock) {
        this.#counters = counters;
        this.#spec = spec;
        this.#totalKey = perClient ? null : 'total';
        this.#stats = stats;
        this.#ctx = ctx;
        this.#clock = clock;
        this.#refusedForOneSecond = this.#refusal({ allowed: false, remaining: 0, resetMs: 1000 });
        // Bound once so a request allocates no handler closures.
        this.#onConsumed = (c) => {
            if (c.allowed)
                return null;
            this.#stats.limited++;
            return c.resetMs <= 1000 ? this.#refusedForOneSecond : this.#refusal(c);
        };
        this.#onStoreFailure = (err) => {
            this.#failedOpen(err);
            return null;
        };
    }
    admit(ctx) {
        let counted;
        try {
            counted = this.#counters.consume(this.#spec, this.#totalKey ?? clientKey(ctx.clientIp));
        }
        catch (err) {
            // A store that throws instead of rejecting still must not fail the request.
            return this.#onStoreFailure(err);
        }
        // The in-process store answers at once: decided without a Promise.
        return counted instanceof Promise ? counted.then(this.#onConsumed, this.#onStoreFailure) : this.#onConsumed(counted);
    }
    #refusal(c) {
        return {
            status: 429,
            message: 'Too Many Requests',
            reason: RATE_LIMITED_REASON,
            headers: limitHeaders(POLICY_NAME, this.#spec.points, this.#spec.windowSeconds, { allowed: false, remaining: 0, resetMs: c.resetMs }),
        };
    }
    #failedOpen(err) {
        const stats = this.#stats;
        stats.failOpen++;
        const nowMs = this.#clock.nowMs();
        if (nowMs - stats.lastWarnMs < FAIL_OPEN_WARN_INTERVAL_MS)
            return;
        stats.lastWarnMs = nowMs;
        this.#ctx.log.warn({ deployment: stats.deployment, err: err instanceof Error ? err.message : String(err), failOpenTotal: stats.failOpen }, 'rate limit not counted: the shared store did not answer, so requests are let through (at most one warning every 30 s)');
    }
}
/**
 * Compiles a schema-valid `rateLimiting` object of deployment `deployment` (its name, which also
 * names its counters in the store, so instances sharing a Redis share the limit); null when there
 * is none. `clock` times the throttled fail-open warning (default the coarse clock).
 */
export function compileRateLimit(config, path, deployment, counters, ctx, clock = coarseClock) {
    if (config === undefined)
        return null;
    const { rateInRequestsPerSecond: rate, rateKey } = config;
    if (!Number.isInteger(rate) || rate < 1 || rate > MAX_RATE_PER_SECOND) {
        ctx.issue(`${path}.rateInRequestsPerSecond`, `must be an integer from 1 to ${MAX_RATE_PER_SECOND}`);
        return null;
    }
    const perClient = rateKey === 'CLIENT_IP' || rateKey === 'client_ip';
    // The rate is part of the name: a store keeps a limiter's settings under its name (LimitSpec).
    const spec = { name: `rl:${deployment}:${rate}:${perClient ? 'ip' : 'total'}`, points: rate, windowSeconds: 1 };
    return new DeploymentRateLimit(counters.counters, spec, perClient, rateLimitStats(ctx.registry, deployment), ctx, clock);
}
