/**
 * A subscriber database that accepts connections and never answers (PostgreSQL has no connect
 * timeout) must not hold requests: keys from the config file work at once, other keys are refused
 * with 403 after a bounded wait instead of hanging.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { startGateway, type RunningGatewayProcess } from '../helpers/gateway.ts';

const KEY = 'ghk_config-declared-key-for-the-store-down-test-00';

describe('usage plans with a subscriber database that never answers (e2e)', () => {
  let silent: Server;
  const sockets = new Set<Socket>();
  let gw: RunningGatewayProcess;

  before(async () => {
    silent = createServer((s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    gw = await startGateway({
      config: {
        state: { database: `postgres://gatehouse@127.0.0.1:${port}/gatehouse` },
        usagePlans: [{ id: 'free', entitlements: [{ name: 'all', targets: [{ deploymentId: 'api' }] }] }],
        subscribers: [{ id: 'acme', clients: [{ name: 'ci', token: KEY }], usagePlans: ['free'] }],
        deployments: [
          {
            name: 'api',
            pathPrefix: '/api',
            specification: {
              requestPolicies: { usagePlans: { tokenLocations: ['request.headers[x-api-key]'] } },
              routes: [{ path: '/x', backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'ok' } }],
            },
          },
        ],
      },
    });
  });
  after(async () => {
    await gw?.stop();
    for (const s of sockets) s.destroy();
    await new Promise((r) => silent?.close(r));
  });

  it('regression: a key not in the config file waited forever for a database that never answers; now 403 after a bounded wait', async () => {
    const t0 = Date.now();
    const res = await fetch(`${gw.url}/api/x`, { headers: { 'x-api-key': 'ghk_not-declared-anywhere' }, signal: AbortSignal.timeout(15_000) });
    assert.equal(res.status, 403);
    assert.ok(Date.now() - t0 < 10_000, `answered in ${Date.now() - t0} ms`);
  });

  it('a key declared in the config file is served without waiting for the database', async () => {
    const res = await fetch(`${gw.url}/api/x`, { headers: { 'x-api-key': KEY }, signal: AbortSignal.timeout(15_000) });
    assert.equal(res.status, 200);
  });
});
