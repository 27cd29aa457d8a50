/**
 * The in-process store: the default, and what a `--workers` primary keeps for its workers
 * (cluster.ts). Counters are fixed windows in a Map (window_counters.ts); the cache is a
 * byte-bounded LRU (lib/lru.ts) whose entries carry their expiry, checked on read — no timer per
 * entry. Every operation answers at once and never fails.
 */
import { Lru } from '../lib/lru.js';
import { systemClock } from '../lib/clock.js';
import { WindowCounters } from './window_counters.js';
import { STATE_DEFAULTS } from './config.js';
/** Bytes an entry is accounted for beyond its key and value (map slot, object, buffer header). */
const ENTRY_OVERHEAD_BYTES = 64;
/** A byte-bounded LRU cache with a TTL per entry. */
export function createMemoryCache(opts = {}) {
    const maxBytes = opts.maxBytes ?? STATE_DEFAULTS.cacheMaxBytes;
    const maxEntryBytes = opts.maxEntryBytes ?? STATE_DEFAULTS.cacheMaxEntryBytes;
    const clock = opts.clock ?? systemClock;
    // Entry count is bounded by bytes (each entry accounts at least its overhead), not by a count.
    const lru = new Lru({ maxBytes, maxEntries: Math.max(2, Math.ceil(maxBytes / ENTRY_OVERHEAD_BYTES)) });
    function getNow(key) {
        const entry = lru.get(key);
        if (entry === undefined)
            return null;
        if (entry.expiresAtMs <= clock.nowMs()) {
            lru.delete(key);
            return null;
        }
        return entry.value;
    }
    return {
        get: (key) => Promise.resolve(getNow(key)),
        getNow,
        set(key, value, ttlMs) {
            if (value.length > maxEntryBytes || ttlMs <= 0 || maxBytes === 0) {
                lru.delete(key);
                return Promise.resolve();
            }
            lru.set(key, { value, expiresAtMs: clock.nowMs() + ttlMs }, value.length + key.length * 2 + ENTRY_OVERHEAD_BYTES);
            return Promise.resolve();
        },
        get bytes() {
            return lru.bytes;
        },
        get size() {
            return lru.size;
        },
    };
}
const HEALTH = { kind: 'memory', target: 'memory', up: true, lastError: null, downSince: null, failures: 0 };
const NO_FAILURES = Object.freeze({ consume: 0, get: 0, set: 0 });
/** A store in this process's memory. */
export function createMemoryStore(opts = {}) {
    const counters = new WindowCounters(opts.clock);
    let bounds = { maxBytes: opts.maxBytes ?? STATE_DEFAULTS.cacheMaxBytes, maxEntryBytes: opts.maxEntryBytes ?? STATE_DEFAULTS.cacheMaxEntryBytes };
    let cache = createMemoryCache({ ...opts, ...bounds });
    return {
        counters,
        // Delegates, so a cache replaced by configureCache is the one every holder of this store uses.
        cache: { get: (key) => cache.get(key), getNow: (key) => cache.getNow(key), set: (key, value, ttlMs) => cache.set(key, value, ttlMs) },
        failuresByOp: NO_FAILURES,
        configureCache(next) {
            const wanted = { maxBytes: next.maxBytes ?? STATE_DEFAULTS.cacheMaxBytes, maxEntryBytes: next.maxEntryBytes ?? STATE_DEFAULTS.cacheMaxEntryBytes };
            if (wanted.maxBytes === bounds.maxBytes && wanted.maxEntryBytes === bounds.maxEntryBytes)
                return;
            bounds = wanted;
            cache = createMemoryCache({ ...opts, ...bounds });
        },
        cacheUsage: () => ({ bytes: cache.bytes, entries: cache.size }),
        health: () => HEALTH,
        close: () => Promise.resolve(),
    };
}
