export function isObservedStore(s) {
    return typeof s.failuresByOp === 'object';
}
