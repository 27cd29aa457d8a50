/**
 * `serve --workers 2`: workers share the port, the primary fetches JWKS for both (one fetch, not
 * two), a rotated-in kid is accepted at once while a random-kid flood costs nothing more within the
 * cooldown, metrics are summed over workers, a killed worker is replaced, and SIGTERM stops all:
 * promptly, with `/health/live` saying `draining` meanwhile (issue #11).
 */
import { readFileSync } from 'node:fs';
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { eventually } from '../helpers/eventually.ts';
import { startGateway, type RunningGatewayProcess } from '../helpers/gateway.ts';
import { JwksServer, makeKey, signToken, type TestKey } from '../helpers/jwks_server.ts';
import { isAlive } from '../helpers/process.ts';
import { startUpstream } from '../helpers/upstream.ts';

function metric(text: string, name: string, labels: Record<string, string>): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/**
 * How long a `--workers` gateway with nothing in flight may take to exit after SIGTERM. The bug
 * took ~36 s (the primary's kill at shutdownTimeoutInSeconds + 5); a prompt exit takes well under a
 * second, so this only fails when the exit waits on something it should not.
 */
const PROMPT_EXIT_MS = 10_000;

const exitedOf = (gw: RunningGatewayProcess) => () => gw.proc.exitCode !== null || gw.proc.signalCode !== null;

async function workerPids(gw: RunningGatewayProcess): Promise<number[]> {
  return ((await (await fetch(`${gw.adminUrl}/admin/info`)).json()) as { workerPids: number[] }).workerPids;
}

