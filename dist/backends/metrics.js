import { scrapedMetric, useScrapedMetrics } from '../lib/scraped_metrics.js';
export class UpstreamErrors {
    origin;
    byKind = new Map();
    constructor(origin) {
        this.origin = origin;
    }
    inc(kind) {
        this.byKind.set(kind, (this.byKind.get(kind) ?? 0) + 1);
    }
}
const PREFIX = 'stats:upstream:';
const NAME = 'gatehouse_upstream_errors_total';
/** The error counts of `origin` in `registry`, kept while a plan proxies to it. */
export function upstreamErrors(registry, origin) {
    useScrapedMetrics(registry, 'upstream', () => [
        scrapedMetric(NAME, 'HTTP backend failures by origin and kind (connect_refused, connect_timeout, read_timeout, send_timeout, response_broken, ...).', 'counter', () => registry.list(PREFIX).flatMap((u) => [...u.byKind].map(([kind, value]) => ({ labels: { origin: u.origin, kind }, value })))),
    ]);
    return registry.acquire(`${PREFIX}${origin}`, () => new UpstreamErrors(origin), () => undefined);
}
