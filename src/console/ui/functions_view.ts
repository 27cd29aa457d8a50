/**
 * Function pools: the pool state from GET /admin/functions (containers, busy, idle, starting,
 * queued, cold starts) joined with the call counters of /metrics (calls by outcome, mean call
 * time), per function id. A function only one of the two knows is still listed.
 */
import type { FunctionState } from './admin_types.ts';
import { samplesOf, type Samples } from './prometheus.ts';

/** A function's pool state (none known: the counts are null) with its call counters. */
export interface FunctionPool extends Omit<FunctionState, 'coldStarts'> {
  /** From the pool state, else from /metrics; null when neither has counted it. */
  coldStarts: number | null;
  calls: number;
  /** Calls by outcome (`ok`, `timeout`, `busy`, ...). */
  outcomes: Record<string, number>;
  callMeanMs: number | null;
}

export function functionPools(states: FunctionState[], samples: Samples): FunctionPool[] {
  const pools = new Map<string, FunctionPool>();
  const pool = (id: string): FunctionPool => {
    let p = pools.get(id);
    if (p === undefined) {
      pools.set(id, (p = { id, kind: 'local', containers: null, busy: null, idle: null, starting: null, queued: null, coldStarts: null, calls: 0, outcomes: {}, callMeanMs: null }));
    }
    return p;
  };
  for (const s of states) Object.assign(pool(s.id), { kind: s.kind, containers: s.containers, busy: s.busy, idle: s.idle, starting: s.starting, queued: s.queued, coldStarts: s.coldStarts });
  const idOf = (l: Record<string, string>) => l['function_id'] ?? '';
  for (const s of samplesOf(samples, 'gatehouse_function_invocations_total')) {
    const p = pool(idOf(s.labels));
    const outcome = s.labels['outcome'] ?? 'unknown';
    p.calls += s.value;
    p.outcomes[outcome] = (p.outcomes[outcome] ?? 0) + s.value;
  }
  for (const s of samplesOf(samples, 'gatehouse_function_cold_starts_total')) {
    const p = pool(idOf(s.labels));
    if (p.coldStarts === null) p.coldStarts = s.value;
  }
  const sums = new Map<string, { sum: number; count: number }>();
  for (const [name, field] of [
    ['gatehouse_function_call_duration_seconds_sum', 'sum'],
    ['gatehouse_function_call_duration_seconds_count', 'count'],
  ] as const) {
    for (const s of samplesOf(samples, name)) {
      const id = idOf(s.labels);
      pool(id);
      const acc = sums.get(id) ?? { sum: 0, count: 0 };
      acc[field] += s.value;
      sums.set(id, acc);
    }
  }
  for (const [id, { sum, count }] of sums) pool(id).callMeanMs = count > 0 ? (sum / count) * 1000 : null;
  return [...pools.values()].sort((a, b) => a.id.localeCompare(b.id));
}
