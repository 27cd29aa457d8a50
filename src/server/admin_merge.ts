/**
 * `--workers`: what the primary's admin plane answers for reads whose numbers live in each worker
 * (each runs its own function containers and counts its own authentication decisions). Asking one
 * worker showed a part; these merge every worker's answer.
 */
import { RECENT_FAILURES_MAX } from '../auth/stats.ts';
import type { FunctionState } from '../lib/function_state.ts';

/** `--workers`: each worker has its own pools; the gateway's are their sums, function by function. */
export function sumFunctionStates(perWorker: readonly (readonly FunctionState[])[]): FunctionState[] {
  const out = new Map<string, FunctionState>();
  const add = (a: number | null, b: number | null) => (a === null || b === null ? (a ?? b) : a + b);
  for (const list of perWorker) {
    for (const f of list) {
      const seen = out.get(f.id);
      out.set(
        f.id,
        seen === undefined
          ? { ...f }
          : {
              ...seen,
              containers: add(seen.containers, f.containers),
              busy: add(seen.busy, f.busy),
              idle: add(seen.idle, f.idle),
              starting: add(seen.starting, f.starting),
              queued: add(seen.queued, f.queued),
              coldStarts: seen.coldStarts + f.coldStarts,
            },
      );
    }
  }
  return [...out.values()];
}

type Json = Record<string, unknown>;

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/**
 * `/admin/auth` over the workers: recent failures merged newest first (each tagged with its worker's
 * pid; as many as one gateway keeps), failure and decision counts summed; key stores and warnings
 * from the first answer (the workers' stores share one fetch through the primary's broker).
 */
export function mergeAuthStates(perWorker: readonly { pid: number | undefined; state: Json }[]): Json {
  const first = perWorker[0]?.state ?? {};
  const recent: Json[] = [];
  const byReason: Record<string, number> = {};
  const decisions: Record<string, { reasons: Record<string, number>; cacheHits: number; cacheMisses: number }> = {};
  for (const { pid, state } of perWorker) {
    const list = Array.isArray(state['recentFailures']) ? (state['recentFailures'] as Json[]) : [];
    for (const f of list) recent.push({ ...f, worker: pid });
    for (const [reason, n] of Object.entries((state['failuresByReason'] ?? {}) as Json)) byReason[reason] = (byReason[reason] ?? 0) + num(n);
    for (const [deployment, d] of Object.entries((state['decisions'] ?? {}) as Record<string, Json>)) {
      const sum = (decisions[deployment] ??= { reasons: {}, cacheHits: 0, cacheMisses: 0 });
      sum.cacheHits += num(d['cacheHits']);
      sum.cacheMisses += num(d['cacheMisses']);
      for (const [reason, n] of Object.entries((d['reasons'] ?? {}) as Json)) sum.reasons[reason] = (sum.reasons[reason] ?? 0) + num(n);
    }
  }
  recent.sort((a, b) => String(b['at']).localeCompare(String(a['at'])));
  return { ...first, decisions, recentFailures: recent.slice(0, RECENT_FAILURES_MAX), failuresByReason: byReason };
}

/**
 * `POST /admin/reload` over the workers: applied only when every worker says so. A worker that did
 * not answer (busy, dying, still starting) may or may not have reloaded while the others did, so it
 * is named in the errors: a 422 with no error said "rejected" when part of the gateway had applied it.
 */
export function mergeReloads(perWorker: readonly { pid: number | undefined; result: { applied: boolean; errors: string[] } | null }[]): { applied: boolean; errors: string[] } {
  const rejected = perWorker.find((w) => w.result !== null && !w.result.applied);
  const silent = perWorker.filter((w) => w.result === null).map((w) => `worker ${w.pid ?? '?'} did not answer: it may not have reloaded while the others did; send the reload again`);
  return { applied: perWorker.every((w) => w.result?.applied === true), errors: [...(rejected?.result?.errors ?? []), ...silent] };
}
