/**
 * The revocation list under `--workers`: each worker holds its own list (auth/revocation.ts), so the
 * primary's admin plane sends every change to every worker, and gives a worker that replaces a dead
 * one the list of a live one before long (it starts empty otherwise, and would let revoked tokens in).
 */
import type { AdminAnswer } from './admin_plane.ts';
import { isRevocationsPath } from '../auth/revocation_admin.ts';

/** Asks one worker's admin plane; null when it did not answer. */
export type AskWorker<W> = (w: W, method: string, path: string, body?: string) => Promise<AdminAnswer | null>;

/** True for the requests every worker must see: changes to `/admin/revocations`. */
export function isRevocationChange(method: string, path: string): boolean {
  return method !== 'GET' && method !== 'HEAD' && isRevocationsPath(path);
}

const error = (status: number, message: string): AdminAnswer => ({ status, contentType: 'application/json', body: JSON.stringify({ code: status, message }) });

/**
 * Sends the change to every serving worker; answers with the one that says the most: 201 when any
 * worker added the entry (with Redis, the others see it already and say 200), else the first success,
 * else the first answer. A worker that did not answer may not have the change: 504, so the caller
 * repeats it (a revocation and its removal can be repeated safely).
 */
export async function forwardRevocationChange<W>(serving: readonly W[], ask: AskWorker<W>, method: string, path: string, body: string): Promise<AdminAnswer> {
  if (serving.length === 0) return error(503, 'no worker running');
  const answers = (await Promise.all(serving.map((w) => ask(w, method, path, body)))).filter((a): a is AdminAnswer => a !== null);
  if (answers.length < serving.length) {
    return error(504, `${serving.length - answers.length} of ${serving.length} workers did not answer and may not have the change: send it again`);
  }
  return answers.find((x) => x.status === 201) ?? answers.find((x) => x.status < 300) ?? answers[0]!;
}

/** Batch size of a replay: the admin API takes at most 10 000 entries per POST. */
const REPLAY_BATCH = 10_000;

/** Copies `from`'s revocation list into `to` (a worker that just started); false when either did not answer. */
export async function replayRevocations<W>(from: W, to: W, ask: AskWorker<W>): Promise<boolean> {
  const listed = await ask(from, 'GET', '/admin/revocations');
  if (listed === null || listed.status !== 200) return false;
  const entries = (JSON.parse(listed.body) as { revocations: { jti: string; exp: number }[] }).revocations.map((e) => ({ jti: e.jti, exp: e.exp }));
  for (let i = 0; i < entries.length; i += REPLAY_BATCH) {
    const a = await ask(to, 'POST', '/admin/revocations', JSON.stringify({ revocations: entries.slice(i, i + REPLAY_BATCH) }));
    if (a === null || a.status !== 200) return false;
  }
  return true;
}
