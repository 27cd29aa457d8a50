/**
 * Counters on top of rate-limiter-flexible: one limiter per LimitSpec name, made by the store's own
 * factory (Redis, cluster), and one translation of its answers. The library was chosen for its
 * atomic Redis script and its cluster variant (issue 13); the in-process store counts the same way
 * (a fixed window that starts at a key's first hit) synchronously, in window_counters.ts.
 *
 * rate-limiter-flexible resolves with a RateLimiterRes under the limit and rejects with one over it;
 * any other rejection (an Error) means the store failed, and `consume` rejects with it.
 */
import { RateLimiterRes } from 'rate-limiter-flexible';
function consumed(res, allowed) {
    return { allowed, remaining: allowed ? res.remainingPoints : 0, resetMs: Math.max(0, res.msBeforeNext) };
}
/**
 * Counters whose limiters `create` makes. A spec seen again with other points or window (a reload
 * changed the limit under the same name) updates its limiter in place, so the counts carry on; with
 * `replaceOnChange` it gets a new limiter from `create` instead (the cluster store, whose primary
 * keeps each limiter's settings by key prefix and ignores later ones).
 */
export function limiterCounters(create, observe, replaceOnChange = false) {
    const limiters = new Map();
    function limiterFor(spec) {
        const found = limiters.get(spec.name);
        if (found === undefined || (replaceOnChange && (found.points !== spec.points || found.windowSeconds !== spec.windowSeconds))) {
            const limiter = create(spec);
            limiters.set(spec.name, { limiter, points: spec.points, windowSeconds: spec.windowSeconds });
            return limiter;
        }
        if (found.points !== spec.points || found.windowSeconds !== spec.windowSeconds) {
            found.limiter.points = spec.points;
            found.limiter.duration = spec.windowSeconds;
            found.points = spec.points;
            found.windowSeconds = spec.windowSeconds;
        }
        return found.limiter;
    }
    return {
        consume(spec, key, windowSeconds) {
            const limiter = limiterFor(spec);
            const options = windowSeconds === undefined ? {} : { customDuration: windowSeconds };
            return limiter.consume(key, 1, options).then((res) => {
                observe?.answered();
                return consumed(res, true);
            }, (err) => {
                if (err instanceof RateLimiterRes) {
                    observe?.answered();
                    return consumed(err, false);
                }
                const error = err instanceof Error ? err : new Error(String(err));
                observe?.failed(error);
                throw error;
            });
        },
    };
}
