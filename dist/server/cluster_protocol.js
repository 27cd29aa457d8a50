const TO_PRIMARY = new Set(['listening', 'jwks', 'admin-reply', 'reload-reply', 'state-get', 'state-set']);
const TO_WORKER = new Set(['jwks-reply', 'admin', 'reload', 'shutdown', 'state-reply']);
function kind(m) {
    if (typeof m !== 'object' || m === null)
        return null;
    const gh = m.gh;
    return typeof gh === 'string' ? gh : null;
}
export function isToPrimary(m) {
    const k = kind(m);
    return k !== null && TO_PRIMARY.has(k);
}
export function isToWorker(m) {
    const k = kind(m);
    return k !== null && TO_WORKER.has(k);
}
