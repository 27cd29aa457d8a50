/**
 * Usage plans end to end: the real gateway process, a real upstream, requests over loopback, and
 * the real `gatehouse subscribers` command writing the subscriber store (SQLite next to the config)
 * while the gateway runs. Client tokens of config-declared subscribers come from the environment.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, startGateway, type RunningGatewayProcess } from '../helpers/gateway.ts';
import { startUpstream, type Upstream } from '../helpers/upstream.ts';
import { eventually } from '../helpers/eventually.ts';

const GOLD = 'ocid1.apigatewayusageplan.oc1..gold';
const ACME_TOKEN = 'acme-web-0f6c1e2d9b8a7c6d5e4f';
const ACME_BATCH_TOKEN = 'acme-batch-9a8b7c6d5e4f3a2b1c0d';
const policy = { usagePlans: { tokenLocations: ['request.headers[x-client-token]', 'request.query[client_token]'] } };

describe('usage plans (e2e)', () => {
  let upstream: Upstream;
  let gw: RunningGatewayProcess;

  before(async () => {
    upstream = await startUpstream();
    gw = await startGateway({
      env: { ACME_TOKEN, ACME_BATCH_TOKEN },
      config: {
        usagePlans: [
          {
            id: GOLD,
            displayName: 'Gold',
            entitlements: [
              {
                name: 'daily',
                quota: { value: 3, unit: 'DAY', resetPolicy: 'CALENDAR', operationOnBreach: 'REJECT' },
                targets: [{ deploymentId: 'ocid1.apideployment.oc1..shop' }, { deploymentId: 'billing' }],
              },
            ],
          },
          { id: 'free', displayName: 'Free', entitlements: [{ name: 'open', targets: [{ deploymentId: 'shop' }] }] },
        ],
        subscribers: [
          {
            id: 'acme',
            displayName: 'Acme',
            usagePlans: ['Gold'],
            clients: [
              { name: 'web', token: '${ACME_TOKEN}' },
              { name: 'batch', token: '${ACME_BATCH_TOKEN}' },
            ],
          },
        ],
        state: { database: 'state/subscribers.sqlite' },
        deployments: [
          {
            name: 'shop',
            id: 'ocid1.apideployment.oc1..shop',
            pathPrefix: '/shop',
            specification: {
              requestPolicies: policy,
              routes: [
                {
                  path: '/items',
                  methods: ['GET'],
                  backend: { type: 'HTTP_BACKEND', url: `${upstream.url}/echo` },
                  requestPolicies: { headerTransformations: { setHeaders: { items: [{ name: 'X-Usage-Plan', values: ['${request.usage_plan[id]}'] }] } } },
                },
              ],
            },
          },
          {
            name: 'billing',
            pathPrefix: '/billing',
            specification: { requestPolicies: policy, routes: [{ path: '/invoices', methods: ['GET'], backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'invoices' } }] },
          },
        ],
      },
    });
  });

  after(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  // The command reads the config as `serve` does, so it runs with the gateway's environment.
  const cli = (args: string[]) => runCli(['subscribers', ...args, '--config', gw.configFile], { env: { ACME_TOKEN, ACME_BATCH_TOKEN } });
  const get = (path: string, token?: string) => fetch(`${gw.url}${path}`, { headers: token === undefined ? {} : { 'x-client-token': token } });

  it('refuses a missing or unknown client token with 403, and logs the reason', async () => {
    const missing = await get('/shop/items');
    assert.equal(missing.status, 403);
    assert.deepEqual(await missing.json(), { code: 403, message: 'Forbidden' });
    assert.equal((await get('/shop/items', 'not-a-client')).status, 403);
    await gw.waitFor((r) => r['msg'] === 'access' && r['status'] === 403 && r['auth'] === 'client_token_missing');
    await gw.waitFor((r) => r['msg'] === 'access' && r['status'] === 403 && r['auth'] === 'client_token_unknown');
    assert.equal(upstream.received.length, 0, 'nothing reached the backend');
  });

  it('counts the quota across the deployments the entitlement targets and the subscriber\'s clients; the backend sees request.usage_plan[id]', async () => {
    const first = await get('/shop/items', ACME_TOKEN);
    assert.equal(first.status, 200);
    assert.equal(upstream.received.at(-1)?.headers['x-usage-plan'], GOLD);
    assert.equal((await fetch(`${gw.url}/billing/invoices?client_token=${ACME_BATCH_TOKEN}`)).status, 200, 'token from the query, on the other deployment');
    assert.equal((await get('/billing/invoices', ACME_TOKEN)).status, 200);
    const over = await get('/shop/items', ACME_BATCH_TOKEN);
    assert.equal(over.status, 429);
    assert.deepEqual(await over.json(), { code: 429, message: 'Too Many Requests' });
    const retryAfter = Number(over.headers.get('retry-after'));
    const endOfDay = Math.ceil((Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() + 1) - Date.now()) / 1000);
    assert.ok(Math.abs(retryAfter - endOfDay) <= 5, `Retry-After ${retryAfter}: until the end of the UTC day (${endOfDay})`);
    assert.equal(over.headers.get('ratelimit-policy'), `"${GOLD}/daily/quota";q=3;w=86400`);
    await gw.waitFor((r) => r['msg'] === 'access' && r['status'] === 429 && r['auth'] === 'quota_exceeded');

    const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
    assert.match(metrics, new RegExp(`gatehouse_usage_plan_requests_total\\{deployment="shop",plan="${GOLD}",entitlement="daily",result="quota_exceeded"\\} 1`));
    assert.match(metrics, /gatehouse_usage_plan_denied_total\{deployment="shop",reason="client_token_unknown"\} 1/);
    assert.ok(!metrics.includes(ACME_TOKEN) && !metrics.includes('acme'), 'no token and no subscriber in the metrics');
    const plan = await (await fetch(`${gw.adminUrl}/admin/plan`)).text();
    assert.ok(!plan.includes(ACME_TOKEN) && !plan.includes(ACME_BATCH_TOKEN), '/admin/plan shows no client token');
    const logged = (await gw.settledLogs()).join('\n');
    assert.ok(!logged.includes(ACME_TOKEN) && !logged.includes(ACME_BATCH_TOKEN), 'no token in the logs');
  });

  it('a key created with `gatehouse subscribers` works without a restart, and stops working once removed', async () => {
    const created = await cli(['create', '--name', 'Beta Inc', '--id', 'beta', '--plan', 'Free', '--client', 'app', '--json']);
    assert.equal(created.code, 0, created.stderr);
    const { tokens } = JSON.parse(created.stdout) as { tokens: { name: string; token: string }[] };
    const token = tokens[0]?.token as string;
    assert.match(token, /^ghk_[A-Za-z0-9_-]{43}$/);
    await eventually('the running gateway admits the new key', async () => (await get('/shop/items', token)).status === 200, { intervalMs: 200 });
    assert.equal(upstream.received.at(-1)?.headers['x-usage-plan'], 'free');
    assert.equal((await get('/billing/invoices', token)).status, 403, 'Free does not target billing');
    await gw.waitFor((r) => r['msg'] === 'access' && r['auth'] === 'client_not_entitled');

    // Only the hash is stored: the token is nowhere in the database files.
    const stateDir = join(gw.dir, 'state');
    for (const name of readdirSync(stateDir)) assert.ok(!readFileSync(join(stateDir, name)).toString('latin1').includes(token.slice(4)), `${name} holds the token`);

    const listed = await cli(['list']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^acme {2}"Acme" {2}plans: ocid1\.apigatewayusageplan\.oc1\.\.gold {2}clients: web, batch {2}\(config file\)$/m);
    assert.match(listed.stdout, /^beta {2}"Beta Inc" {2}plans: free {2}clients: app$/m);
    assert.ok(!listed.stdout.includes(token));

    const removed = await cli(['remove-client', 'beta', 'app']);
    assert.equal(removed.code, 0, removed.stderr);
    await eventually('the removed key is refused', async () => (await get('/shop/items', token)).status === 403, { intervalMs: 200 });

    const refused = await cli(['add-client', 'acme', 'extra']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /subscriber acme is declared in the config file: change it there/);
    const usage = await cli(['create', '--plan', 'Free']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--name is required/);
  });
});
