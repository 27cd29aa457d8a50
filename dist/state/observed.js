export function isObservedStore(s) {
    return typeof s.failuresByOp === 'object';
}
/** Fresh per-operation failure counts, all zero. */
export function noFailures() {
    return { consume: 0, get: 0, set: 0 };
}
/** StoreHealth.failures: the sum of the per-operation counts, so the two can never disagree. */
export function totalFailures(byOp) {
    return byOp.consume + byOp.get + byOp.set;
}
