/**
 * Time sources. Caches and time checks take a `Clock` so tests can move time by hand.
 *
 * `coarseClock` reads a module variable refreshed by one unref'd interval (undici's "fast timers"):
 * the request path needs second precision for `exp`/`nbf` and cache lifetimes, not a syscall per check.
 */
/** `Date.now()`, exact. */
export const systemClock = { nowMs: () => Date.now() };
/** Resolution of `coarseClock`, in milliseconds. */
export const COARSE_CLOCK_RESOLUTION_MS = 100;
let coarseNowMs = Date.now();
let ticker = null;
function tick() {
    coarseNowMs = Date.now();
}
/** Lags real time by at most COARSE_CLOCK_RESOLUTION_MS; costs a variable read. */
export const coarseClock = {
    nowMs: () => {
        if (ticker === null) {
            ticker = setInterval(tick, COARSE_CLOCK_RESOLUTION_MS);
            ticker.unref();
            coarseNowMs = Date.now();
        }
        return coarseNowMs;
    },
};
/** A clock that moves only when told to (tests). */
export class ManualClock {
    #nowMs;
    constructor(startMs = Date.UTC(2026, 0, 1)) {
        this.#nowMs = startMs;
    }
    nowMs() {
        return this.#nowMs;
    }
    advance(ms) {
        this.#nowMs += ms;
    }
    set(ms) {
        this.#nowMs = ms;
    }
}
