/**
 * `serve --workers 2`: workers share the port, the primary fetches JWKS for both (one fetch, not
 * two), a rotated-in kid is accepted at once while a random-kid flood costs nothing more within the
 * cooldown, metrics are summed over workers, a killed worker is replaced, and SIGTERM stops all.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type RunningGatewayProcess } from '../helpers/gateway.ts';
import { JwksServer, makeKey, signToken, type TestKey } from '../helpers/jwks_server.ts';

function metric(text: string, name: string, labels: Record<string, string>): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 10000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail('condition not met in time');
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
    assert.equal(jwks.fetches, 1, 'the primary fetched once for both workers');
    const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
    assert.equal(metric(metrics, 'gatehouse_http_requests_total', { route: '/p', status: '200' }), 40, 'summed over workers');
    assert.equal(metric(metrics, 'gatehouse_jwks_shared_fetches_total', { result: 'ok' }), 1);
    assert.equal((await fetch(`${gw.adminUrl}/health/ready`)).status, 200);
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

  it('replaces a worker that dies, then stops all on SIGTERM', async () => {
    const info = (await (await fetch(`${gw.adminUrl}/admin/info`)).json()) as { workerPids: number[] };
    const victim = info.workerPids[0]!;
    process.kill(victim, 'SIGKILL');
    await eventually(async () => {
      const i = (await (await fetch(`${gw.adminUrl}/admin/info`)).json()) as { workerPids: number[] };
      return i.workerPids.length === 2 && !i.workerPids.includes(victim) && (await fetch(`${gw.adminUrl}/health/ready`)).status === 200;
    });
    const token = await signToken(key, claims());
    assert.equal((await fetch(`${gw.url}/p`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
    const all = ((await (await fetch(`${gw.adminUrl}/admin/info`)).json()) as { workerPids: number[] }).workerPids;
    gw.proc.kill('SIGTERM');
    assert.equal(await gw.exited, 0);
    for (const pid of all) assert.throws(() => process.kill(pid, 0), `worker ${pid} stopped`);
  });
});
