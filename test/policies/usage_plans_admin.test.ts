/**
 * The admin API's `/admin/subscribers` routes over real sockets: a plan compiled from a real config
 * (SQLite subscriber store in a temporary directory), its data plane and its admin plane served
 * in this process by the gateway's own handlers. A key created through the admin API works on the
 * data plane as soon as the API has answered; a removed one stops at once; bad input is a 400 with
 * a JSON message; no answer ever carries a stored token or its hash.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { compilePlan } from '../../src/config/compile.ts';
import { loadConfigText } from '../../src/config/load.ts';
import { createLogger } from '../../src/lib/log.ts';
import { SharedRegistry } from '../../src/lib/shared_registry.ts';
import { answerAdmin, createAdminHandler, type AdminInfo } from '../../src/server/admin_plane.ts';
import { createAdminAccess } from '../../src/server/admin_access.ts';

const ADMIN_KEY = 'usage-admin-test-key-0123456789';
import { createDataPlaneHandler, type DataPlaneState } from '../../src/server/data_plane.ts';

const CONFIG = {
  usagePlans: [
    { id: 'ocid1.apigatewayusageplan.oc1..gold', displayName: 'Gold', entitlements: [{ name: 'all', targets: [{ deploymentId: 'shop' }] }] },
  ],
  subscribers: [{ id: 'declared', displayName: 'Declared', usagePlans: ['Gold'], clients: [{ name: 'web', token: 'declared-token' }] }],
  state: { database: 'state/gw.sqlite' },
  deployments: [
    {
      name: 'shop',
      pathPrefix: '/shop',
      specification: {
        requestPolicies: { usagePlans: { tokenLocations: ['request.headers[x-client-token]'] } },
        routes: [{ path: '/items', methods: ['GET'], backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'items' } }],
      },
    },
  ],
};

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('admin API: /admin/subscribers', () => {
  let dir: string;
  let registry: SharedRegistry;
  let data: Server;
  let admin: Server;
  let dataUrl: string;
  let adminUrl: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'usage-admin-'));
    registry = new SharedRegistry();
    const log = createLogger({ level: 'silent' });
    const plan = compilePlan(loadConfigText(stringify(CONFIG), join(dir, 'gatehouse.yaml')), registry, log);
    const state: DataPlaneState = { plan, draining: false, inFlight: 0 };
    const info: AdminInfo = { dataUrl: '', adminUrl: '', idpUrl: null, startedAt: new Date().toISOString(), lastReload: null };
    data = createServer(createDataPlaneHandler(state, log));
    const access = createAdminAccess({ keys: [ADMIN_KEY], openReads: true });
    admin = createServer(createAdminHandler((method, path, body) => answerAdmin({ state, registry, info, reload: async () => ({ applied: true, errors: [] }) }, method, path, body), { access }));
    dataUrl = await listen(data);
    adminUrl = await listen(admin);
  });

  after(async () => {
    data.closeAllConnections();
    admin.closeAllConnections();
    await Promise.all([new Promise((r) => data.close(r)), new Promise((r) => admin.close(r))]);
    await registry.closeAll();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(`${adminUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await r.text();
    return { status: r.status, text, json: text === '' ? null : (JSON.parse(text) as Record<string, unknown>) };
  };
  const get = async (token: string | null) => (await fetch(`${dataUrl}/shop/items`, { headers: token === null ? {} : { 'x-client-token': token } })).status;

  it('creates a subscriber with a client, whose token works on the data plane at once; removes it again', async () => {
    const created = await call('POST', '/admin/subscribers', { id: 'acme', displayName: 'Acme', usagePlans: ['Gold'], clients: ['app'] });
    assert.equal(created.status, 201, created.text);
    const body = created.json as { subscriber: { id: string; usagePlans: string[] }; tokens: { name: string; token: string }[] };
    assert.deepEqual(body.subscriber.usagePlans, ['ocid1.apigatewayusageplan.oc1..gold'], 'stored by plan id');
    const appToken = body.tokens[0]?.token as string;
    assert.match(appToken, /^ghk_/);
    assert.equal(await get(appToken), 200);

    const second = await call('POST', '/admin/subscribers/acme/clients', { name: 'batch' });
    assert.equal(second.status, 201, second.text);
    const batchToken = (second.json as { token: string }).token;
    assert.equal(await get(batchToken), 200);

    const list = await call('GET', '/admin/subscribers');
    assert.equal(list.status, 200);
    const subs = list.json as unknown as { id: string; origin: string; clients: { name: string }[] }[];
    assert.deepEqual(subs.map((s) => [s.id, s.origin]), [['declared', 'config'], ['acme', 'api']]);
    assert.deepEqual(subs[1]?.clients.map((c) => c.name), ['app', 'batch']);
    assert.ok(!list.text.includes(appToken) && !list.text.includes('declared-token') && !/[0-9a-f]{64}/.test(list.text), 'no token and no token hash in the list');

    const removed = await call('DELETE', '/admin/subscribers/acme/clients/app');
    assert.equal(removed.status, 204);
    assert.equal(removed.text, '');
    assert.equal(await get(appToken), 403, 'refused as soon as the API answered');
    assert.equal(await get(batchToken), 200);
    assert.equal((await call('DELETE', '/admin/subscribers/acme')).status, 204);
    assert.equal(await get(batchToken), 403);
    assert.equal(await get('declared-token'), 200);
    assert.equal(await get(null), 403);
  });

  it('answers bad input with 400 and a JSON message, unknown subscribers with 404, config-declared ones with 409', async () => {
    const cases: [string, string, unknown, number, RegExp][] = [
      ['POST', '/admin/subscribers', 'not json', 400, /not JSON/],
      ['POST', '/admin/subscribers', [], 400, /must be a JSON object/],
      ['POST', '/admin/subscribers', { displayName: 'x', usagePlans: ['Nope'] }, 400, /no usage plan has the id or displayName "Nope"/],
      ['POST', '/admin/subscribers', { displayName: 'x' }, 400, /usagePlans must be a list/],
      ['POST', '/admin/subscribers', { displayName: 'x', usagePlans: ['Gold'], clients: [{ name: 'a', token: 'mine' }] }, 400, /token cannot be given/],
      ['POST', '/admin/subscribers', { displayName: 'x', usagePlans: ['Gold'], colour: 'red' }, 400, /unknown field: colour/],
      ['POST', '/admin/subscribers', { id: 'has space', displayName: 'x', usagePlans: ['Gold'] }, 400, /subscriber id/],
      ['POST', '/admin/subscribers/nobody/clients', { name: 'a' }, 404, /no subscriber nobody/],
      ['POST', '/admin/subscribers/declared/clients', { name: 'a' }, 409, /declared in the config file/],
      ['DELETE', '/admin/subscribers/nobody', undefined, 404, /no subscriber nobody/],
      ['PUT', '/admin/subscribers', {}, 405, /PUT is not allowed/],
    ];
    for (const [method, path, body, status, message] of cases) {
      const r = await call(method, path, body);
      assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(body)}: ${r.text}`);
      assert.equal((r.json as { code: number }).code, status);
      assert.match(String((r.json as { message: string }).message), message);
    }
    // The body is read once the credential has been checked (an anonymous one gets 401 unread).
    const big = await fetch(`${adminUrl}/admin/subscribers`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' }, body: 'x'.repeat(70 * 1024) });
    assert.equal(big.status, 413);
  });
});
