/**
 * The `--workers` store: every worker reaches the primary's memory over node:cluster IPC, so the
 * workers of one machine share their limits and cached answers without Redis.
 *
 * - Counters: rate-limiter-flexible's RateLimiterCluster in the worker and RateLimiterClusterMaster
 *   in the primary (same library, same fixed windows as the memory and Redis stores). Its messages
 *   carry `channel: 'rate_limiter_flexible'` and no `gh`, so they pass by our own protocol
 *   (server/cluster_protocol.ts) and prom-client's metric requests untouched. The master keeps a
 *   limiter's settings under its key prefix and ignores later ones, so the prefix carries points and
 *   window: a reload that changes a limit starts its count afresh.
 * - Cache: `state-get` / `state-set` asks answered by `state-reply`, the way the JWKS broker's asks
 *   are; values travel base64 (IPC is JSON). An ask unanswered after `timeoutMs` rejects.
 *
 * The primary's half is `createClusterStateServer` (cluster_primary.ts calls it); the worker's is
 * `createClusterStore` (one per worker process, handed to compiles as `localStore`).
 */
import cluster, {} from 'node:cluster';
import { RateLimiterCluster, RateLimiterClusterMaster } from 'rate-limiter-flexible';
import { limiterCounters } from './limiters.js';
import { createMemoryStore } from './memory.js';
import { STATE_DEFAULTS } from './config.js';
import { noFailures, totalFailures } from './observed.js';
const processChannel = {
    send: (m) => void process.send?.(m),
    onMessage: (listener) => void process.on('message', listener),
};
function isStateReply(m) {
    return typeof m === 'object' && m !== null && m.gh === 'state-reply';
}
/** The worker's store: the primary's memory over IPC. Create one per worker process. */
export function createClusterStore(opts = {}) {
    const timeoutMs = opts.timeoutMs ?? STATE_DEFAULTS.commandTimeoutMs;
    const channel = opts.channel ?? processChannel;
    let up = true;
    let lastError = null;
    let downSince = null;
    const failuresByOp = noFailures();
    function answered() {
        if (up)
            return;
        up = true;
        lastError = null;
        downSince = null;
    }
    function recordFailure(op, err) {
        failuresByOp[op]++;
        lastError = err.message;
        if (up) {
            up = false;
            downSince = new Date().toISOString();
        }
    }
    let nextId = 0;
    const pending = new Map();
    channel.onMessage((m) => {
        if (!isStateReply(m))
            return;
        const p = pending.get(m.id);
        if (p === undefined)
            return;
        pending.delete(m.id);
        clearTimeout(p.timer);
        if ('error' in m)
            p.reject(new Error(m.error));
        else
            p.resolve(m.value);
    });
    function ask(op, m) {
        return new Promise((resolve, reject) => {
            const id = ++nextId;
            const timer = setTimeout(() => {
                pending.delete(id);
                reject(new Error(`the primary did not answer within ${timeoutMs} ms`));
            }, timeoutMs);
            timer.unref();
            pending.set(id, { resolve, reject, timer });
            try {
                channel.send(m(id));
            }
            catch (err) {
                pending.delete(id);
                clearTimeout(timer);
                reject(err instanceof Error ? err : new Error(String(err)));
            }
        }).then((v) => (answered(), v), (err) => {
            recordFailure(op, err);
            throw err;
        });
    }
    const counters = limiterCounters((spec) => new RateLimiterCluster({
        keyPrefix: `${spec.name}:${spec.points}/${spec.windowSeconds}`,
        points: spec.points,
        duration: spec.windowSeconds,
        timeoutMs,
    }), { answered, failed: (err) => recordFailure('consume', err) });
    return {
        counters,
        cache: {
            get: (key) => ask('get', (id) => ({ gh: 'state-get', id, key })).then((v) => (v === null ? null : Buffer.from(v, 'base64'))),
            set: (key, value, ttlMs) => ask('set', (id) => ({ gh: 'state-set', id, key, value: value.toString('base64'), ttlMs })).then(() => undefined),
        },
        failuresByOp,
        health: () => ({ kind: 'cluster', target: 'primary', up, lastError, downSince, failures: totalFailures(failuresByOp) }),
        close: () => Promise.resolve(),
    };
}
function isStateAsk(m) {
    if (typeof m !== 'object' || m === null)
        return false;
    const gh = m.gh;
    return gh === 'state-get' || gh === 'state-set';
}
/**
 * The primary's half: the memory the workers share. Starts rate-limiter-flexible's cluster master
 * (it listens on `cluster` itself) and returns the cache-ask handler for the primary's message switch.
 */
export function createClusterStateServer(opts = {}) {
    if (cluster.isPrimary)
        new RateLimiterClusterMaster();
    const memory = createMemoryStore(opts);
    return {
        handle(w, m) {
            if (!isStateAsk(m))
                return false;
            const reply = (r) => void (w.isConnected() && w.send(r));
            const op = m.gh === 'state-get' ? memory.cache.get(m.key).then((v) => (v === null ? null : v.toString('base64'))) : memory.cache.set(m.key, Buffer.from(m.value, 'base64'), m.ttlMs).then(() => null);
            op.then((value) => reply({ gh: 'state-reply', id: m.id, value }), (err) => reply({ gh: 'state-reply', id: m.id, error: err.message }));
            return true;
        },
    };
}
