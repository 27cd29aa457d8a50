/**
 * The in-process store's counters: fixed windows in a Map, answered synchronously. They count as
 * rate-limiter-flexible's RateLimiterMemory does (a window starts at a key's first hit and lasts
 * the limit's `windowSeconds`, or the hit's own override), which the Redis and `--workers` stores
 * still use. The memory store does not, because the library answers through a Promise and
 * allocates two result objects per hit: on a rate-limited stock route that cost about 10 % of the
 * CPU per request (bench/state.ts), the whole budget issue 13 allows; a Map lookup costs next to nothing.
 *
 * Keys live in one Map per limit name, so a hit builds no string. Ended windows are swept at most
 * once per SWEEP_MS, on a hit that starts a window, so memory stays bounded by the keys of the
 * last few windows.
 */
import { systemClock } from '../lib/clock.js';
const SWEEP_MS = 5000;
export class WindowCounters {
    #byName = new Map();
    #clock;
    #nextSweepMs = 0;
    constructor(clock = systemClock) {
        this.#clock = clock;
    }
    consume(limit, key, windowSeconds) {
        const nowMs = this.#clock.nowMs();
        let windows = this.#byName.get(limit.name);
        if (windows === undefined)
            this.#byName.set(limit.name, (windows = new Map()));
        let w = windows.get(key);
        if (w === undefined || w.endsAtMs <= nowMs) {
            if (nowMs >= this.#nextSweepMs)
                this.#sweep(nowMs);
            w = { count: 0, endsAtMs: nowMs + (windowSeconds ?? limit.windowSeconds) * 1000 };
            windows.set(key, w);
        }
        const count = ++w.count;
        const allowed = count <= limit.points;
        return { allowed, remaining: allowed ? limit.points - count : 0, resetMs: w.endsAtMs - nowMs };
    }
    /** Keys counted in windows that have not ended (for tests and the admin plane). */
    get size() {
        let n = 0;
        for (const m of this.#byName.values())
            n += m.size;
        return n;
    }
    #sweep(nowMs) {
        this.#nextSweepMs = nowMs + SWEEP_MS;
        // The per-name Maps stay (one per limit in the configuration): the caller may hold one.
        for (const windows of this.#byName.values()) {
            for (const [key, w] of windows)
                if (w.endsAtMs <= nowMs)
                    windows.delete(key);
        }
    }
}
