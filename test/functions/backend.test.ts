/**
 * The function backend end to end in one process: a real node:http server, the real backend and
 * pool, and real @fnproject/fdk functions (test/fixtures/functions) in child processes.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { startHarness, type Harness } from './harness.ts';
import { eventually } from '../helpers/eventually.ts';
import { isAlive } from '../helpers/process.ts';

let h: Harness;
const pidsSeen = new Set<number>();

before(async () => {
  h = await startHarness({
    echo: { path: 'echo', config: { EXTRA: 'from-gateway' }, appName: 'shop' },
    http: { path: 'http' },
    raw: { path: 'raw' },
    throws: { path: 'throws' },
    nothing: { path: 'nothing' },
    hangs: { path: 'hangs' },
    memhog: { path: 'memhog' },
    burst: { path: 'pid', maxConcurrency: 3 },
    queue: { path: 'pid', maxConcurrency: 1, maxQueue: 1 },
    idle: { path: 'pid' },
    crash: { path: 'pid' },
  });
});

after(async () => {
  await h.close();
});


async function call(path: string, init?: RequestInit): Promise<{ status: number; headers: Headers; text: string; json(): any }> {
  const r = await fetch(h.url + path, init);
  const buf = Buffer.from(await r.arrayBuffer());
  const text = buf.toString('utf8');
  return { status: r.status, headers: r.headers, text, json: () => JSON.parse(text) };
}

const post = (data: unknown): RequestInit => ({ method: 'POST', body: JSON.stringify(data), headers: { 'content-type': 'application/json' } });

test('JSON result: the request reaches the function as OCI sends it', async () => {
  process.env['GATEHOUSE_TEST_SECRET'] = 'must-not-leak';
  const claims = { sub: 'client-1@clients', scope: 'read:hello', gty: 'client-credentials' };
  const token = `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;
  const t0 = Date.now();
  const r = await call('/echo/items?q=a%20b&x=1', {
    method: 'PUT',
    body: JSON.stringify({ name: 'Bob' }),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-test': 'yes', connection: 'keep-alive, x-hop', 'x-hop': 'no' },
  });
  delete process.env['GATEHOUSE_TEST_SECRET'];
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'application/json');
  assert.equal(r.headers.get('opc-request-id'), 'test-req');
  const b = r.json();
  assert.equal(b.message, 'Hello Bob');
  assert.deepEqual(b.input, { name: 'Bob' });
  assert.equal(b.method, 'PUT');
  assert.equal(b.requestURL, '/echo/items?q=a%20b&x=1');
  assert.deepEqual(b.headers['X-Test'], ['yes']);
  assert.equal(b.contentType, 'application/json');
  assert.deepEqual(b.claims, claims, 'the token (and so its claims) reaches the function as Fn-Http-H-Authorization');
  assert.equal(b.callId, r.headers.get('fn-call-id'));
  const deadline = Date.parse(b.deadline);
  assert.ok(deadline >= t0 + 29_000 && deadline <= Date.now() + 30_000, `deadline ${b.deadline}`);
  assert.equal(b.fnId, 'echo');
  assert.equal(b.fnName, 'echo');
  assert.equal(b.appName, 'shop');
  assert.equal(b.memory, 128);
  assert.equal(b.greeting, 'hi');
  assert.equal(b.extra, 'from-gateway');
  assert.equal(b.format, 'http-stream');
  assert.equal(b.type, 'sync');
  assert.equal(b.leakedSecret, undefined);
  // stdout and stderr lines are in the gateway log, tagged with function and call.
  const callLines = () => h.logs.filter((l) => l['fnId'] === 'echo' && l['callId'] === b.callId);
  await eventually('both of the call\'s log lines are in the gateway log', () => callLines().length >= 2);
  const lines = callLines();
  assert.deepEqual(lines.map((l) => [l['stream'], l['msg']]), [['stdout', 'echo called'], ['stderr', 'echo stderr line']]);
});

test('hop-by-hop headers, and those Connection names, do not reach the function', async () => {
  const b = await new Promise<any>((resolve, reject) => {
    const req = request(`${h.url}/echo`, { headers: { connection: 'keep-alive, x-hop', 'x-hop': 'no', 'keep-alive': 'timeout=5', te: 'trailers', 'x-kept': 'yes' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => resolve(JSON.parse(text)));
    });
    req.on('error', reject).end();
  });
  assert.deepEqual(b.headers['X-Kept'], ['yes']);
  for (const name of ['X-Hop', 'Connection', 'Keep-Alive', 'Te']) assert.equal(b.headers[name], undefined, name);
});

test('warm container reused across calls', async () => {
  const a = (await call('/echo')).json();
  const b = (await call('/echo')).json();
  assert.equal(a.listener, b.listener);
  assert.equal(h.catalog.get('echo')!.stats().containers, 1);
});

test('status and headers set through ctx.httpGateway', async () => {
  const r = await call('/http', post({}));
  assert.equal(r.status, 201);
  assert.equal(r.headers.get('content-type'), 'application/vnd.created+json');
  assert.equal(r.headers.get('x-custom'), 'a, b');
  assert.equal(r.headers.get('set-cookie'), 'k=v');
  assert.equal(r.headers.get('location'), '/things/1');
  assert.equal(r.headers.get('fn-fdk-version'), null);
  assert.deepEqual(r.json(), { created: true });
});

test('raw text result and a binary body round-trip byte for byte', async () => {
  const t = await call('/raw');
  assert.equal(t.status, 200);
  assert.equal(t.headers.get('content-type'), 'text/plain; charset=utf-8');
  assert.equal(t.text, 'plain text, not JSON: ünïcödé\n');
  const bytes = randomBytes(300_000);
  const r = await fetch(`${h.url}/raw`, { method: 'POST', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
  assert.equal(r.status, 200);
  assert.ok(Buffer.from(await r.arrayBuffer()).equals(bytes));
});

test('a function that throws: 502, the container is kept', async () => {
  const r1 = await call('/throws');
  assert.equal(r1.status, 502);
  assert.deepEqual(r1.json(), { code: 502, message: 'Function failed' });
  const r2 = await call('/throws');
  assert.equal(r2.status, 502);
  const failures = h.logs.filter((l) => l['fnId'] === 'throws' && l['failure'] === 'function_error');
  assert.equal(failures.length, 2);
  const pid = (s: unknown) => /pid (\d+)/.exec(String(s))?.[1];
  assert.equal(pid(failures[0]!['detail']), pid(failures[1]!['detail']), 'same process served both calls');
  assert.match(String(failures[1]!['detail']), /boom 2/);
});

test('a function that returns nothing crashes the FDK: 502, then the next call works', async () => {
  const r1 = await call('/nothing');
  assert.equal(r1.status, 502);
  const r2 = await call('/nothing', post({ ok: true }));
  assert.equal(r2.status, 200);
  assert.equal(r2.json().ok, true);
});

test('a function that hangs past its timeout: 504, the container is killed, the next call works', async () => {
  const warm = (await call('/hangs', post({ ok: true }))).json();
  const t0 = Date.now();
  const r = await call('/hangs', post({}));
  const took = Date.now() - t0;
  assert.equal(r.status, 504);
  assert.deepEqual(r.json(), { code: 504, message: 'Function timed out' });
  assert.ok(took >= 950 && took < 3000, `took ${took} ms (timeout: 1 s)`);
  await eventually('the hung container was killed', () => !isAlive(warm.pid));
  const next = await call('/hangs', post({ ok: true }));
  assert.equal(next.status, 200);
  assert.notEqual(next.json().pid, warm.pid);
});

test('a function that exceeds its memory is killed: 502, the next call works', async () => {
  const warm = (await call('/memhog', post({ ok: true }))).json();
  const r = await call('/memhog', post({}));
  assert.equal(r.status, 502);
  await eventually('the kill is logged', () => h.logs.some((l) => l['fnId'] === 'memhog' && l['msg'] === 'function exceeded its memory; killed'));
  assert.ok(h.logs.some((l) => l['fnId'] === 'memhog' && l['failure'] === 'memory'));
  await eventually(`the container ${warm.pid} over its memory is gone`, () => !isAlive(warm.pid));
  const next = await call('/memhog', post({ ok: true }));
  assert.equal(next.status, 200);
});

test('a burst of concurrent calls scales the pool up to maxConcurrency', async () => {
  const rs = await Promise.all(Array.from({ length: 9 }, () => call('/burst', post({ sleepMs: 300 }))));
  assert.deepEqual(rs.map((r) => r.status), Array(9).fill(200));
  const pids = new Set(rs.map((r) => r.json().pid as number));
  assert.equal(pids.size, 3);
  assert.equal(h.catalog.get('burst')!.stats().containers, 3);
  for (const p of pids) pidsSeen.add(p);
  const metrics = await h.ctx.registry.metrics.getSingleMetricAsString('gatehouse_function_cold_starts_total');
  assert.match(metrics, /gatehouse_function_cold_starts_total\{function_id="burst"\} 3/);
  const warm = await h.ctx.registry.metrics.getSingleMetricAsString('gatehouse_function_warm_containers');
  assert.match(warm, /gatehouse_function_warm_containers\{function_id="burst"\} 3/);
});

test('a full queue answers 503 with Retry-After', async () => {
  const rs = await Promise.all([0, 1, 2].map(() => call('/queue', post({ sleepMs: 400 }))));
  const statuses = rs.map((r) => r.status).sort();
  assert.deepEqual(statuses, [200, 200, 503]);
  const busy = rs.find((r) => r.status === 503)!;
  assert.equal(busy.headers.get('retry-after'), '1');
  assert.equal(h.catalog.get('queue')!.stats().containers, 1);
});

test('idle containers are stopped after idle_timeout and their sockets removed', async () => {
  const r = (await call('/idle', post({}))).json();
  assert.equal(h.catalog.get('idle')!.stats().containers, 1);
  // idle_timeout: 1 s, swept every 0.5 s
  await eventually('the idle container is stopped', () => h.catalog.get('idle')!.stats().containers === 0 && !isAlive(r.pid));
  const again = await call('/idle', post({}));
  assert.equal(again.status, 200);
  assert.notEqual(again.json().pid, r.pid);
});

test('a crash mid-call: 502, the container is replaced, the next call works', async () => {
  const first = (await call('/crash', post({}))).json();
  const r = await call('/crash', post({ crash: true }));
  assert.equal(r.status, 502);
  const next = await call('/crash', post({}));
  assert.equal(next.status, 200);
  assert.notEqual(next.json().pid, first.pid);
  assert.equal(next.json().calls, 1);
});

test('a body over 6 MB is refused with 413', async () => {
  const r = await call('/echo', { method: 'POST', body: Buffer.alloc(6 * 1024 * 1024 + 1), headers: { 'content-type': 'application/octet-stream' } });
  assert.equal(r.status, 413);
  assert.equal(r.json().code, 413);
});

test('a chunked body over 6 MB is refused with 413 too, and the container is not called', async () => {
  const status = await new Promise<number>((resolve, reject) => {
    const req = request(`${h.url}/echo`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    const chunk = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < 7; i++) req.write(chunk);
    req.end();
  });
  assert.equal(status, 413);
});

test('closing stops every container and removes its socket directory', async () => {
  const e = (await call('/echo')).json();
  const dir = dirname(String(e.listener).slice('unix:'.length));
  assert.ok(existsSync(dir));
  const b = (await call('/burst', post({}))).json();
  await h.ctx.registry.closeAll();
  assert.equal(existsSync(dir), false);
  await eventually(`every container stopped (${[b.pid, ...pidsSeen].join(', ')})`, () => [b.pid, ...pidsSeen].every((p) => !isAlive(p)));
  const r = await call('/echo');
  assert.equal(r.status, 503);
});
