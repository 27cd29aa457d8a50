import { isRevocationsPath } from '../auth/revocation_admin.js';
/** True for the requests every worker must see: changes to `/admin/revocations`. */
export function isRevocationChange(method, path) {
    return method !== 'GET' && method !== 'HEAD' && isRevocationsPath(path);
}
const error = (status, message) => ({ status, contentType: 'application/json', body: JSON.stringify({ code: status, message }) });
/**
 * Sends the change to every serving worker; answers with the one that says the most: 201 when any
 * worker added the entry (with Redis, the others see it already and say 200), else the first success,
 * else the first answer. A worker that did not answer may not have the change: 504, so the caller
 * repeats it (a revocation and its removal can be repeated safely).
 */
export async function forwardRevocationChange(serving, ask, method, path, body) {
    if (serving.length === 0)
        return error(503, 'no worker running');
    const answers = (await Promise.all(serving.map((w) => ask(w, method, path, body)))).filter((a) => a !== null);
    if (answers.length < serving.length) {
        return error(504, `${serving.length - answers.length} of ${serving.length} workers did not answer and may not have the change: send it again`);
    }
    return answers.find((x) => x.status === 201) ?? answers.find((x) => x.status < 300) ?? answers[0];
}
/** Batch size of a replay: the admin API takes at most 10 000 entries per POST. */
const REPLAY_BATCH = 10_000;
/** Copies `from`'s revocation list into `to` (a worker that just started); false when either did not answer. */
export async function replayRevocations(from, to, ask) {
    const listed = await ask(from, 'GET', '/admin/revocations');
    if (listed === null || listed.status !== 200)
        return false;
    const entries = JSON.parse(listed.body).revocations.map((e) => ({ jti: e.jti, exp: e.exp }));
    for (let i = 0; i < entries.length; i += REPLAY_BATCH) {
        const a = await ask(to, 'POST', '/admin/revocations', JSON.stringify({ revocations: entries.slice(i, i + REPLAY_BATCH) }));
        if (a === null || a.status !== 200)
            return false;
    }
    return true;
}
