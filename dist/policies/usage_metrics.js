import { scrapedMetric, useScrapedMetrics } from '../lib/scraped_metrics.js';
/** Outcomes of a request that reached an entitlement. */
export const USAGE_RESULTS = ['admitted', 'rate_limited', 'quota_exceeded', 'quota_exceeded_allowed', 'fail_open'];
/** Why a request got 403 before reaching an entitlement. */
export const USAGE_DENIALS = ['client_token_missing', 'client_token_unknown', 'client_not_entitled'];
/** The counts of one entitlement on one deployment. */
export class EntitlementStats {
    deployment;
    plan;
    entitlement;
    counts = { admitted: 0, rate_limited: 0, quota_exceeded: 0, quota_exceeded_allowed: 0, fail_open: 0 };
    constructor(deployment, plan, entitlement) {
        this.deployment = deployment;
        this.plan = plan;
        this.entitlement = entitlement;
    }
}
/** The 403s of one deployment's usage-plan policy. */
export class DenialStats {
    deployment;
    counts = { client_token_missing: 0, client_token_unknown: 0, client_not_entitled: 0 };
    constructor(deployment) {
        this.deployment = deployment;
    }
}
const ENTITLEMENT_PREFIX = 'stats:usage:';
const DENIAL_PREFIX = 'stats:usage-denied:';
function register(registry) {
    useScrapedMetrics(registry, 'usage', () => [
        scrapedMetric('gatehouse_usage_plan_requests_total', 'Requests that reached a usage-plan entitlement, by deployment, plan, entitlement and result (admitted, rate_limited, quota_exceeded, quota_exceeded_allowed, fail_open).', 'counter', () => {
            const out = [];
            for (const s of registry.list(ENTITLEMENT_PREFIX)) {
                for (const result of USAGE_RESULTS)
                    out.push({ labels: { deployment: s.deployment, plan: s.plan, entitlement: s.entitlement, result }, value: s.counts[result] });
            }
            return out;
        }),
        scrapedMetric('gatehouse_usage_plan_denied_total', 'Requests refused with 403 by a deployment\'s usage-plan policy, by deployment and reason (client_token_missing, client_token_unknown, client_not_entitled).', 'counter', () => {
            const out = [];
            for (const s of registry.list(DENIAL_PREFIX)) {
                for (const reason of USAGE_DENIALS)
                    out.push({ labels: { deployment: s.deployment, reason }, value: s.counts[reason] });
            }
            return out;
        }),
    ]);
}
export function entitlementStats(registry, deployment, plan, entitlement) {
    register(registry);
    return registry.acquire(`${ENTITLEMENT_PREFIX}${deployment}\0${plan}\0${entitlement}`, () => new EntitlementStats(deployment, plan, entitlement), () => undefined);
}
export function denialStats(registry, deployment) {
    register(registry);
    return registry.acquire(`${DENIAL_PREFIX}${deployment}`, () => new DenialStats(deployment), () => undefined);
}
/** How often, at most, a store failure is logged (each failed count is still counted as fail_open). */
const WARN_EVERY_MS = 30_000;
export function failOpenWarner(registry, log, nowMs) {
    return registry.acquire('usage:fail-open-warner', () => {
        let lastMs = -Infinity;
        let suppressed = 0;
        return {
            warn(err) {
                const now = nowMs();
                if (now - lastMs < WARN_EVERY_MS) {
                    suppressed++;
                    return;
                }
                log.warn({ err: err?.message ?? String(err), suppressed }, 'usage plans: shared state unreachable, letting requests through uncounted');
                lastMs = now;
                suppressed = 0;
            },
        };
    }, () => undefined);
}