describe('serve --workers (e2e)', () => {
  let jwks: JwksServer;
  let gw: RunningGatewayProcess;
  let key: TestKey;
  const claims = () => ({ iss: jwks.issuer, aud: 'api', sub: 'c@clients', exp: Math.floor(Date.now() / 1000) + 600 });

  before(async () => {
    jwks = await JwksServer.start();
    key = await makeKey('RS256', 'k1');
    jwks.keys = [key];
    gw = await startGateway({
      args: ['--workers', '2'],
      env: { GATEHOUSE_JWKS_COOLDOWN_MS: '60000' },
      config: {
        server: { host: '127.0.0.1' },
        deployments: [
          {
            name: 'api',
            pathPrefix: '/',
            specification: {
              requestPolicies: { authentication: { type: 'JWT_AUTHENTICATION', issuers: [jwks.issuer], audiences: ['api'], publicKeys: { type: 'REMOTE_JWKS', uri: jwks.jwksUri } } },
              routes: [{ path: '/p', backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'ok' } }],
            },
          },
        ],
      },
    });
  });
  after(async () => {
    await gw?.stop();
    await jwks?.stop();
  });

  it('serves from both workers with one JWKS fetch, and sums their metrics', async () => {
    const token = await signToken(key, claims());
    const pids = new Set<number>();
    for (let i = 0; i < 40; i++) {
      const res = await fetch(`${gw.url}/p`, { headers: { authorization: `Bearer ${token}`, connection: 'close' } });
      assert.equal(res.status, 200);
    }
    const info = (await (await fetch(`${gw.adminUrl}/admin/info`)).json()) as { workerPids: number[] };
    for (const p of info.workerPids) pids.add(p);
    assert.equal(pids.size, 2);
    // The harness starts the primary without node flags: the workers still get the young generation Gatehouse is measured with.
    for (const p of pids) assert.ok(readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').includes('--max-semi-space-size=32'), `worker ${p}'s node arguments`);
    assert.equal((await gw.waitFor((r) => r['msg'] === 'gatehouse ready'))['semiSpaceMb'], 32);
    assert.equal(jwks.fetches, 1, 'the primary fetched once for both workers');
    const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
    assert.equal(metric(metrics, 'gatehouse_http_requests_total', { route: '/p', status: '200' }), 40, 'summed over workers');
    assert.equal(metric(metrics, 'gatehouse_jwks_shared_fetches_total', { result: 'ok' }), 1);
    assert.equal((await fetch(`${gw.adminUrl}/health/ready`)).status, 200);
  });

  it('regression: the --workers primary answered POST /metrics, /health/live and /health/ready, which one gateway refuses with 404', async () => {
    for (const path of ['/metrics', '/health/live', '/health/ready']) {
      assert.equal((await fetch(`${gw.adminUrl}${path}`, { method: 'POST', headers: gw.adminHeaders() })).status, 404, path);
      assert.equal((await fetch(`${gw.adminUrl}${path}`, { method: 'HEAD' })).status, 200, path);
    }
  });

  it('accepts a rotated-in kid at once; a random-kid flood over both workers costs no further fetch', async () => {
    const rotated = await makeKey('RS256', 'k2');
    jwks.keys = [key, rotated];
    const before = jwks.fetches;
    const res = await fetch(`${gw.url}/p`, { headers: { authorization: `Bearer ${await signToken(rotated, claims())}` } });
    assert.equal(res.status, 200);
    assert.equal(jwks.fetches - before, 1);
    const stranger = await makeKey('RS256', 'x');
    const flood = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const t = await signToken(stranger, claims(), { kid: `random-${i}` });
        return (await fetch(`${gw.url}/p`, { headers: { authorization: `Bearer ${t}`, connection: 'close' } })).status;
      }),
    );
    assert.ok(flood.every((s) => s === 401));
    assert.equal(jwks.fetches - before, 1, 'no fetch beyond the rotation within the cooldown');
  });

  it('regression: an admin request racing a worker\'s death waited out the ask timeout and answered 504', async () => {
    // The first worker is the one the primary asks first for an answer only one worker gives.
    const [victim, survivor] = await workerPids(gw);
    process.kill(victim!, 'SIGKILL');
    // Asked at once, before the primary may have seen the exit: the surviving worker answers.
    const info = await fetch(`${gw.adminUrl}/admin/info`);
    assert.equal(info.status, 200, await info.clone().text());
    assert.ok(((await info.json()) as { workerPids: number[] }).workerPids.includes(survivor!));
    assert.equal((await fetch(`${gw.adminUrl}/admin/plan`)).status, 200);
    await eventually(
      'a replacement worker is running and ready',
      async () => {
        const pids = await workerPids(gw);
        return pids.length === 2 && !pids.includes(victim!) && (await fetch(`${gw.adminUrl}/health/ready`)).status === 200;
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
  });

  it('replaces a worker that dies, then stops all on SIGTERM', async () => {
    const info = (await (await fetch(`${gw.adminUrl}/admin/info`)).json()) as { workerPids: number[] };
    const victim = info.workerPids[0]!;
    process.kill(victim, 'SIGKILL');
    await eventually(
      'a replacement worker is running and ready',
      async () => {
        const i = (await (await fetch(`${gw.adminUrl}/admin/info`)).json()) as { workerPids: number[] };
        return i.workerPids.length === 2 && !i.workerPids.includes(victim) && (await fetch(`${gw.adminUrl}/health/ready`)).status === 200;
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    const token = await signToken(key, claims());
    assert.equal((await fetch(`${gw.url}/p`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
    const all = ((await (await fetch(`${gw.adminUrl}/admin/info`)).json()) as { workerPids: number[] }).workerPids;
    gw.proc.kill('SIGTERM');
    assert.equal(await gw.exited, 0);
    for (const pid of all) assert.throws(() => process.kill(pid, 0), `worker ${pid} stopped`);
  });
});

describe('serve --workers shutdown (e2e)', () => {
  // The real entry file, run directly (startGateway spawns `node bin/gatehouse.js serve`): `npx`
  // runs it under `sh -c`, which does not pass SIGTERM on.
  const config = (routes: object[]) => ({
    server: { host: '127.0.0.1' },
    deployments: [{ name: 'app', pathPrefix: '/', specification: { routes } }],
  });
  const stock = { path: '/p', backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'ok' } };

  it('regression: serve --workers 2 took ~36 s to exit after SIGTERM although its workers had logged "stopped"', async () => {
    const gw = await startGateway({ args: ['--workers', '2'], config: config([stock]) });
    try {
      assert.equal((await fetch(`${gw.url}/p`)).status, 200);
      const workers = await workerPids(gw);
      assert.equal(workers.length, 2);
      gw.proc.kill('SIGTERM');
      await eventually('the primary exits once its workers have', exitedOf(gw), { timeoutMs: PROMPT_EXIT_MS });
      assert.equal(await gw.exited, 0);
      for (const pid of workers) assert.equal(isAlive(pid), false, `worker ${pid} stopped`);
      await gw.waitFor((r) => r['msg'] === 'stopped' && r['worker'] === undefined);
    } finally {
      await gw.stop();
    }
  });

  it('regression: /health/live answered 200 "live" while the --workers primary drained', async () => {
    const up = await startUpstream();
    const gw = await startGateway({
      args: ['--workers', '2'],
      config: config([stock, { path: '/slow', backend: { type: 'HTTP_BACKEND', url: `${up.url}/slow-headers?ms=3000` } }]),
    });
    try {
      const live = await fetch(`${gw.adminUrl}/health/live`);
      assert.equal(live.status, 200);
      assert.equal(((await live.json()) as { status: string }).status, 'live');
      // A request held in flight by a slow upstream keeps a worker, and so the primary, draining.
      const inFlight = fetch(`${gw.url}/slow`);
      inFlight.catch(() => undefined); // awaited below; a failed assertion before then must not turn into an unhandled rejection
      await eventually('the slow request reached the upstream', () => up.received.some((r) => r.url.startsWith('/slow-headers')));
      gw.proc.kill('SIGTERM');
      let body: { status?: string; workers?: number } = {};
      await eventually('/health/live says draining while the request is in flight', async () => {
        const res = await fetch(`${gw.adminUrl}/health/live`).catch(() => null); // null: the admin plane has closed
        if (res === null) return false;
        body = (await res.json()) as typeof body;
        return res.status === 503;
      });
      assert.equal(body.status, 'draining');
      const ready = await fetch(`${gw.adminUrl}/health/ready`);
      assert.equal(ready.status, 503);
      assert.equal(((await ready.json()) as { draining?: boolean }).draining, true);
      assert.equal(exitedOf(gw)(), false, 'still draining the request in flight');
      const res = await inFlight;
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'late');
      await eventually('the primary exits once the drained workers have', exitedOf(gw), { timeoutMs: PROMPT_EXIT_MS });
      assert.equal(await gw.exited, 0);
    } finally {
      await gw.stop();
      await up.close();
    }
  });
});
