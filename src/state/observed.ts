/** What the stores count about themselves beyond StoreHealth, for the `gatehouse_state_*` metrics. */
import type { SharedStore } from './types.ts';

/** Operations counted in `gatehouse_state_failures_total{op}`. */
export type StoreOp = 'consume' | 'get' | 'set';

/** A store that also counts its failures per operation. */
export interface ObservedStore extends SharedStore {
  readonly failuresByOp: Readonly<Record<StoreOp, number>>;
}

export function isObservedStore(s: SharedStore): s is ObservedStore {
  return typeof (s as Partial<ObservedStore>).failuresByOp === 'object';
}

/** Fresh per-operation failure counts, all zero. */
export function noFailures(): Record<StoreOp, number> {
  return { consume: 0, get: 0, set: 0 };
}

/** StoreHealth.failures: the sum of the per-operation counts, so the two can never disagree. */
export function totalFailures(byOp: Readonly<Record<StoreOp, number>>): number {
  return byOp.consume + byOp.get + byOp.set;
}
