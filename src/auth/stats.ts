/**
 * Counters of the auth stage: decisions by deployment, outcome and reason; decision-cache hits and
 * misses; JWKS fetches, failures, key counts and age; and a bounded list of recent failures.
 *
 * The request path only bumps plain numbers (Envoy's stats.h); the Prometheus samples are computed
 * when `/metrics` is scraped, so a cached decision costs no label hashing. All of it belongs to one
 * gateway's SharedRegistry: a deployment's counters survive a reload that keeps the deployment and
 * disappear with one that removes it, and two gateways in one process count apart.
 */
import type { AuthReason } from './types.ts';
import { ALL_REASONS } from './verdicts.ts';
import type { SharedRegistry } from '../lib/shared_registry.ts';
import { scrapedMetric, useScrapedMetrics, type Sample, type ScrapedMetric } from '../lib/scraped_metrics.ts';

const REASON_INDEX = new Map<AuthReason, number>(ALL_REASONS.map((r, i) => [r, i]));

export function outcomeOf(reason: AuthReason): 'allowed' | 'denied' | 'forbidden' | 'unavailable' {
  if (reason === 'ok' || reason === 'anonymous') return 'allowed';
  if (reason === 'scope_insufficient') return 'forbidden';
  if (reason === 'keys_unavailable' || reason === 'introspection_unavailable') return 'unavailable';
  return 'denied';
}

/** Most recent failures kept for the admin API. */
export const RECENT_FAILURES_MAX = 100;

interface FailureRecord {
  at: number;
  deployment: string;
  reason: AuthReason;
}

/** The last RECENT_FAILURES_MAX failures of one gateway, over all its deployments. */
class RecentFailures {
  readonly ring: (FailureRecord | undefined)[] = new Array(RECENT_FAILURES_MAX);
  next = 0;

  push(r: FailureRecord): void {
    this.ring[this.next] = r;
    this.next = (this.next + 1) % RECENT_FAILURES_MAX;
  }

  newestFirst(): FailureRecord[] {
    const out: FailureRecord[] = [];
    for (let n = 1; n <= RECENT_FAILURES_MAX; n++) {
      const r = this.ring[(this.next - n + RECENT_FAILURES_MAX) % RECENT_FAILURES_MAX];
      if (r === undefined) break;
      out.push(r);
    }
    return out;
  }
}

export class AuthStats {
  readonly deployment: string;
  /** Decisions by reason index (ALL_REASONS order). */
  readonly counts = new Float64Array(ALL_REASONS.length);
  cacheHits = 0;
  cacheMisses = 0;
  readonly #recent: RecentFailures;

  constructor(deployment: string, recent: RecentFailures = new RecentFailures()) {
    this.deployment = deployment;
    this.#recent = recent;
  }

  /** A request allowed from the decision cache: the hot path, two increments. */
  hit(): void {
    this.cacheHits++;
    this.counts[0]!++;
  }

  record(reason: AuthReason, nowMs: number): void {
    const i = REASON_INDEX.get(reason) ?? 0;
    this.counts[i]!++;
    if (i > 1) this.#recent.push({ at: nowMs, deployment: this.deployment, reason });
  }
}

const STATS = 'stats:auth:';
const RECENT = 'stats:auth-recent';

/**
 * The stats of `deployment` in `registry`: kept while a plan authenticates that deployment. The
 * first call also registers the decision metrics on the registry's Prometheus registry.
 */
export function authStats(registry: SharedRegistry, deployment: string): AuthStats {
  const recent = registry.acquire(RECENT, () => new RecentFailures(), () => undefined);
  useScrapedMetrics(registry, 'auth', () => decisionMetrics(registry));
  return registry.acquire(`${STATS}${deployment}`, () => new AuthStats(deployment, recent), () => undefined);
}

