import assert from 'node:assert/strict';
import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { createClusterStateServer } from '../../src/state/cluster.ts';

interface Reply {
  result?: unknown;
  error?: string;
  ms: number;
}

/** Sends a command to a worker and waits for its answer. */
function tell(w: Worker, command: Record<string, unknown>): Promise<Reply> {
  return new Promise((resolve) => {
    const onMessage = (m: unknown) => {
      if (typeof m !== 'object' || m === null || !('testReply' in m)) return;
      w.off('message', onMessage);
      resolve(m as unknown as Reply);
    };
    w.on('message', onMessage);
    w.send(command);
  });
}

test('cluster store: real node:cluster workers share one count and one cache through the primary; an unanswered ask fails after the timeout and recovers', async (t) => {
  // The primary's half, as cluster_primary.ts wires it: rate-limiter-flexible's master listens on
  // `cluster` itself; cache asks go through handle(), here switched off and on to play a stuck primary.
  const server = createClusterStateServer({ maxEntryBytes: 1024 });
  let answering = true;
  cluster.on('message', (w, m) => answering && server.handle(w, m));
  cluster.setupPrimary({ exec: fileURLToPath(new URL('./fixtures/cluster_store_worker.ts', import.meta.url)), execArgv: ['--import', 'tsx'] });
  const workers: Worker[] = [];
  t.after(() => {
    for (const w of workers) w.process.kill('SIGKILL');
  });
  for (let i = 0; i < 2; i++) {
    const w = cluster.fork({ STORE_TIMEOUT_MS: '300' });
    workers.push(w);
    await new Promise<void>((resolve, reject) => {
      w.on('message', (m: unknown) => typeof m === 'object' && m !== null && 'testReady' in m && resolve());
      w.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
    });
  }
  const [a, b] = workers as [Worker, Worker];

  const fromA = (await tell(a, { test: 'consume', n: 3, key: 'client' })).result as { allowed: boolean; remaining: number }[];
  const fromB = (await tell(b, { test: 'consume', n: 3, key: 'client' })).result as { allowed: boolean; remaining: number }[];
  assert.deepEqual(fromA.map((c) => c.remaining), [4, 3, 2]);
  assert.deepEqual(fromB.map((c) => [c.allowed, c.remaining]), [[true, 1], [true, 0], [false, 0]], 'the second worker continues the first one\'s count');

  const value = Buffer.from([0, 200, 7]).toString('base64');
  assert.equal((await tell(a, { test: 'set', key: 'k', value })).result, 'ok');
  assert.equal((await tell(b, { test: 'get', key: 'k' })).result, value, 'cached by one worker, read by the other');
  assert.equal((await tell(b, { test: 'get', key: 'absent' })).result, null);
  await tell(a, { test: 'set', key: 'big', value: Buffer.alloc(2000).toString('base64') });
  assert.equal((await tell(b, { test: 'get', key: 'big' })).result, null, 'the primary\'s maxEntryBytes applies');

  answering = false;
  const stuck = await tell(b, { test: 'get', key: 'k' });
  assert.match(stuck.error ?? '', /did not answer within 300 ms/);
  assert.ok(stuck.ms >= 250 && stuck.ms < 1500, `failed after ${stuck.ms} ms`);
  const down = (await tell(b, { test: 'health' })).result as { kind: string; up: boolean; lastError: string; failures: number };
  assert.deepEqual([down.kind, down.up, down.failures], ['cluster', false, 1]);
  answering = true;
  assert.equal((await tell(b, { test: 'get', key: 'k' })).result, value);
  const up = (await tell(b, { test: 'health' })).result as { up: boolean; lastError: string | null };
  assert.deepEqual([up.up, up.lastError], [true, null]);
});
