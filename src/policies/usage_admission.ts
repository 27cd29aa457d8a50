/**
 * A deployment's usage-plan check (OCI `requestPolicies.usagePlans`), run after authorization:
 *
 * 1. the client token is read from the first token location that has a value — none: 403
 *    `client_token_missing`;
 * 2. its SHA-256 finds the subscriber (config-declared first, then the store's index) — none: 403
 *    `client_token_unknown`;
 * 3. the first of the subscriber's plans with an entitlement targeting this deployment is used —
 *    none: 403 `client_not_entitled`;
 * 4. the entitlement's rate limit, then its quota, are counted in shared state per subscriber
 *    (all its clients share them; so do all deployments the entitlement targets) — over: 429 with
 *    Retry-After and the RateLimit headers (`usage_rate_limited`, `quota_exceeded`), unless the
 *    quota says ALLOW;
 * 5. the request goes on with `ctx.usagePlan` set to the plan's id.
 *
 * Steps 1-3 answer synchronously; only counting awaits. Shared state that cannot be reached lets
 * the request through (`fail_open`, with a throttled warning).
 */
import type { Clock } from '../lib/clock.ts';
import type { ContextVariable } from '../backends/context_vars.ts';
import { hashClientToken } from '../state/subscribers.ts';
import type { Counters, LimitSpec } from '../state/types.ts';
import type { AdmissionPolicy, GatewayRequest, Refusal } from '../types.ts';
import { limitHeaders } from './rate_limit.ts';
import type { DenialStats, EntitlementStats, FailOpenWarner, UsageDenial } from './usage_metrics.ts';
import type { PeriodTracker } from './usage_periods.ts';
import type { SubscriberEntry } from './usage_subscribers.ts';

/** An entitlement's per-second rate limit. */
export interface RateRule {
  readonly value: number;
  readonly spec: LimitSpec;
  /** Policy name in the RateLimit headers. */
  readonly label: string;
}

/** An entitlement's calendar quota. */
export interface QuotaRule {
  readonly value: number;
  /** ALLOW: a request over the quota goes on (counted as quota_exceeded_allowed). */
  readonly allow: boolean;
  readonly spec: LimitSpec;
  readonly periods: PeriodTracker;
  readonly label: string;
}

/** One entitlement as a deployment applies it. */
export interface Grant {
  readonly planId: string;
  readonly rate: RateRule | null;
  readonly quota: QuotaRule | null;
  readonly stats: EntitlementStats;
}

export interface UsageAdmissionParts {
  /** Where the token is read, in order. */
  readonly locations: readonly ContextVariable[];
  /** The subscriber of a token hash: config-declared, then the store's. */
  lookup(tokenHash: string): SubscriberEntry | undefined;
  /** While the store has not been read yet: resolves once it has; else null. */
  pending(): Promise<void> | null;
  /** Plan reference (id or displayName) → this deployment's entitlement in that plan. */
  readonly grants: ReadonlyMap<string, Grant>;
  readonly counters: Counters;
  readonly denials: DenialStats;
  readonly warner: FailOpenWarner;
  readonly clock: Clock;
}

type Denial = Refusal & { readonly reason: UsageDenial };

function denial(reason: UsageDenial): Denial {
  return Object.freeze({ status: 403, message: 'Forbidden', reason });
}

const MISSING = denial('client_token_missing');
const UNKNOWN = denial('client_token_unknown');
const NOT_ENTITLED = denial('client_not_entitled');

/** The token at the first location that has one; '' when none has. */
export function readClientToken(locations: readonly ContextVariable[], ctx: GatewayRequest): string {
  for (let i = 0; i < locations.length; i++) {
    const v = (locations[i] as ContextVariable).text(ctx);
    if (v !== '') return v;
  }
  return '';
}

/** The counter key of a subscriber: ids are free text, so one is encoded to keep `:` as the separator. */
function subscriberKey(id: string): string {
  return encodeURIComponent(id);
}

export function createUsagePlanAdmission(parts: UsageAdmissionParts): AdmissionPolicy {
  const { locations, grants, counters, denials, warner, clock } = parts;

  function deny(d: Denial): Refusal {
    denials.counts[d.reason]++;
    return d;
  }

  function decide(ctx: GatewayRequest, sub: SubscriberEntry | undefined): Promise<Refusal | null> | Refusal | null {
    if (sub === undefined) return deny(UNKNOWN);
    let grant: Grant | undefined;
    for (let i = 0; i < sub.plans.length && grant === undefined; i++) grant = grants.get(sub.plans[i] as string);
    if (grant === undefined) return deny(NOT_ENTITLED);
    if (grant.rate === null && grant.quota === null) {
      grant.stats.counts.admitted++;
      ctx.usagePlan = grant.planId;
      return null;
    }
    return count(ctx, sub, grant);
  }

  async function count(ctx: GatewayRequest, sub: SubscriberEntry, grant: Grant): Promise<Refusal | null> {
    const key = subscriberKey(sub.id);
    const { rate, quota, stats } = grant;
    try {
      if (rate !== null) {
        const c = await counters.consume(rate.spec, key);
        if (!c.allowed) {
          stats.counts.rate_limited++;
          return { status: 429, message: 'Too Many Requests', reason: 'usage_rate_limited', headers: limitHeaders(rate.label, rate.value, 1, c) };
        }
      }
      if (quota !== null) {
        const nowMs = clock.nowMs();
        const period = quota.periods.at(nowMs);
        // The key names the period, so a new period starts a new count; the window ends with it.
        const c = await counters.consume(quota.spec, `${key}:${period.startMs}`, Math.max(1, Math.ceil((period.endMs - nowMs) / 1000)));
        if (!c.allowed) {
          if (!quota.allow) {
            stats.counts.quota_exceeded++;
            return {
              status: 429,
              message: 'Too Many Requests',
              reason: 'quota_exceeded',
              headers: limitHeaders(quota.label, quota.value, Math.round((period.endMs - period.startMs) / 1000), c),
            };
          }
          stats.counts.quota_exceeded_allowed++;
          ctx.usagePlan = grant.planId;
          return null;
        }
      }
    } catch (err) {
      // Shared state unreachable or slow: a limit that cannot be counted lets the request through.
      stats.counts.fail_open++;
      warner.warn(err);
      ctx.usagePlan = grant.planId;
      return null;
    }
    stats.counts.admitted++;
    ctx.usagePlan = grant.planId;
    return null;
  }

  return {
    admit(ctx) {
      const token = readClientToken(locations, ctx);
      if (token === '') return deny(MISSING);
      const hash = hashClientToken(token);
      const sub = parts.lookup(hash);
      if (sub === undefined) {
        // Just started: the store's subscribers are not known yet, so wait for them rather than
        // refuse a client that exists.
        const waiting = parts.pending();
        if (waiting !== null) return waiting.then(() => decide(ctx, parts.lookup(hash)));
      }
      return decide(ctx, sub);
    },
  };
}
