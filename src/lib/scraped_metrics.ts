/**
 * Prometheus metrics whose samples are computed when `/metrics` is scraped, from plain numbers that
 * the request path bumps (Envoy's stats.h): prom-client's labelled metrics hash a label object on
 * every call, which cost ~4% of a stock response in profiles.
 */
import type client from 'prom-client';
import type { SharedRegistry } from './shared_registry.ts';

export interface Sample {
  metricName?: string;
  labels: Record<string, string | number>;
  value: number;
}

export type ScrapedMetric = client.Metric & { readonly name: string };

/** A metric whose samples are computed at scrape time from plain numbers. */
export function scrapedMetric(name: string, help: string, type: 'counter' | 'gauge' | 'histogram', values: () => Sample[]): ScrapedMetric {
  return { name, help, type, aggregator: 'sum', get: async () => ({ name, help, type, aggregator: 'sum', values: values() }) } as unknown as ScrapedMetric;
}

/**
 * Registers the metrics that `create()` builds on `registry`'s Prometheus registry, once per
 * `metrics:${key}` resource: they stay registered while a plan acquires the key, and a reload that
 * no longer does unregisters them with it.
 */
export function useScrapedMetrics(registry: SharedRegistry, key: string, create: () => ScrapedMetric[]): void {
  registry.acquire(
    `metrics:${key}`,
    () => {
      const metrics = create();
      for (const m of metrics) registry.metrics.registerMetric(m);
      return metrics.map((m) => m.name);
    },
    (names) => {
      for (const n of names) registry.metrics.removeSingleMetric(n);
    },
  );
}
