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