/** Recent failures, newest first, and totals by reason over all deployments. */
export function failureSummary(registry: SharedRegistry): { recentFailures: unknown[]; failuresByReason: Record<string, number> } {
  const recent = registry.list<RecentFailures>(RECENT)[0];
  const list = (recent?.newestFirst() ?? []).map((r) => ({ at: new Date(r.at).toISOString(), deployment: r.deployment, reason: r.reason }));
  const byReason: Record<string, number> = {};
  for (const s of registry.list<AuthStats>(STATS)) {
    for (let i = 2; i < ALL_REASONS.length; i++) {
      const c = s.counts[i] ?? 0;
      if (c > 0) byReason[ALL_REASONS[i] as string] = (byReason[ALL_REASONS[i] as string] ?? 0) + c;
    }
  }
  return { recentFailures: list, failuresByReason: byReason };
}

/** Per-deployment decision totals for the admin API. */
export function decisionSummary(registry: SharedRegistry): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of registry.list<AuthStats>(STATS)) {
    const reasons: Record<string, number> = {};
    s.counts.forEach((c, i) => {
      if (c > 0) reasons[ALL_REASONS[i] as string] = c;
    });
    out[s.deployment] = { reasons, cacheHits: s.cacheHits, cacheMisses: s.cacheMisses };
  }
  return out;
}

function decisionMetrics(registry: SharedRegistry): ScrapedMetric[] {
  const all = () => registry.list<AuthStats>(STATS);
  return [
    scrapedMetric('gatehouse_auth_decisions_total', 'Authentication and authorization decisions by deployment, outcome and reason.', 'counter', () => {
      const out: Sample[] = [];
      for (const s of all()) {
        s.counts.forEach((c, i) => {
          const reason = ALL_REASONS[i] as AuthReason;
          if (c > 0) out.push({ labels: { deployment: s.deployment, outcome: outcomeOf(reason), reason }, value: c });
        });
      }
      return out;
    }),
    scrapedMetric('gatehouse_auth_decision_cache_total', 'Decision-cache lookups by deployment and result (hit: no signature verified).', 'counter', () =>
      all().flatMap((s) => [
        { labels: { deployment: s.deployment, result: 'hit' }, value: s.cacheHits },
        { labels: { deployment: s.deployment, result: 'miss' }, value: s.cacheMisses },
      ]),
    ),
  ];
}

/** What the JWKS metrics read: the live remote stores. */
export interface JwksStatsSource {
  readonly label: string;
  readonly stats: { fetches: number; notModified: number; failures: number; missRefetches: number };
  ageSeconds(nowMs: number): number;
  keyCount(): number;
}

/**
 * Registers the JWKS metrics on `registry`'s Prometheus registry, once; they read `stores()` at
 * scrape time. Kept while a plan uses a remote key store.
 */
export function useJwksMetrics(registry: SharedRegistry, stores: () => JwksStatsSource[]): void {
  useScrapedMetrics(registry, 'jwks', () => jwksMetrics(stores));
}

function jwksMetrics(stores: () => JwksStatsSource[]): ScrapedMetric[] {
  return [
    scrapedMetric('gatehouse_jwks_fetches_total', 'JWKS fetches by URI and result (ok, not_modified, failed).', 'counter', () =>
      stores().flatMap((s) => [
        { labels: { uri: s.label, result: 'ok' }, value: s.stats.fetches - s.stats.failures - s.stats.notModified },
        { labels: { uri: s.label, result: 'not_modified' }, value: s.stats.notModified },
        { labels: { uri: s.label, result: 'failed' }, value: s.stats.failures },
      ]),
    ),
    scrapedMetric('gatehouse_jwks_kid_miss_refetches_total', 'JWKS fetches caused by a token naming an unknown kid (at most one per cooldown).', 'counter', () =>
      stores().map((s) => ({ labels: { uri: s.label }, value: s.stats.missRefetches })),
    ),
    scrapedMetric('gatehouse_jwks_keys', 'Usable keys in each JWKS.', 'gauge', () => stores().map((s) => ({ labels: { uri: s.label }, value: s.keyCount() }))),
    scrapedMetric('gatehouse_jwks_age_seconds', 'Seconds since the last good JWKS fetch (-1: never).', 'gauge', () => {
      const now = Date.now();
      return stores().map((s) => ({ labels: { uri: s.label }, value: s.ageSeconds(now) }));
    }),
  ];
}
