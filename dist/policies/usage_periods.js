/**
 * Calendar periods of usage-plan quotas (OCI `resetPolicy: CALENDAR`). OCI does not name a time
 * zone; Gatehouse uses UTC, and ISO 8601 weeks (starting on Monday), so every instance behind one
 * Redis cuts periods at the same instant whatever its local zone (docs/usage-plans.md).
 */
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const WEEK_MS = 7 * DAY_MS;
/** The longest a period of `unit` lasts, seconds (a month: 31 days). */
export function longestPeriodSec(unit) {
    switch (unit) {
        case 'MINUTE':
            return 60;
        case 'HOUR':
            return 3600;
        case 'DAY':
            return 86_400;
        case 'WEEK':
            return 7 * 86_400;
        case 'MONTH':
            return 31 * 86_400;
    }
}
/** The calendar period of `unit` that holds `nowMs` (UTC; weeks start on Monday 00:00). */
export function calendarPeriod(unit, nowMs) {
    switch (unit) {
        case 'MINUTE':
        case 'HOUR':
        case 'DAY': {
            // Unix time has no leap seconds, so these periods are fixed lengths from the epoch.
            const len = unit === 'MINUTE' ? MINUTE_MS : unit === 'HOUR' ? HOUR_MS : DAY_MS;
            const startMs = Math.floor(nowMs / len) * len;
            return { startMs, endMs: startMs + len };
        }
        case 'WEEK': {
            const dayStart = Math.floor(nowMs / DAY_MS) * DAY_MS;
            // getUTCDay: 0 is Sunday; days since Monday.
            const sinceMonday = (new Date(dayStart).getUTCDay() + 6) % 7;
            const startMs = dayStart - sinceMonday * DAY_MS;
            return { startMs, endMs: startMs + WEEK_MS };
        }
        case 'MONTH': {
            const d = new Date(nowMs);
            const y = d.getUTCFullYear();
            const m = d.getUTCMonth();
            return { startMs: Date.UTC(y, m, 1), endMs: Date.UTC(y, m + 1, 1) };
        }
    }
}
/**
 * The current period of one unit, recomputed only when time leaves it: the request path asks on
 * every counted request, and a month needs Date arithmetic.
 */
export class PeriodTracker {
    unit;
    #current = { startMs: 0, endMs: 0 };
    constructor(unit) {
        this.unit = unit;
    }
    at(nowMs) {
        const c = this.#current;
        if (nowMs >= c.startMs && nowMs < c.endMs)
            return c;
        this.#current = calendarPeriod(this.unit, nowMs);
        return this.#current;
    }
}
