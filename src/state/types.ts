/**
 * Shared state: what rate limits, usage-plan quotas and the response cache keep between requests,
 * and — with several gateway instances, or `--workers` — between processes. One small interface,
 * three implementations: in-process memory (the default), the `--workers` primary's memory reached
 * over IPC, and Redis (`state.redis`).
 *
 * Every operation is asynchronous and may fail (Redis down, a timeout). Callers never let that fail
 * a request: a limit that cannot be counted lets the request through, a cache that cannot be read is
 * bypassed. Each store reports its own health for `/admin/state` and `/metrics`.
 */

/** One fixed-window limit: at most `points` hits per key per window. */
export interface LimitSpec {
  /**
   * Names the limit in the store (it prefixes every key). Two limits with different points or
   * windows must have different names: the name is what a store keeps its settings under.
   */
  readonly name: string;
  /** Hits allowed per window (≥ 1). */
  readonly points: number;
  /** Window length in seconds (≥ 1), counted from the key's first hit. */
  readonly windowSeconds: number;
}

/** The outcome of counting one hit. */
export interface Consumed {
  /** False when this hit went over the limit. */
  readonly allowed: boolean;
  /** Hits left in the window after this one (0 when refused). */
  readonly remaining: number;
  /** Milliseconds until the window ends and the count starts again. */
  readonly resetMs: number;
}

export interface Counters {
  /**
   * Counts one hit on `key` under `limit`. `windowSeconds`, when given, replaces the limit's
   * window for a key being started (calendar quotas end their window at the period's end).
   * Rejects only when the store cannot be reached or did not answer in time. The in-process store
   * answers at once, without a Promise.
   */
  consume(limit: LimitSpec, key: string, windowSeconds?: number): Promise<Consumed> | Consumed;
}

export interface Cache {
  /** The value stored under `key`, or null. Rejects when the store cannot be reached. */
  get(key: string): Promise<Buffer | null>;
  /**
   * The same answer without a Promise, from a store in this process (memory only; Redis and the
   * `--workers` primary have none): a response-cache hit then costs no microtask.
   */
  getNow?(key: string): Buffer | null;
  /** Stores `value` for `ttlMs`. A value over the store's size limit is silently not stored. */
  set(key: string, value: Buffer, ttlMs: number): Promise<void>;
}

/** What `/admin/state` shows about one store. */
export interface StoreHealth {
  /** `memory`, `cluster` (the primary's memory) or `redis`. */
  readonly kind: 'memory' | 'cluster' | 'redis';
  /** Where it is, safe to print: `redis://10.0.0.5:6379/0` (never a password). */
  readonly target: string;
  /** False while the store cannot be reached. Memory is always up. */
  readonly up: boolean;
  /** The last failure, without secrets; null when none since the last recovery. */
  readonly lastError: string | null;
  /** ISO time the current outage began; null when up. */
  readonly downSince: string | null;
  /** Operations that failed since start. */
  readonly failures: number;
}

/**
 * Members that each expire at their own time, shared by every gateway on one store: the token
 * revocation list (src/auth/revocation.ts). Only stores that other machines can reach (Redis)
 * have one; a process's own memory needs none. Every operation may reject (store unreachable).
 */
export interface ExpiringSet {
  /**
   * Adds `member` (or moves its expiry) until `expiresAtSec` (Unix seconds), first dropping members
   * whose time is up at `nowSec`. `full` (and nothing added) when it already holds `maxMembers`.
   */
  add(member: string, expiresAtSec: number, maxMembers: number, nowSec: number): Promise<'added' | 'updated' | 'full'>;
  /** Removes `member`; false when it was not there. */
  remove(member: string): Promise<boolean>;
  /**
   * `<epoch>:<count>`: count changes whenever a member is added or removed, so a reader polls it and
   * re-reads only on change; epoch changes when the store lost the set (`none` while it has none).
   */
  version(): Promise<string>;
  /** Every member expiring after `afterSec`, with its expiry (Unix seconds); at most `limit` of them. */
  members(afterSec: number, limit: number): Promise<[member: string, expiresAtSec: number][]>;
}

export interface SharedStore {
  readonly counters: Counters;
  readonly cache: Cache;
  /** The named set on this store, for stores other gateways share (Redis); absent on memory and --workers stores. */
  expiringSet?(name: string): ExpiringSet;
  health(): StoreHealth;
  close(): Promise<void>;
}
