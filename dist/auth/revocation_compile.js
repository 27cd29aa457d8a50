import { useScrapedMetrics } from '../lib/scraped_metrics.js';
import { RevocationList } from './revocation.js';
/** Registry key of the list. */
export const REVOCATIONS_KEY = 'revocations:list';
/** The ExpiringSet name the list uses on a shared store. */
export const REVOCATIONS_SET = 'revocations';
/** This process's list (created on first use). Every compile acquires it, so it survives reloads. */
export function revocationList(ctx) {
    const list = ctx.registry.acquire(REVOCATIONS_KEY, () => new RevocationList({ log: ctx.log }), (l) => l.close());
    useScrapedMetrics(ctx.registry, 'revocations', () => [sizeGauge(list)]);
    return list;
}
/** The live list, for the admin API; null before the first plan was compiled. */
export function liveRevocationList(registry) {
    return registry.list(REVOCATIONS_KEY)[0] ?? null;
}
/** `/admin/auth`'s summary of the list: how many entries, and the shared store's state (null without one). */
export function revocationSummary(registry) {
    const list = liveRevocationList(registry);
    if (list === null)
        return null;
    list.sweep();
    return { count: list.size, shared: list.syncState() };
}
const ids = new WeakMap();
let nextId = 0;
const idOf = (o) => ids.get(o) ?? (ids.set(o, ++nextId), nextId);
/**
 * Acquires the list for a plan and, when `store` shares state between gateways (Redis), links the
 * list to it. Called once per compile (config/compile.ts), with the plan's counters store when the
 * configuration names `state.redis`, else null. An offline compile (`validate`) links nothing.
 */
export function compileRevocations(ctx, store) {
    const list = revocationList(ctx);
    const set = ctx.offline === true || store === null ? undefined : store.expiringSet?.(REVOCATIONS_SET);
    if (set !== undefined) {
        const target = store.health().target;
        ctx.registry.acquire(`revocations:link:${idOf(set)}`, () => list.attach(set, target), (detach) => detach());
    }
    return list;
}
/**
 * `gatehouse_auth_revoked_tokens`: entries on the list. Under `--workers` every worker holds the
 * same list, so the primary aggregates with max, not sum.
 */
function sizeGauge(list) {
    const name = 'gatehouse_auth_revoked_tokens';
    const help = 'Tokens on the revocation list (by jti), kept until an hour after their exp.';
    // A scrape sweeps first, so the gauge does not count entries whose time is up.
    const sample = () => (list.sweep(), { name, help, type: 'gauge', aggregator: 'max', values: [{ labels: {}, value: list.size }] });
    return { name, help, type: 'gauge', aggregator: 'max', get: async () => sample() };
}
