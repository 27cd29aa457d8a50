/**
 * Functions end to end: the real `gatehouse serve` process, real @fnproject/fdk functions
 * (test/fixtures/functions) as child processes of it, called through deployment routes.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { ROOT, runCli, startGateway, type RunningGatewayProcess } from '../helpers/gateway.ts';
import { eventually } from '../helpers/eventually.ts';
import { isAlive } from '../helpers/process.ts';

const FIX = join(ROOT, 'test/fixtures/functions');

const route = (path: string, functionId: string, methods = ['ANY']) => ({ path, methods, backend: { type: 'ORACLE_FUNCTIONS_BACKEND', functionId } });

const config = {
  deployments: [
    {
      name: 'fns',
      pathPrefix: '/v1',
      specification: {
        routes: [
          route('/hello', 'ocid1.fnfunc.oc1.phx.aaaaaaaahello'),
          route('/created', 'http'),
          route('/text', 'raw'),
          route('/boom', 'throws'),
          route('/nothing', 'nothing'),
          route('/hang', 'hangs'),
          route('/hog', 'memhog'),
          route('/burst', 'burst'),
          route('/idle', 'idle'),
        ],
      },
    },
  ],
  functions: {
    'ocid1.fnfunc.oc1.phx.aaaaaaaahello': { path: join(FIX, 'echo') },
    http: { path: join(FIX, 'http') },
    raw: { path: join(FIX, 'raw') },
    throws: { path: join(FIX, 'throws') },
    nothing: { path: join(FIX, 'nothing') },
    hangs: { path: join(FIX, 'hangs') },
    memhog: { path: join(FIX, 'memhog') },
    burst: { path: join(FIX, 'pid'), maxConcurrency: 3 },
    idle: { path: join(FIX, 'pid') },
  },
};

let gw: RunningGatewayProcess;

before(async () => {
  gw = await startGateway({ config });
});

after(async () => {
  await gw?.stop();
});


async function call(path: string, init?: RequestInit): Promise<{ status: number; headers: Headers; text: string; json(): any }> {
  const r = await fetch(gw.url + path, init);
  const text = await r.text();
  return { status: r.status, headers: r.headers, text, json: () => JSON.parse(text) };
}

const post = (data: unknown): RequestInit => ({ method: 'POST', body: JSON.stringify(data), headers: { 'content-type': 'application/json' } });

test('a JSON result, with the request mapped as OCI maps it', async () => {
  const r = await call('/v1/hello?who=me', { ...post({ name: 'Ann' }), headers: { 'content-type': 'application/json', 'opc-request-id': 'rid-1', 'x-client': 'c' } });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'application/json');
  assert.equal(r.headers.get('opc-request-id'), 'rid-1');
  const b = r.json();
  assert.equal(b.message, 'Hello Ann');
  assert.equal(b.method, 'POST');
  assert.equal(b.requestURL, '/v1/hello?who=me');
  assert.deepEqual(b.headers['X-Client'], ['c']);
  assert.equal(b.fnId, 'ocid1.fnfunc.oc1.phx.aaaaaaaahello');
  assert.equal(b.callId, r.headers.get('fn-call-id'));
  const line = await gw.waitFor((rec) => rec['callId'] === b.callId && rec['msg'] === 'echo called');
  assert.equal(line['fnId'], 'ocid1.fnfunc.oc1.phx.aaaaaaaahello');
  assert.equal(line['stream'], 'stdout');
});

test('status and headers set through ctx.httpGateway', async () => {
  const r = await call('/v1/created', post({}));
  assert.equal(r.status, 201);
  assert.equal(r.headers.get('x-custom'), 'a, b');
  assert.equal(r.headers.get('set-cookie'), 'k=v');
  assert.equal(r.headers.get('location'), '/things/1');
  assert.equal(r.headers.get('content-type'), 'application/vnd.created+json');
  assert.equal(r.text, '{"created":true}');
});

test('a raw text result', async () => {
  const r = await call('/v1/text');
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'text/plain; charset=utf-8');
  assert.equal(r.text, 'plain text, not JSON: ünïcödé\n');
});

test('a function that throws: 502', async () => {
  const r = await call('/v1/boom');
  assert.equal(r.status, 502);
  assert.deepEqual(r.json(), { code: 502, message: 'Function failed' });
  assert.ok(!r.text.includes('boom'), 'the exception stays in the log');
});

test('a function that returns nothing: 502, and the gateway recovers', async () => {
  assert.equal((await call('/v1/nothing')).status, 502);
  const ok = await call('/v1/nothing', post({ ok: true }));
  assert.equal(ok.status, 200);
  assert.equal(ok.json().ok, true);
});

test('a function that hangs past its timeout: 504, container killed, next call works', async () => {
  const warm = (await call('/v1/hang', post({ ok: true }))).json();
  const r = await call('/v1/hang', post({}));
  assert.equal(r.status, 504);
  await eventually(`the hung container ${warm.pid} is killed`, () => !isAlive(warm.pid));
  assert.equal((await call('/v1/hang', post({ ok: true }))).status, 200);
});

test('a function that exceeds its memory: killed, 502, next call works', async () => {
  const warm = (await call('/v1/hog', post({ ok: true }))).json();
  assert.equal((await call('/v1/hog', post({}))).status, 502);
  await eventually(`the container ${warm.pid} over its memory is killed`, () => !isAlive(warm.pid));
  assert.equal((await call('/v1/hog', post({ ok: true }))).status, 200);
});

test('a burst of concurrent calls scales the pool to its limit, then reuses it', async () => {
  const rs = await Promise.all(Array.from({ length: 9 }, () => call('/v1/burst', post({ sleepMs: 300 }))));
  assert.deepEqual(rs.map((r) => r.status), Array(9).fill(200));
  const pids = new Set(rs.map((r) => r.json().pid));
  assert.equal(pids.size, 3);
  const again = (await call('/v1/burst', post({}))).json();
  assert.ok(pids.has(again.pid), 'a warm container served the next call');
  const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
  assert.match(metrics, /gatehouse_function_cold_starts_total\{function_id="burst"\} 3/);
  assert.match(metrics, /gatehouse_function_warm_containers\{function_id="burst"\} 3/);
  assert.match(metrics, /gatehouse_function_invocations_total\{function_id="burst",outcome="ok"\} 10/);
  assert.match(metrics, /gatehouse_function_call_duration_seconds_count\{function_id="burst"\} 10/);
  assert.match(metrics, /gatehouse_function_errors_total\{function_id="throws",reason="function_error"\} 1/);
});

test('idle containers are reaped, and a crash is recovered from', async () => {
  const first = (await call('/v1/idle', post({}))).json();
  await eventually('reaped after idle_timeout (1 s)', () => !isAlive(first.pid));
  const second = (await call('/v1/idle', post({}))).json();
  assert.notEqual(second.pid, first.pid);
  assert.equal((await call('/v1/idle', post({ crash: true }))).status, 502);
  const third = await call('/v1/idle', post({}));
  assert.equal(third.status, 200);
  assert.notEqual(third.json().pid, second.pid);
});

test('an unknown functionId is a config error naming the route', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gh-fn-cfg-'));
  try {
    const file = join(dir, 'gatehouse.yaml');
    const bad = { ...config, deployments: [{ name: 'x', pathPrefix: '/x', specification: { routes: [route('/a', 'hello'), route('/b', 'missing')] } }] };
    writeFileSync(file, stringify(bad));
    const r = await runCli(['validate', '--config', file]);
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /deployments\[0\]\.specification\.routes\[0\]\.backend\.functionId: unknown function "hello" \(not in functions\)/);
    assert.match(r.stdout + r.stderr, /routes\[1\]\.backend\.functionId: unknown function "missing"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('shutdown stops every container and removes its socket directory', async () => {
  const b = (await call('/v1/hello')).json();
  const sockDir = dirname(String(b.listener).slice('unix:'.length));
  assert.ok(existsSync(sockDir));
  const pids = new Set<number>();
  for (const r of await Promise.all([1, 2, 3].map(() => call('/v1/burst', post({}))))) pids.add(r.json().pid);
  await gw.stop();
  assert.equal(existsSync(sockDir), false);
  for (const p of pids) await eventually(`container ${p} stopped`, () => !isAlive(p));
});

test('gatehouse fn init scaffolds an FDK function that gatehouse fn invoke runs', async () => {
  const dir = mkdtempSync(join(ROOT, 'test/fixtures/functions/.tmp-'));
  try {
    const fnDir = join(dir, 'hello-fn');
    const init = await runCli(['fn', 'init', fnDir]);
    assert.equal(init.code, 0, init.stderr);
    assert.match(readFileSync(join(fnDir, 'func.yaml'), 'utf8'), /^schema_version: 20180708\nname: hello-fn\n[\s\S]*entrypoint: node func\.js\n$/);
    assert.match(readFileSync(join(fnDir, 'func.js'), 'utf8'), /require\('@fnproject\/fdk'\)/);
    assert.equal(JSON.parse(readFileSync(join(fnDir, 'package.json'), 'utf8')).dependencies['@fnproject/fdk'], '>=0.0.76');
    const again = await runCli(['fn', 'init', fnDir]);
    assert.equal(again.code, 1, 'refuses to overwrite');
    const cfg = join(dir, 'gatehouse.yaml');
    writeFileSync(cfg, stringify({ deployments: [], functions: { hello: { path: './hello-fn' } } }));
    const inv = await runCli(['fn', 'invoke', '--config', cfg, 'hello', '--data', '{"name":"Gatehouse"}']);
    assert.equal(inv.code, 0, inv.stderr);
    assert.deepEqual(JSON.parse(inv.stdout), { message: 'Hello Gatehouse' });
    assert.match(inv.stderr, /Inside Node Hello World function/, 'function output is logged to stderr');
    const bad = await runCli(['fn', 'invoke', '--config', cfg, 'nope']);
    assert.equal(bad.code, 1);
    const boom = await runCli(['fn', 'invoke', '--config', join(FIX, 'invoke.yaml'), 'throws']);
    assert.equal(boom.code, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('regression: a function that fails to start names the cause and the fix, without a flood of stack lines', async () => {
  const out = await runCli(['fn', 'invoke', '--config', join(FIX, 'invoke.yaml'), 'missing']);
  assert.equal(out.code, 1);
  assert.match(out.stderr, /start_failed: exited before listening \(code 1, signal none\): Error: Cannot find module 'gatehouse-fixture-not-installed'/);
  assert.ok(out.stderr.includes(`(fix: run "npm install" in ${join(FIX, 'missing_module')})`), out.stderr);
  const stackLines = out.stderr.split('\n').filter((l) => /"msg":"\s+at Module\./.test(l));
  assert.deepEqual(stackLines, [], 'the stack trace is not logged line by line');
});
