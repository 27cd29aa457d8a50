/**
 * DYNAMIC_ROUTING_BACKEND at request time: hands the request to the backend its selector chose.
 * The selector and the backends it chooses among (HTTP, functions, stock) are compiled once by
 * policies/selection.ts (compileDynamicRouting); this only dispatches. No matching backend and no
 * default → 404 (our choice: OCI's routing page does not say; docs/oci-compatibility.md).
 *
 * Each choice is counted by route pattern and key name (bounded: both come from the config), and so
 * is no match: plain numbers here, Prometheus samples at scrape (lib/scraped_metrics.ts).
 */
import { sendError } from '../lib/respond.js';
import { scrapedMetric, useScrapedMetrics } from '../lib/scraped_metrics.js';
import { SelectionCounts } from '../lib/selection_counts.js';
const STATS = 'stats:dynamic-routing:';
/**
 * The choice counters of the dynamic routing on route `route` (its pattern), from `registry`: kept
 * while a plan routes that pattern dynamically. The first call registers the routing metrics.
 */
export function dynamicRoutingCounts(registry, route) {
    useScrapedMetrics(registry, 'dynamic-routing', () => {
        const all = () => registry.list(STATS);
        return [
            scrapedMetric('gatehouse_dynamic_routing_selections_total', 'DYNAMIC_ROUTING_BACKEND: requests handed to each backend, by route pattern and backend key name.', 'counter', () => all().flatMap((s) => s.entries().map(([backend, count]) => ({ labels: { route: s.owner, backend }, value: count })))),
            scrapedMetric('gatehouse_dynamic_routing_unmatched_total', 'DYNAMIC_ROUTING_BACKEND: requests no backend matched and no default took (404), by route pattern.', 'counter', () => all().map((s) => ({ labels: { route: s.owner }, value: s.unmatched }))),
        ];
    });
    return registry.acquire(`${STATS}${route}`, () => new SelectionCounts(route), () => undefined);
}
/** Every dynamically routed route's choices, for `/admin/auth`. */
export function dynamicRoutingSummary(registry) {
    return registry.list(STATS).map((s) => ({ route: s.owner, ...s.summary() }));
}
/**
 * A backend that runs whichever backend `select` picks for the request, or answers 404 when it
 * picks none. `candidates` names each backend `select` may answer by its key, for `counts`.
 */
export function createDynamicBackend(select, counts, candidates) {
    const chosen = new Map(candidates.map(([backend, name]) => [backend, counts.counter(name)]));
    return {
        type: 'DYNAMIC_ROUTING_BACKEND',
        handle: function dynamicRouting(rc) {
            const backend = select(rc);
            if (backend === null) {
                counts.unmatched++;
                sendError(rc.res, 404, 'Not Found');
                return;
            }
            const c = chosen.get(backend);
            if (c !== undefined)
                c.count++;
            return backend.handle(rc);
        },
    };
}
