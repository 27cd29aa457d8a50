/**
 * `/health/ready` says why it is 503: each deployment whose key store cannot serve, the key source
 * and the reason (issue #11: the 503 had no body worth reading), for one process and for the
 * `--workers` primary, which adds the worker each reason comes from. A store that recovers drops
 * out of the list.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { eventually } from '../helpers/eventually.ts';
import { startGateway } from '../helpers/gateway.ts';
import { JwksServer } from '../helpers/jwks_server.ts';
import { freePort } from '../helpers/net.ts';

interface Reason {
  deployment?: string;
  keySource?: string;
  reason: string;
  worker?: number;
}
interface ReadyBody {
  status: string;
  draining: boolean;
  reasons: Reason[];
}

async function ready(adminUrl: string): Promise<{ status: number; body: ReadyBody }> {
  const res = await fetch(`${adminUrl}/health/ready`);
  return { status: res.status, body: (await res.json()) as ReadyBody };
}

describe('/health/ready reasons (e2e)', () => {
  let failing: JwksServer;
  let deadUri: string;
  const jwt = (uri: string) => ({
    type: 'JWT_AUTHENTICATION',
    issuers: ['https://issuer.example/'],
    audiences: ['api'],
    publicKeys: { type: 'REMOTE_JWKS', uri },
  });
  const stock = [{ path: '/p', backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'ok' } }];
  const config = () => ({
    server: { host: '127.0.0.1' },
    deployments: [
      { name: 'orders', pathPrefix: '/orders', specification: { requestPolicies: { authentication: jwt(failing.jwksUri) }, routes: stock } },
      { name: 'billing', pathPrefix: '/billing', specification: { requestPolicies: { authentication: jwt(deadUri) }, routes: stock } },
      { name: 'public', pathPrefix: '/public', specification: { routes: stock } },
    ],
  });

  before(async () => {
    failing = await JwksServer.start();
    // Nothing listens on this port: connections are refused.
    deadUri = `http://127.0.0.1:${await freePort()}/.well-known/jwks.json`;
  });
  after(() => failing.stop());

  it('regression: /health/ready answered 503 without saying which deployment or key store was not ready', async () => {
    failing.mode = 'error';
    const gw = await startGateway({ config: config() });
    try {
      let r = await ready(gw.adminUrl);
      await eventually('both stores have failed a first fetch', async () => {
        r = await ready(gw.adminUrl);
        return r.body.reasons.length === 2 && r.body.reasons.every((x) => x.reason !== 'first key fetch still in progress');
      });
      assert.equal(r.status, 503);
      assert.equal(r.body.status, 'not ready');
      assert.equal(r.body.draining, false);
      const byDeployment = new Map(r.body.reasons.map((x) => [x.deployment, x]));
      assert.deepEqual([...byDeployment.keys()].sort(), ['billing', 'orders'], 'the deployment without authentication is not named');
      const orders = byDeployment.get('orders')!;
      assert.equal(orders.keySource, failing.jwksUri);
      assert.match(orders.reason, /HTTP 500/);
      const billing = byDeployment.get('billing')!;
      assert.equal(billing.keySource, deadUri);
      assert.match(billing.reason, /ECONNREFUSED|request failed/);

      // A store that recovers leaves the list; the other keeps its reason.
      failing.mode = 'ok';
      await eventually(
        'the recovered store is no longer named',
        async () => {
          r = await ready(gw.adminUrl);
          return !r.body.reasons.some((x) => x.deployment === 'orders');
        },
        { timeoutMs: 15_000, intervalMs: 200 },
      );
      assert.equal(r.status, 503);
      assert.deepEqual(r.body.reasons.map((x) => x.deployment), ['billing']);
    } finally {
      await gw.stop();
    }
  });

  it('names the deployment, key source, reason and worker on the --workers primary', async () => {
    failing.mode = 'error';
    const gw = await startGateway({ args: ['--workers', '2'], config: config() });
    try {
      let r = await ready(gw.adminUrl);
      await eventually('both workers report both stores with their fetch errors', async () => {
        r = await ready(gw.adminUrl);
        return r.body.reasons.length === 4 && r.body.reasons.every((x) => x.reason !== 'first key fetch still in progress');
      });
      assert.equal(r.status, 503);
      assert.equal(r.body.status, 'not ready');
      assert.equal(r.body.draining, false, 'the same shape as one process answers');
      const workers = ((await (await fetch(`${gw.adminUrl}/admin/info`)).json()) as { workerPids: number[] }).workerPids;
      assert.deepEqual([...new Set(r.body.reasons.map((x) => x.worker))].sort(), [...workers].sort());
      for (const x of r.body.reasons) {
        if (x.deployment === 'orders') {
          assert.equal(x.keySource, failing.jwksUri);
          assert.match(x.reason, /HTTP 500/);
        } else {
          assert.equal(x.deployment, 'billing');
          assert.equal(x.keySource, deadUri);
          assert.match(x.reason, /ECONNREFUSED|request failed/);
        }
      }
    } finally {
      await gw.stop();
    }
  });
});
