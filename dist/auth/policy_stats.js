import { scrapedMetric, useScrapedMetrics } from '../lib/scraped_metrics.js';
import { SelectionCounts } from '../lib/selection_counts.js';
/** What an authorizer function call ended in (its index in `PolicyStats.calls`). */
export const AUTHORIZER_RESULTS = ['allow', 'deny', 'malformed', 'error', 'timeout'];
export const AUTHORIZER_ALLOW = 0;
export const AUTHORIZER_DENY = 1;
export const AUTHORIZER_MALFORMED = 2;
export const AUTHORIZER_ERROR = 3;
export const AUTHORIZER_TIMEOUT = 4;
/**
 * What an introspection ended in (its index in `PolicyStats.calls`): the provider said
 * active, inactive, or no usable answer came (discovery failed, the call failed, a malformed answer).
 */
export const INTROSPECTION_RESULTS = ['active', 'inactive', 'error'];
export const INTROSPECTION_ACTIVE = 0;
export const INTROSPECTION_INACTIVE = 1;
export const INTROSPECTION_ERROR = 2;
/** Counters of one policy: calls by result and its answer cache's lookups. */
export class PolicyStats {
    deployment;
    /** Config path of the policy (which server of a dynamicAuthentication, for instance). */
    path;
    calls;
    cacheHits = 0;
    cacheMisses = 0;
    constructor(deployment, path, results) {
        this.deployment = deployment;
        this.path = path;
        this.calls = new Float64Array(results);
    }
}
const AUTHORIZER = 'stats:authorizer:';
const INTROSPECTION = 'stats:introspection:';
const DYNAMIC = 'stats:dynamic-auth:';
export const LIVE_AUTHORIZERS = 'live:authorizer:';
export const LIVE_INTROSPECTION = 'live:introspection:';
let liveSeq = 0;
/**
 * Registers `policy` as compiled by the plan being built (see the header), for `/admin/auth`. Its
 * key is new every time, so the entry lives exactly as long as that plan.
 */
export function registerLive(registry, prefix, policy) {
    registry.acquire(`${prefix}${++liveSeq}`, () => policy, () => undefined);
}
/** The counters of the authorizer policy at `path` of `deployment`; registers the authorizer metrics. */
export function authorizerStats(registry, deployment, path) {
    useScrapedMetrics(registry, 'authorizer', () => [
        callMetric(registry, AUTHORIZER, 'gatehouse_authorizer_calls_total', 'Authorizer function calls (CUSTOM_AUTHENTICATION) by deployment and result.', AUTHORIZER_RESULTS),
        cacheMetric(registry, AUTHORIZER, 'gatehouse_authorizer_cache_total', 'Authorizer answer-cache lookups by deployment and result (hit: the function was not called).'),
        entriesMetric(registry, LIVE_AUTHORIZERS, 'gatehouse_authorizer_cache_entries', 'Allows held in the authorizer caches of the plan in service, by deployment.'),
    ]);
    return registry.acquire(`${AUTHORIZER}${deployment}\0${path}`, () => new PolicyStats(deployment, path, AUTHORIZER_RESULTS.length), () => undefined);
}
/** The counters of the introspection policy at `path` of `deployment`; registers the introspection metrics. */
export function introspectionStats(registry, deployment, path) {
    useScrapedMetrics(registry, 'introspection', () => [
        callMetric(registry, INTROSPECTION, 'gatehouse_introspection_calls_total', 'Token introspections (RFC 7662) by deployment and result (active, inactive, error: no usable answer).', INTROSPECTION_RESULTS),
        cacheMetric(registry, INTROSPECTION, 'gatehouse_introspection_cache_total', 'Introspection answer-cache lookups by deployment and result (hit: the provider was not asked).'),
        entriesMetric(registry, LIVE_INTROSPECTION, 'gatehouse_introspection_cache_entries', 'Answers held in the introspection caches of the plan in service, by deployment.'),
    ]);
    return registry.acquire(`${INTROSPECTION}${deployment}\0${path}`, () => new PolicyStats(deployment, path, INTROSPECTION_RESULTS.length), () => undefined);
}
/** The selection counters of `deployment`'s dynamicAuthentication; registers their metrics. */
export function dynamicAuthenticationStats(registry, deployment) {
    useScrapedMetrics(registry, 'dynamic-auth', () => {
        const all = () => registry.list(DYNAMIC);
        return [
            scrapedMetric('gatehouse_dynamic_authentication_selections_total', 'dynamicAuthentication: requests handed to each authentication server, by deployment and server key name.', 'counter', () => all().flatMap((s) => s.entries().map(([server, count]) => ({ labels: { deployment: s.owner, server }, value: count })))),
            scrapedMetric('gatehouse_dynamic_authentication_unmatched_total', 'dynamicAuthentication: requests no server matched and no default took (401 server_unmatched), by deployment.', 'counter', () => all().map((s) => ({ labels: { deployment: s.owner }, value: s.unmatched }))),
        ];
    });
    return registry.acquire(`${DYNAMIC}${deployment}`, () => new SelectionCounts(deployment), () => undefined);
}
/** Every deployment's dynamicAuthentication selections, for `/admin/auth`. */
export function dynamicAuthenticationSummary(registry) {
    return registry.list(DYNAMIC).map((s) => ({ deployment: s.owner, ...s.summary() }));
}
/** `calls` by result name, for `/admin/auth`. */
export function callsByResult(stats, results) {
    const out = {};
    results.forEach((r, i) => (out[r] = stats.calls[i] ?? 0));
    return out;
}
/** Sums the policies of one deployment: two authorizer servers of one deployment are one series. */
function byDeployment(all, value) {
    const sums = new Map();
    for (const s of all)
        sums.set(s.deployment, (sums.get(s.deployment) ?? 0) + value(s));
    return sums;
}
function callMetric(registry, prefix, name, help, results) {
    return scrapedMetric(name, help, 'counter', () => {
        const all = registry.list(prefix);
        const out = [];
        results.forEach((result, i) => {
            for (const [deployment, value] of byDeployment(all, (s) => s.calls[i] ?? 0))
                out.push({ labels: { deployment, result }, value });
        });
        return out;
    });
}
function cacheMetric(registry, prefix, name, help) {
    return scrapedMetric(name, help, 'counter', () => {
        const all = registry.list(prefix);
        const out = [];
        for (const [deployment, value] of byDeployment(all, (s) => s.cacheHits))
            out.push({ labels: { deployment, result: 'hit' }, value });
        for (const [deployment, value] of byDeployment(all, (s) => s.cacheMisses))
            out.push({ labels: { deployment, result: 'miss' }, value });
        return out;
    });
}
function entriesMetric(registry, livePrefix, name, help) {
    return scrapedMetric(name, help, 'gauge', () => {
        const sums = new Map();
        for (const p of registry.list(livePrefix))
            sums.set(p.policyStats.deployment, (sums.get(p.policyStats.deployment) ?? 0) + p.cacheSize);
        return [...sums].map(([deployment, value]) => ({ labels: { deployment }, value }));
    });
}
