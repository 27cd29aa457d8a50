/**
 * The in-process store: the default, and what a `--workers` primary keeps for its workers
 * (cluster.ts). Counters are rate-limiter-flexible's RateLimiterMemory (limiters.ts); the cache is a
 * byte-bounded LRU (lib/lru.ts) whose entries carry their expiry, checked on read — no timer per
 * entry. Every operation answers at once and never fails.
 */
import { Lru } from '../lib/lru.ts';
import { systemClock, type Clock } from '../lib/clock.ts';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { limiterCounters } from './limiters.ts';
import { STATE_DEFAULTS } from './config.ts';
import type { ObservedStore } from './observed.ts';
import type { Cache, StoreHealth } from './types.ts';

export interface MemoryStoreOptions {
  /** Bytes the cache may hold (keys and values); default 64 MiB. */
  maxBytes?: number;
  /** Largest value stored, in bytes; larger values are not stored. Default 1 MiB. */
  maxEntryBytes?: number;
  /** Cache expiry clock (default the system clock). Counters' windows use rate-limiter-flexible's own `Date.now()`. */
  clock?: Clock;
}

interface Entry {
  value: Buffer;
  expiresAtMs: number;
}

/** Bytes an entry is accounted for beyond its key and value (map slot, object, buffer header). */
const ENTRY_OVERHEAD_BYTES = 64;

/** A byte-bounded LRU cache with a TTL per entry. */
export function createMemoryCache(opts: MemoryStoreOptions = {}): Cache & { readonly bytes: number; readonly size: number } {
  const maxBytes = opts.maxBytes ?? STATE_DEFAULTS.cacheMaxBytes;
  const maxEntryBytes = opts.maxEntryBytes ?? STATE_DEFAULTS.cacheMaxEntryBytes;
  const clock = opts.clock ?? systemClock;
  // Entry count is bounded by bytes (each entry accounts at least its overhead), not by a count.
  const lru = new Lru<string, Entry>({ maxBytes, maxEntries: Math.max(2, Math.ceil(maxBytes / ENTRY_OVERHEAD_BYTES)) });
  return {
    get(key) {
      const entry = lru.get(key);
      if (entry === undefined) return Promise.resolve(null);
      if (entry.expiresAtMs <= clock.nowMs()) {
        lru.delete(key);
        return Promise.resolve(null);
      }
      return Promise.resolve(entry.value);
    },
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

const HEALTH: StoreHealth = { kind: 'memory', target: 'memory', up: true, lastError: null, downSince: null, failures: 0 };

export interface MemoryStore extends ObservedStore {
  /**
   * Applies new cache bounds (a reload changed `state.cache`): the cache starts empty under them,
   * the counters carry on. Same bounds: nothing happens.
   */
  configureCache(opts: Pick<MemoryStoreOptions, 'maxBytes' | 'maxEntryBytes'>): void;
  /** Bytes and entries the cache holds now. */
  cacheUsage(): { bytes: number; entries: number };
}

const NO_FAILURES = Object.freeze({ consume: 0, get: 0, set: 0 });

/** A store in this process's memory. */
export function createMemoryStore(opts: MemoryStoreOptions = {}): MemoryStore {
  const counters = limiterCounters((spec) => new RateLimiterMemory({ keyPrefix: spec.name, points: spec.points, duration: spec.windowSeconds }));
  let bounds = { maxBytes: opts.maxBytes ?? STATE_DEFAULTS.cacheMaxBytes, maxEntryBytes: opts.maxEntryBytes ?? STATE_DEFAULTS.cacheMaxEntryBytes };
  let cache = createMemoryCache({ ...opts, ...bounds });
  return {
    counters,
    // Delegates, so a cache replaced by configureCache is the one every holder of this store uses.
    cache: { get: (key) => cache.get(key), set: (key, value, ttlMs) => cache.set(key, value, ttlMs) },
    failuresByOp: NO_FAILURES,
    configureCache(next) {
      const wanted = { maxBytes: next.maxBytes ?? STATE_DEFAULTS.cacheMaxBytes, maxEntryBytes: next.maxEntryBytes ?? STATE_DEFAULTS.cacheMaxEntryBytes };
      if (wanted.maxBytes === bounds.maxBytes && wanted.maxEntryBytes === bounds.maxEntryBytes) return;
      bounds = wanted;
      cache = createMemoryCache({ ...opts, ...bounds });
    },
    cacheUsage: () => ({ bytes: cache.bytes, entries: cache.size }),
    health: () => HEALTH,
    close: () => Promise.resolve(),
  };
}
