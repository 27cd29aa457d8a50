/**
 * Failures of HTTP backends by origin and kind, counted in plain numbers and turned into the
 * `gatehouse_upstream_errors_total` series at scrape time. The counts belong to the gateway's
 * SharedRegistry: an origin that a reload removes takes its series with it.
 */
import type { SharedRegistry } from '../lib/shared_registry.ts';
import { scrapedMetric, useScrapedMetrics } from '../lib/scraped_metrics.ts';

export class UpstreamErrors {
  readonly origin: string;
  readonly byKind = new Map<string, number>();

  constructor(origin: string) {
    this.origin = origin;
  }

  inc(kind: string): void {
    this.byKind.set(kind, (this.byKind.get(kind) ?? 0) + 1);
  }
}

const PREFIX = 'stats:upstream:';
const NAME = 'gatehouse_upstream_errors_total';

/** The error counts of `origin` in `registry`, kept while a plan proxies to it. */
export function upstreamErrors(registry: SharedRegistry, origin: string): UpstreamErrors {
  useScrapedMetrics(registry, 'upstream', () => [
    scrapedMetric(NAME, 'HTTP backend failures by origin and kind (connect_refused, connect_timeout, read_timeout, send_timeout, response_broken, ...).', 'counter', () =>
      registry.list<UpstreamErrors>(PREFIX).flatMap((u) => [...u.byKind].map(([kind, value]) => ({ labels: { origin: u.origin, kind }, value }))),
    ),
  ]);
  return registry.acquire(`${PREFIX}${origin}`, () => new UpstreamErrors(origin), () => undefined);
}
