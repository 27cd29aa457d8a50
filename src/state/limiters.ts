/**
 * Counters on top of rate-limiter-flexible: one limiter per LimitSpec name, made by the store's own
 * factory (Redis, cluster), and one translation of its answers. The library was chosen for its
 * atomic Redis script and its cluster variant (issue 13); the in-process store counts the same way
 * (a fixed window that starts at a key's first hit) synchronously, in window_counters.ts.
 *
 * rate-limiter-flexible resolves with a RateLimiterRes under the limit and rejects with one over it;
 * any other rejection (an Error) means the store failed, and `consume` rejects with it.
 */
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Consumed, Counters, LimitSpec } from './types.ts';

/** Makes the limiter for one spec: `keyPrefix` = spec.name, `points`, `duration` = windowSeconds. */
export type LimiterFactory = (spec: LimitSpec) => RateLimiterAbstract;

function consumed(res: RateLimiterRes, allowed: boolean): Consumed {
  return { allowed, remaining: allowed ? res.remainingPoints : 0, resetMs: Math.max(0, res.msBeforeNext) };
}

/** Told of every answer: the store answered (`answered`) or failed (`failed`, with the error). */
export interface CountersObserver {
  answered(): void;
  failed(err: Error): void;
}

/**
 * Counters whose limiters `create` makes, one per spec name. A name always stands for the same
 * points and window (LimitSpec: callers put the numbers in the name, so a reload that changes a
 * limit names a new one), so a limiter once made is never changed.
 */
export function limiterCounters(create: LimiterFactory, observe?: CountersObserver): Counters {
  const limiters = new Map<string, RateLimiterAbstract>();
  function limiterFor(spec: LimitSpec): RateLimiterAbstract {
    let limiter = limiters.get(spec.name);
    if (limiter === undefined) limiters.set(spec.name, (limiter = create(spec)));
    return limiter;
  }
  return {
    consume(spec, key, windowSeconds) {
      const limiter = limiterFor(spec);
      const options = windowSeconds === undefined ? {} : { customDuration: windowSeconds };
      return limiter.consume(key, 1, options).then(
        (res) => {
          observe?.answered();
          return consumed(res, true);
        },
        (err: unknown) => {
          if (err instanceof RateLimiterRes) {
            observe?.answered();
            return consumed(err, false);
          }
          const error = err instanceof Error ? err : new Error(String(err));
          observe?.failed(error);
          throw error;
        },
      );
    },
  };
}
