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
import cluster, { type Worker } from 'node:cluster';
import { RateLimiterCluster, RateLimiterClusterMaster } from 'rate-limiter-flexible';
import { limiterCounters } from './limiters.ts';
import { createMemoryStore, type MemoryStoreOptions } from './memory.ts';
import { STATE_DEFAULTS } from './config.ts';
import { noFailures, totalFailures, type ObservedStore, type StoreOp } from './observed.ts';
import type { StoreHealth } from './types.ts';

/** Worker → primary cache asks. */
export type StateAsk = { gh: 'state-get'; id: number; key: string } | { gh: 'state-set'; id: number; key: string; value: string; ttlMs: number };

/** Primary → worker answer to a StateAsk. */
export type StateReply = { gh: 'state-reply'; id: number; value: string | null } | { gh: 'state-reply'; id: number; error: string };

/** Where a worker sends its asks and hears the answers (process.send / process.on('message') by default). */
export interface WorkerChannel {
  send(m: StateAsk): void;
  onMessage(listener: (m: unknown) => void): void;
}

const processChannel: WorkerChannel = {
  send: (m) => void process.send?.(m),
  onMessage: (listener) => void process.on('message', listener),
};

function isStateReply(m: unknown): m is StateReply {
  return typeof m === 'object' && m !== null && (m as { gh?: unknown }).gh === 'state-reply';
}

export interface ClusterStoreOptions {
  /** How long an ask may wait for the primary, ms (default 500). */
  timeoutMs?: number;
  channel?: WorkerChannel;
}

/** The worker's store: the primary's memory over IPC. Create one per worker process. */
export function createClusterStore(opts: ClusterStoreOptions = {}): ObservedStore {
  const timeoutMs = opts.timeoutMs ?? STATE_DEFAULTS.commandTimeoutMs;
  const channel = opts.channel ?? processChannel;
  let up = true;
  let lastError: string | null = null;
  let downSince: string | null = null;
  const failuresByOp = noFailures();

  function answered(): void {
    if (up) return;
    up = true;
    lastError = null;
    downSince = null;
  }
  function recordFailure(op: StoreOp, err: Error): void {
    failuresByOp[op]++;
    lastError = err.message;
    if (up) {
      up = false;
      downSince = new Date().toISOString();
    }
  }

  let nextId = 0;
  const pending = new Map<number, { resolve: (v: string | null) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  channel.onMessage((m) => {
    if (!isStateReply(m)) return;
    const p = pending.get(m.id);
    if (p === undefined) return;
    pending.delete(m.id);
    clearTimeout(p.timer);
    if ('error' in m) p.reject(new Error(m.error));
    else p.resolve(m.value);
  });
  function ask(op: StoreOp, m: (id: number) => StateAsk): Promise<string | null> {
    return new Promise<string | null>((resolve, reject) => {
      const id = ++nextId;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`the primary did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref();
      pending.set(id, { resolve, reject, timer });
      try {
        channel.send(m(id));
      } catch (err) {
        pending.delete(id);
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    }).then(
      (v) => (answered(), v),
      (err: Error) => {
        recordFailure(op, err);
        throw err;
      },
    );
  }

  const counters = limiterCounters(
    (spec) =>
      new RateLimiterCluster({
        keyPrefix: `${spec.name}:${spec.points}/${spec.windowSeconds}`,
        points: spec.points,
        duration: spec.windowSeconds,
        timeoutMs,
      }),
    { answered, failed: (err) => recordFailure('consume', err) },
  );

  return {
    counters,
    cache: {
      get: (key) => ask('get', (id) => ({ gh: 'state-get', id, key })).then((v) => (v === null ? null : Buffer.from(v, 'base64'))),
      set: (key, value, ttlMs) => ask('set', (id) => ({ gh: 'state-set', id, key, value: value.toString('base64'), ttlMs })).then(() => undefined),
    },
    failuresByOp,
    health: (): StoreHealth => ({ kind: 'cluster', target: 'primary', up, lastError, downSince, failures: totalFailures(failuresByOp) }),
    close: () => Promise.resolve(),
  };
}

export interface ClusterStateServer {
  /** Answers a worker's `state-get`/`state-set`; false when `m` is not one. */
  handle(w: Pick<Worker, 'send' | 'isConnected'>, m: unknown): boolean;
}

function isStateAsk(m: unknown): m is StateAsk {
  if (typeof m !== 'object' || m === null) return false;
  const gh = (m as { gh?: unknown }).gh;
  return gh === 'state-get' || gh === 'state-set';
}

/**
 * The primary's half: the memory the workers share. Starts rate-limiter-flexible's cluster master
 * (it listens on `cluster` itself) and returns the cache-ask handler for the primary's message switch.
 */
export function createClusterStateServer(opts: Pick<MemoryStoreOptions, 'maxBytes' | 'maxEntryBytes'> = {}): ClusterStateServer {
  if (cluster.isPrimary) new RateLimiterClusterMaster();
  const memory = createMemoryStore(opts);
  return {
    handle(w, m) {
      if (!isStateAsk(m)) return false;
      const reply = (r: StateReply) => void (w.isConnected() && w.send(r));
      const op = m.gh === 'state-get' ? memory.cache.get(m.key).then((v) => (v === null ? null : v.toString('base64'))) : memory.cache.set(m.key, Buffer.from(m.value, 'base64'), m.ttlMs).then(() => null);
      op.then(
        (value) => reply({ gh: 'state-reply', id: m.id, value }),
        (err: unknown) => reply({ gh: 'state-reply', id: m.id, error: (err as Error).message }),
      );
      return true;
    },
  };
}
