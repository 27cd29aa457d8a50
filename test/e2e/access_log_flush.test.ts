/**
 * Access lines are batched (src/lib/log.ts: written at most 25 ms later) yet never lost: a
 * real gateway process, N requests, then SIGTERM or an uncaught error → exactly N access lines on
 * its stdout; and a lone request's line still appears promptly, without more traffic.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { BIN, ROOT } from '../helpers/gateway.ts';
import { eventually } from '../helpers/eventually.ts';

const CONFIG = {
  server: { host: '127.0.0.1' },
  deployments: [{ name: 'logs', pathPrefix: '/v1', specification: { routes: [{ path: '/hello', methods: ['GET'], backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'hi' } }] } }],
};

interface Proc {
  child: ChildProcess;
  url: string;
  /** stdout so far (complete once `closed` resolves). */
  out(): string;
  /** Exit code and signal, once stdout is closed too. */
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  dir: string;
}

/** Runs `node [preload] bin/gatehouse.js serve` (node itself: a signal must reach the gateway, not npx). */
async function serve(nodeArgs: string[], env: NodeJS.ProcessEnv = {}): Promise<Proc> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-logflush-'));
  const file = join(dir, 'gatehouse.json');
  writeFileSync(file, JSON.stringify(CONFIG));
  const child = spawn(process.execPath, [...nodeArgs, BIN, 'serve', '--config', file, '--port', '0', '--admin-port', '0'], {
    cwd: ROOT,
    env: { ...process.env, GATEHOUSE_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('close', (code, signal) => r({ code, signal })));
  let url = '';
  await eventually(`the gateway is ready (stderr: ${err})`, () => {
    url = /"msg":"gatehouse ready"/.test(out) ? (/"dataUrl":"([^"]+)"/.exec(out)?.[1] ?? '') : '';
    return url !== '' || child.exitCode !== null;
  }, { timeoutMs: 20000 });
  assert.notEqual(url, '', `gatehouse did not start: ${err}`);
  return { child, url, out: () => out, closed, dir };
}

function accessLines(out: string): Record<string, unknown>[] {
  return out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((r) => r['msg'] === 'access');
}

/** `n` GETs, 16 at a time on kept-alive connections; returns how many were answered 200. */
async function load(url: string, n: number): Promise<number> {
  const agent = new Agent({ connections: 16 });
  let next = 0;
  let ok = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < n) {
        next++;
        const res = await request(`${url}/v1/hello`, { dispatcher: agent }).catch(() => null);
        if (res === null) continue;
        await res.body.dump();
        if (res.statusCode === 200) ok++;
      }
    }),
  );
  await agent.close();
  return ok;
}

test('N requests then SIGTERM: exactly N access lines, every one complete', async () => {
  const gw = await serve([]);
  try {
    const n = 600;
    assert.equal(await load(gw.url, n), n);
    gw.child.kill('SIGTERM');
    const { code } = await gw.closed;
    assert.equal(code, 0);
    const lines = accessLines(gw.out());
    assert.equal(lines.length, n);
    assert.ok(lines.every((l) => l['status'] === 200 && l['path'] === '/v1/hello' && l['deployment'] === 'logs' && typeof l['reqId'] === 'string'));
  } finally {
    gw.child.kill('SIGKILL');
    rmSync(gw.dir, { recursive: true, force: true });
  }
});

test('the process dies from an uncaught error right after its N-th request: N access lines, the last one written on exit', async () => {
  const n = 300;
  const preload = join(ROOT, 'test/fixtures/log/crash_after_requests.mjs');
  const gw = await serve(['--import', preload], { CRASH_AFTER_REQUESTS: String(n) });
  try {
    // The last request may lose its answer (the process is gone): N-1 are answered at least.
    assert.ok((await load(gw.url, n)) >= n - 1);
    const { code } = await gw.closed;
    assert.equal(code, 1);
    const lines = accessLines(gw.out());
    assert.equal(lines.length, n);
    assert.ok(lines.every((l) => l['status'] === 200));
  } finally {
    gw.child.kill('SIGKILL');
    rmSync(gw.dir, { recursive: true, force: true });
  }
});

test('a lone request: its access line appears promptly, with no further traffic', async () => {
  const gw = await serve([]);
  try {
    const res = await request(`${gw.url}/v1/hello`, { headers: { 'opc-request-id': 'lone-1' } });
    await res.body.dump();
    await eventually('the access line of the lone request', () => accessLines(gw.out()).some((l) => l['reqId'] === 'lone-1'), { timeoutMs: 1000, intervalMs: 10 });
  } finally {
    gw.child.kill('SIGTERM');
    await gw.closed;
    rmSync(gw.dir, { recursive: true, force: true });
  }
});
