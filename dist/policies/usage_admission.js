import { hashClientToken } from '../state/subscribers.js';
import { limitHeaders } from './rate_limit.js';
function denial(reason) {
    return Object.freeze({ status: 403, message: 'Forbidden', reason });
}
const MISSING = denial('client_token_missing');
const UNKNOWN = denial('client_token_unknown');
const NOT_ENTITLED = denial('client_not_entitled');
/** The token at the first location that has one; '' when none has. */
export function readClientToken(locations, ctx) {
    for (let i = 0; i < locations.length; i++) {
        const v = locations[i].text(ctx);
        if (v !== '')
            return v;
    }
    return '';
}
/** The counter key of a subscriber: ids are free text, so one is encoded to keep `:` as the separator. */
function subscriberKey(id) {
    return encodeURIComponent(id);
}
export function createUsagePlanAdmission(parts) {
    const { locations, grants, counters, denials, warner, clock } = parts;
    function deny(d) {
        denials.counts[d.reason]++;
        return d;
    }
    function decide(ctx, sub) {
        if (sub === undefined)
            return deny(UNKNOWN);
        let grant;
        for (let i = 0; i < sub.plans.length && grant === undefined; i++)
            grant = grants.get(sub.plans[i]);
        if (grant === undefined)
            return deny(NOT_ENTITLED);
        if (grant.rate === null && grant.quota === null) {
            grant.stats.counts.admitted++;
            ctx.usagePlan = grant.planId;
            return null;
        }
        return count(ctx, sub, grant);
    }
    async function count(ctx, sub, grant) {
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
        }
        catch (err) {
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
            if (token === '')
                return deny(MISSING);
            const hash = hashClientToken(token);
            const sub = parts.lookup(hash);
            if (sub === undefined) {
                // Just started: the store's subscribers are not known yet, so wait for them rather than
                // refuse a client that exists.
                const waiting = parts.pending();
                if (waiting !== null)
                    return waiting.then(() => decide(ctx, parts.lookup(hash)));
            }
            return decide(ctx, sub);
        },
    };
}
