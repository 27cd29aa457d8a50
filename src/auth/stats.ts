/**
 * Counters of the auth stage: decisions by deployment, outcome and reason; decision-cache hits and
 * misses; JWKS fetches, failures, key counts and age; and a bounded list of recent failures.
 *
 * The request path only bumps plain numbers (Envoy's stats.h); prom-client reads them at scrape
 * time through `collect()`, so a cached decision costs no label hashing. Stats are kept per
 * deployment name at module level, so counters survive hot reloads.
 */
import client from 'prom-client';
import type { AuthReason } from './types.ts';
import { ALL_REASONS } from './verdicts.ts';

const REASON_INDEX = new Map<AuthReason, number>(ALL_REASONS.map((r, i) => [r, i]));

export function outcomeOf(reason: AuthReason): 'allowed' | 'denied' | 'forbidden' | 'unavailable' {
  if (reason === 'ok' || reason === 'anonymous') return 'allowed';
  if (reason === 'scope_insufficient') return 'forbidden';
  if (reason === 'keys_unavailable') return 'unavailable';
  return 'denied';
}

/** Most recent failures kept for the admin API. */
export const RECENT_FAILURES_MAX = 100;

interface FailureRecord {
  at: number;
  deployment: string;
  reason: AuthReason;
}

const recent: (FailureRecord | undefined)[] = new Array(RECENT_FAILURES_MAX);
let recentNext = 0;

export class AuthStats {
  readonly deployment: string;
  /** Decisions by reason index (ALL_REASONS order). */
  readonly counts = new Float64Array(ALL_REASONS.length);
  cacheHits = 0;
  cacheMisses = 0;

  constructor(deployment: string) {
    this.deployment = deployment;
  }

  /** A request allowed from the decision cache: the hot path, two increments. */
  hit(): void {
    this.cacheHits++;
    this.counts[0]!++;
  }

  record(reason: AuthReason, nowMs: number): void {
    const i = REASON_INDEX.get(reason) ?? 0;
    this.counts[i]!++;
    if (i > 1) {
      recent[recentNext] = { at: nowMs, deployment: this.deployment, reason };
      recentNext = (recentNext + 1) % RECENT_FAILURES_MAX;
    }
  }
}

const byDeployment = new Map<string, AuthStats>();

/** The stats of `deployment`, created on first use and kept across reloads. */
export function statsFor(deployment: string): AuthStats {
  let s = byDeployment.get(deployment);
  if (s === undefined) {
    s = new AuthStats(deployment);
    byDeployment.set(deployment, s);
  }
  return s;
}

/** Recent failures, newest first, and totals by reason over all deployments. */
export function failureSummary(): { recentFailures: unknown[]; failuresByReason: Record<string, number> } {
  const list: unknown[] = [];
  for (let n = 1; n <= RECENT_FAILURES_MAX; n++) {
    const r = recent[(recentNext - n + RECENT_FAILURES_MAX) % RECENT_FAILURES_MAX];
    if (r === undefined) break;
    list.push({ at: new Date(r.at).toISOString(), deployment: r.deployment, reason: r.reason });
  }
  const byReason: Record<string, number> = {};
  for (const s of byDeployment.values()) {
    for (let i = 2; i < ALL_REASONS.length; i++) {
      const c = s.counts[i] ?? 0;
      if (c > 0) byReason[ALL_REASONS[i] as string] = (byReason[ALL_REASONS[i] as string] ?? 0) + c;
    }
  }
  return { recentFailures: list, failuresByReason: byReason };
}

/** Per-deployment decision totals for the admin API. */
export function decisionSummary(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of byDeployment.values()) {
    const reasons: Record<string, number> = {};
    s.counts.forEach((c, i) => {
      if (c > 0) reasons[ALL_REASONS[i] as string] = c;
    });
    out[s.deployment] = { reasons, cacheHits: s.cacheHits, cacheMisses: s.cacheMisses };
  }
  return out;
}

/** What the JWKS metrics read: the live stores. */
export interface JwksStatsSource {
  readonly label: string;
  readonly stats: { fetches: number; notModified: number; failures: number; missRefetches: number };
  ageSeconds(nowMs: number): number;
  keyCount(): number;
}

export const jwksCounters = { stores: new Set<JwksStatsSource>() };

function metric<T extends client.Metric>(name: string, make: () => T): T {
  return (client.register.getSingleMetric(name) as T | undefined) ?? make();
}

metric('gatehouse_auth_decisions_total', () => new client.Counter({
  name: 'gatehouse_auth_decisions_total',
  help: 'Authentication and authorization decisions by deployment, outcome and reason.',
  labelNames: ['deployment', 'outcome', 'reason'],
  collect() {
    this.reset();
    for (const s of byDeployment.values()) {
      s.counts.forEach((c, i) => {
        const reason = ALL_REASONS[i] as AuthReason;
        if (c > 0) this.inc({ deployment: s.deployment, outcome: outcomeOf(reason), reason }, c);
      });
    }
  },
}));

metric('gatehouse_auth_decision_cache_total', () => new client.Counter({
  name: 'gatehouse_auth_decision_cache_total',
  help: 'Decision-cache lookups by deployment and result (hit: no signature verified).',
  labelNames: ['deployment', 'result'],
  collect() {
    this.reset();
    for (const s of byDeployment.values()) {
      this.inc({ deployment: s.deployment, result: 'hit' }, s.cacheHits);
      this.inc({ deployment: s.deployment, result: 'miss' }, s.cacheMisses);
    }
  },
}));

metric('gatehouse_jwks_fetches_total', () => new client.Counter({
  name: 'gatehouse_jwks_fetches_total',
  help: 'JWKS fetches by URI and result (ok, not_modified, failed).',
  labelNames: ['uri', 'result'],
  collect() {
    this.reset();
    for (const s of jwksCounters.stores) {
      this.inc({ uri: s.label, result: 'ok' }, s.stats.fetches - s.stats.failures - s.stats.notModified);
      this.inc({ uri: s.label, result: 'not_modified' }, s.stats.notModified);
      this.inc({ uri: s.label, result: 'failed' }, s.stats.failures);
    }
  },
}));

metric('gatehouse_jwks_kid_miss_refetches_total', () => new client.Counter({
  name: 'gatehouse_jwks_kid_miss_refetches_total',
  help: 'JWKS fetches caused by a token naming an unknown kid (at most one per cooldown).',
  labelNames: ['uri'],
  collect() {
    this.reset();
    for (const s of jwksCounters.stores) this.inc({ uri: s.label }, s.stats.missRefetches);
  },
}));

metric('gatehouse_jwks_keys', () => new client.Gauge({
  name: 'gatehouse_jwks_keys',
  help: 'Usable keys in each JWKS.',
  labelNames: ['uri'],
  collect() {
    this.reset();
    for (const s of jwksCounters.stores) this.set({ uri: s.label }, s.keyCount());
  },
}));

metric('gatehouse_jwks_age_seconds', () => new client.Gauge({
  name: 'gatehouse_jwks_age_seconds',
  help: 'Seconds since the last good JWKS fetch (-1: never).',
  labelNames: ['uri'],
  collect() {
    this.reset();
    const now = Date.now();
    for (const s of jwksCounters.stores) this.set({ uri: s.label }, s.ageSeconds(now));
  },
}));
