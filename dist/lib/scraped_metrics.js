/** A metric whose samples are computed at scrape time from plain numbers. */
export function scrapedMetric(name, help, type, values) {
    return { name, help, type, aggregator: 'sum', get: async () => ({ name, help, type, aggregator: 'sum', values: values() }) };
}
/**
 * Registers the metrics that `create()` builds on `registry`'s Prometheus registry, once per
 * `metrics:${key}` resource: they stay registered while a plan acquires the key, and a reload that
 * no longer does unregisters them with it.
 */
export function useScrapedMetrics(registry, key, create) {
    registry.acquire(`metrics:${key}`, () => {
        const metrics = create();
        for (const m of metrics)
            registry.metrics.registerMetric(m);
        return metrics.map((m) => m.name);
    }, (names) => {
        for (const n of names)
            registry.metrics.removeSingleMetric(n);
    });
}
