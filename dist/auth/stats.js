import { ALL_REASONS } from './verdicts.js';
import { scrapedMetric, useScrapedMetrics } from '../lib/scraped_metrics.js';
const REASON_INDEX = new Map(ALL_REASONS.map((r, i) => [r, i]));
export function outcomeOf(reason) {
    if (reason === 'ok' || reason === 'anonymous')
        return 'allowed';
    if (reason === 'scope_insufficient')
        return 'forbidden';
    if (reason === 'keys_unavailable' || reason === 'introspection_unavailable')
        return 'unavailable';
    return 'denied';
}
/** Most recent failures kept for the admin API. */
export const RECENT_FAILURES_MAX = 100;
/** The last RECENT_FAILURES_MAX failures of one gateway, over all its deployments. */
class RecentFailures {
    ring = new Array(RECENT_FAILURES_MAX);
    next = 0;
    push(r) {
        this.ring[this.next] = r;
        this.next = (this.next + 1) % RECENT_FAILURES_MAX;
    }
    newestFirst() {
        const out = [];
        for (let n = 1; n <= RECENT_FAILURES_MAX; n++) {
            const r = this.ring[(this.next - n + RECENT_FAILURES_MAX) % RECENT_FAILURES_MAX];
            if (r === undefined)
                break;
            out.push(r);
        }
        return out;
    }
}
export class AuthStats {
    deployment;
    /** Decisions by reason index (ALL_REASONS order). */
    counts = new Float64Array(ALL_REASONS.length);
    cacheHits = 0;
    cacheMisses = 0;
    #recent;
    constructor(deployment, recent = new RecentFailures()) {
        this.deployment = deployment;
        this.#recent = recent;
    }
    /** A request allowed from the decision cache: the hot path, two increments. */
    hit() {
        this.cacheHits++;
        this.counts[0]++;
    }
    record(reason, nowMs) {
        const i = REASON_INDEX.get(reason) ?? 0;
        this.counts[i]++;
        if (i > 1)
            this.#recent.push({ at: nowMs, deployment: this.deployment, reason });
    }
}
const STATS = 'stats:auth:';
const RECENT = 'stats:auth-recent';
/**
 * The stats of `deployment` in `registry`: kept while a plan authenticates that deployment. The
 * first call also registers the decision metrics on the registry's Prometheus registry.
 */
export function authStats(registry, deployment) {
    const recent = registry.acquire(RECENT, () => new RecentFailures(), () => undefined);
    useScrapedMetrics(registry, 'auth', () => decisionMetrics(registry));
    return registry.acquire(`${STATS}${deployment}`, () => new AuthStats(deployment, recent), () => undefined);
}
/** Recent failures, newest first, and totals by reason over all deployments. */
export function failureSummary(registry) {
    const recent = registry.list(RECENT)[0];
    const list = (recent?.newestFirst() ?? []).map((r) => ({ at: new Date(r.at).toISOString(), deployment: r.deployment, reason: r.reason }));
    const byReason = {};
    for (const s of registry.list(STATS)) {
        for (let i = 2; i < ALL_REASONS.length; i++) {
            const c = s.counts[i] ?? 0;
            if (c > 0)
                byReason[ALL_REASONS[i]] = (byReason[ALL_REASONS[i]] ?? 0) + c;
        }
    }
    return { recentFailures: list, failuresByReason: byReason };
}
/** Per-deployment decision totals for the admin API. */
export function decisionSummary(registry) {
    const out = {};
    for (const s of registry.list(STATS)) {
        const reasons = {};
        s.counts.forEach((c, i) => {
            if (c > 0)
                reasons[ALL_REASONS[i]] = c;
        });
        out[s.deployment] = { reasons, cacheHits: s.cacheHits, cacheMisses: s.cacheMisses };
    }
    return out;
}
function decisionMetrics(registry) {
    const all = () => registry.list(STATS);
    return [
        scrapedMetric('gatehouse_auth_decisions_total', 'Authentication and authorization decisions by deployment, outcome and reason.', 'counter', () => {
            const out = [];
            for (const s of all()) {
                s.counts.forEach((c, i) => {
                    const reason = ALL_REASONS[i];
                    if (c > 0)
                        out.push({ labels: { deployment: s.deployment, outcome: outcomeOf(reason), reason }, value: c });
                });
            }
            return out;
        }),
        scrapedMetric('gatehouse_auth_decision_cache_total', 'Decision-cache lookups by deployment and result (hit: no signature verified).', 'counter', () => all().flatMap((s) => [
            { labels: { deployment: s.deployment, result: 'hit' }, value: s.cacheHits },
            { labels: { deployment: s.deployment, result: 'miss' }, value: s.cacheMisses },
        ])),
    ];
}
/**
 * Registers the JWKS metrics on `registry`'s Prometheus registry, once; they read `stores()` at
 * scrape time. Kept while a plan uses a remote key store.
 */
export function useJwksMetrics(registry, stores) {
    useScrapedMetrics(registry, 'jwks', () => jwksMetrics(stores));
}
function jwksMetrics(stores) {
    return [
        scrapedMetric('gatehouse_jwks_fetches_total', 'JWKS fetches by URI and result (ok, not_modified, failed).', 'counter', () => stores().flatMap((s) => [
            { labels: { uri: s.label, result: 'ok' }, value: s.stats.fetches - s.stats.failures - s.stats.notModified },
            { labels: { uri: s.label, result: 'not_modified' }, value: s.stats.notModified },
            { labels: { uri: s.label, result: 'failed' }, value: s.stats.failures },
        ])),
        scrapedMetric('gatehouse_jwks_kid_miss_refetches_total', 'JWKS fetches caused by a token naming an unknown kid (at most one per cooldown).', 'counter', () => stores().map((s) => ({ labels: { uri: s.label }, value: s.stats.missRefetches }))),
        scrapedMetric('gatehouse_jwks_keys', 'Usable keys in each JWKS.', 'gauge', () => stores().map((s) => ({ labels: { uri: s.label }, value: s.keyCount() }))),
        scrapedMetric('gatehouse_jwks_age_seconds', 'Seconds since the last good JWKS fetch (-1: never).', 'gauge', () => {
            const now = Date.now();
            return stores().map((s) => ({ labels: { uri: s.label }, value: s.ageSeconds(now) }));
        }),
    ];
}
