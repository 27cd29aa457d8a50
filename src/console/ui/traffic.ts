/**
 * Per-route traffic from two successive `/metrics` readings: request rate by status class and
 * latency (mean and p95 from the histogram's bucket deltas, as PromQL's `histogram_quantile` does).
 * The gateway exports cumulative counters only; rates are what an operator reads, so the console
 * keeps the last readings and differentiates them itself.
 */
import { samplesOf, type Samples } from './prometheus.ts';

export const STATUS_CLASSES = ['2xx', '3xx', '4xx', '5xx'] as const;
export type StatusClass = (typeof STATUS_CLASSES)[number];

/** Cumulative counters of one route (deployment + route pattern, every method). */
export interface RouteTotals {
  requests: number;
  byClass: Record<StatusClass, number>;
  durationSumSec: number;
  durationCount: number;
  /** Cumulative histogram buckets, ascending `le` (seconds), `+Inf` last. */
  buckets: { le: number; count: number }[];
}

/** Rates over one interval between two readings. */
export interface RoutePoint {
  /** Reading time, seconds since the epoch (uPlot's x unit). */
  t: number;
  ratePerSec: number;
  rateByClass: Record<StatusClass, number>;
  /** Mean latency over the interval, ms; null without requests. */
  meanMs: number | null;
  /** 95th percentile over the interval, ms; null without requests. */
  p95Ms: number | null;
}

/** Key of a route in every map here: the deployment and the route pattern the metrics carry. */
export function routeKey(deployment: string, route: string): string {
  return `${deployment} ${route}`;
}

function emptyTotals(): RouteTotals {
  return { requests: 0, byClass: { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 }, durationSumSec: 0, durationCount: 0, buckets: [] };
}

function classOf(status: string): StatusClass | null {
  const c = `${status.charAt(0)}xx`;
  return (STATUS_CLASSES as readonly string[]).includes(c) ? (c as StatusClass) : null;
}

/** Sums `gatehouse_http_requests_total` and the duration histogram per route. */
export function routeTotals(samples: Samples): Map<string, RouteTotals> {
  const out = new Map<string, RouteTotals>();
  const get = (l: Record<string, string>): RouteTotals => {
    const key = routeKey(l['deployment'] ?? '', l['route'] ?? '');
    let t = out.get(key);
    if (t === undefined) out.set(key, (t = emptyTotals()));
    return t;
  };
  for (const s of samplesOf(samples, 'gatehouse_http_requests_total')) {
    const t = get(s.labels);
    t.requests += s.value;
    const c = classOf(s.labels['status'] ?? '');
    if (c !== null) t.byClass[c] += s.value;
  }
  for (const s of samplesOf(samples, 'gatehouse_http_request_duration_seconds_sum')) get(s.labels).durationSumSec += s.value;
  for (const s of samplesOf(samples, 'gatehouse_http_request_duration_seconds_count')) get(s.labels).durationCount += s.value;
  for (const s of samplesOf(samples, 'gatehouse_http_request_duration_seconds_bucket')) {
    const le = s.labels['le'] === '+Inf' ? Infinity : Number(s.labels['le']);
    if (!Number.isNaN(le)) get(s.labels).buckets.push({ le, count: s.value });
  }
  for (const t of out.values()) t.buckets.sort((a, b) => a.le - b.le);
  return out;
}

/** `cur - prev`, or `cur` when the counter went down (the gateway restarted and counts from zero). */
function delta(cur: number, prev: number | undefined): number {
  return prev === undefined || cur < prev ? cur : cur - prev;
}

/**
 * The `q` quantile of a cumulative histogram, interpolated linearly inside its bucket as
 * Prometheus does; the `+Inf` bucket answers the highest finite bound. Null when empty.
 */
export function quantile(q: number, buckets: { le: number; count: number }[]): number | null {
  const total = buckets.at(-1)?.count ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of buckets) {
    if (b.count >= rank) {
      if (b.le === Infinity) return prevLe;
      const inBucket = b.count - prevCount;
      return inBucket <= 0 ? b.le : prevLe + ((b.le - prevLe) * (rank - prevCount)) / inBucket;
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return prevLe;
}

/** The rates between two readings `dtSec` apart (`prev` undefined: the route is new, counted from zero). */
export function routePoint(tSec: number, dtSec: number, cur: RouteTotals, prev: RouteTotals | undefined): RoutePoint {
  const restarted = prev !== undefined && cur.requests < prev.requests;
  const base = restarted ? undefined : prev;
  const per = (n: number) => (dtSec > 0 ? n / dtSec : 0);
  const rateByClass = { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 };
  for (const c of STATUS_CLASSES) rateByClass[c] = per(delta(cur.byClass[c], base?.byClass[c]));
  const count = delta(cur.durationCount, base?.durationCount);
  const sum = delta(cur.durationSumSec, base?.durationSumSec);
  const prevBuckets = new Map((base?.buckets ?? []).map((b) => [b.le, b.count]));
  const bucketDeltas = cur.buckets.map((b) => ({ le: b.le, count: delta(b.count, prevBuckets.get(b.le)) }));
  const p95 = count > 0 ? quantile(0.95, bucketDeltas) : null;
  return {
    t: tSec,
    ratePerSec: per(delta(cur.requests, base?.requests)),
    rateByClass,
    meanMs: count > 0 ? (sum / count) * 1000 : null,
    p95Ms: p95 === null ? null : p95 * 1000,
  };
}

/**
 * The last `capacity` readings' rates per route. `push` takes a reading's time (ms) and samples;
 * the first reading only sets the baseline (rates need two).
 */
export class TrafficHistory {
  readonly points = new Map<string, RoutePoint[]>();
  latest = new Map<string, RouteTotals>();
  private lastMs: number | null = null;
  private readonly capacity: number;

  constructor(capacity = 60) {
    this.capacity = capacity;
  }

  push(nowMs: number, samples: Samples): void {
    const totals = routeTotals(samples);
    if (this.lastMs !== null) {
      const dtSec = (nowMs - this.lastMs) / 1000;
      for (const [key, cur] of totals) {
        let list = this.points.get(key);
        if (list === undefined) this.points.set(key, (list = []));
        list.push(routePoint(nowMs / 1000, dtSec, cur, this.latest.get(key)));
        if (list.length > this.capacity) list.splice(0, list.length - this.capacity);
      }
    }
    this.latest = totals;
    this.lastMs = nowMs;
  }
}
