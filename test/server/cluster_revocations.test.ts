/** How the --workers primary combines its workers' answers to a revocation change (server/cluster_revocations.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forwardRevocationChange, isRevocationChange, replayRevocations, type AskWorker } from '../../src/server/cluster_revocations.ts';
import type { AdminAnswer } from '../../src/server/admin_plane.ts';

const answer = (status: number, value: unknown = {}): AdminAnswer => ({ status, contentType: 'application/json', body: status === 204 ? '' : JSON.stringify(value) });

/** Workers are names; each answers from its table (null: it did not answer), and every ask is recorded. */
function workers(table: Record<string, AdminAnswer | null>) {
  const asked: [string, string, string, string | undefined][] = [];
  const ask: AskWorker<string> = async (w, method, path, body) => {
    asked.push([w, method, path, body]);
    return table[w] ?? null;
  };
  return { ask, asked };
}

test('changes, not reads, go to every worker', () => {
  assert.equal(isRevocationChange('POST', '/admin/revocations'), true);
  assert.equal(isRevocationChange('DELETE', '/admin/revocations/abc'), true);
  assert.equal(isRevocationChange('GET', '/admin/revocations'), false);
  assert.equal(isRevocationChange('HEAD', '/admin/revocations'), false);
  assert.equal(isRevocationChange('POST', '/admin/subscribers'), false);
});

test('every worker gets the change; 201 wins over 200, a success over a failure', async () => {
  const w = workers({ a: answer(200), b: answer(201) });
  const a = await forwardRevocationChange(['a', 'b'], w.ask, 'POST', '/admin/revocations', '{"jti":"x","exp":1}');
  assert.equal(a.status, 201);
  assert.deepEqual(w.asked.map(([name]) => name).sort(), ['a', 'b']);
  assert.ok(w.asked.every(([, m, p, body]) => m === 'POST' && p === '/admin/revocations' && body === '{"jti":"x","exp":1}'));
  const del = workers({ a: answer(404), b: answer(204) });
  assert.equal((await forwardRevocationChange(['a', 'b'], del.ask, 'DELETE', '/admin/revocations/x', '')).status, 204);
  const bad = workers({ a: answer(400, { code: 400 }), b: answer(400, { code: 400 }) });
  assert.equal((await forwardRevocationChange(['a', 'b'], bad.ask, 'POST', '/admin/revocations', '{}')).status, 400);
});

test('a worker that did not answer makes the answer 504, asking for the change again; no worker: 503', async () => {
  const w = workers({ a: answer(201), b: null });
  const a = await forwardRevocationChange(['a', 'b'], w.ask, 'POST', '/admin/revocations', '{}');
  assert.equal(a.status, 504);
  assert.match(a.body, /1 of 2 workers did not answer .*send it again/);
  assert.equal((await forwardRevocationChange([], w.ask, 'POST', '/admin/revocations', '{}')).status, 503);
});

test('replay: a live worker\'s list goes to the new one as batches of at most 10 000', async () => {
  const entries = Array.from({ length: 10_001 }, (_, i) => ({ jti: `j${i}`, exp: 2_000_000_000, expiresAt: 'x' }));
  const w = workers({ live: answer(200, { count: entries.length, revocations: entries }), fresh: answer(200, { added: 1 }) });
  assert.equal(await replayRevocations('live', 'fresh', w.ask), true);
  const posts = w.asked.filter(([name]) => name === 'fresh');
  assert.equal(posts.length, 2);
  const batches = posts.map(([, , , body]) => (JSON.parse(body!) as { revocations: unknown[] }).revocations);
  assert.deepEqual(batches.map((b) => b.length), [10_000, 1]);
  assert.deepEqual(batches[1], [{ jti: 'j10000', exp: 2_000_000_000 }], 'jti and exp only');
  assert.equal(await replayRevocations('gone', 'fresh', workers({}).ask), false, 'no list to copy');
});
