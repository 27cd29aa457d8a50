/**
 * The token service's storage drivers are loaded only when a database is opened (issue 15): a
 * gateway without a token service or usage-plan store never loads better-sqlite3 (a native addon)
 * or pg. Real `gatehouse serve` processes, started with test/helpers/module_trace.mjs preloaded,
 * list every module they loaded when they exit; a token service and a usage-plan store are the
 * controls that show the trace does see the drivers when they are used.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, startGateway } from './helpers/gateway.ts';

const TRACE_HOOK = pathToFileURL(join(ROOT, 'test/helpers/module_trace.mjs')).href;
const STATUS_ROUTE = { path: '/status', methods: ['GET'], backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'ok' } };

/** Runs `serve` on `config` until it is ready and has answered once, stops it; the modules it loaded. */
async function modulesLoaded(config: object, env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-lazy-'));
  const trace = join(dir, 'modules.txt');
  try {
    const gw = await startGateway({
      config,
      cwd: dir,
      env: { ...env, GATEHOUSE_MODULE_TRACE: trace, NODE_OPTIONS: `${process.env['NODE_OPTIONS'] ?? ''} --import=${TRACE_HOOK}`.trim() },
    });
    try {
      const res = await fetch(`${gw.url}/v1/status`);
      assert.equal(res.status, 200);
      await res.arrayBuffer();
    } finally {
      assert.equal(await gw.stop(), 0, `gatehouse did not stop cleanly: ${gw.stderr()}`);
    }
    return readFileSync(trace, 'utf8').split('\n').filter((l) => l !== '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const loads = (modules: string[], pkg: string): boolean => modules.some((m) => m.includes(`/node_modules/${pkg}/`));

describe('storage drivers loaded on demand', () => {
  const plain = { server: { host: '127.0.0.1' }, deployments: [{ name: 'plain', pathPrefix: '/v1', specification: { routes: [STATUS_ROUTE] } }] };

  for (const [mode, dist] of [['src/ through tsx', '0'], ['compiled dist/', '1']] as const) {
    it(`regression: serve loaded better-sqlite3 and pg with no token service or usage-plan store (${mode})`, { timeout: 60_000 }, async () => {
      const modules = await modulesLoaded(plain, { GATEHOUSE_DIST: dist });
      // The trace saw the gateway's own modules: an empty trace would prove nothing.
      assert.ok(modules.some((m) => m.includes(dist === '1' ? '/dist/server/data_plane.js' : '/src/server/data_plane.ts')), `the trace lists the gateway's modules: ${modules.slice(0, 5).join(', ')}`);
      assert.ok(loads(modules, 'jose'));
      assert.equal(loads(modules, 'better-sqlite3'), false, 'better-sqlite3 not loaded');
      assert.equal(loads(modules, 'pg'), false, 'pg not loaded');
      assert.equal(loads(modules, 'ioredis'), false, 'ioredis not loaded (no state.redis)');
    });
  }

  it('regression: ioredis was loaded by every serve; now only by one whose configuration names a Redis', { timeout: 60_000 }, async () => {
    const limited = {
      server: { host: '127.0.0.1' },
      // Port 9 (discard) on loopback: nothing answers, the store just stays down; the request still passes (fail open).
      state: { redis: { url: 'redis://127.0.0.1:9', connectTimeoutMs: 200, commandTimeoutMs: 200 } },
      deployments: [{ name: 'plain', pathPrefix: '/v1', specification: { requestPolicies: { rateLimiting: { rateInRequestsPerSecond: 100, rateKey: 'TOTAL' } }, routes: [STATUS_ROUTE] } }],
    };
    const modules = await modulesLoaded(limited);
    assert.equal(loads(modules, 'ioredis'), true);
  });

  it('a token service on SQLite loads better-sqlite3 (and not pg)', { timeout: 60_000 }, async () => {
    const modules = await modulesLoaded({ ...plain, identityProvider: { port: 0, database: 'idp.sqlite' } });
    assert.equal(loads(modules, 'better-sqlite3'), true);
    assert.equal(loads(modules, 'pg'), false);
  });

  it('a usage-plan store on SQLite loads better-sqlite3 (and not pg)', { timeout: 60_000 }, async () => {
    const plan = {
      id: 'ocid1.apigatewayusageplan.oc1..free',
      entitlements: [{ name: 'trial', rateLimit: { value: 100, unit: 'SECOND' }, targets: [{ deploymentId: 'ocid1.apideployment.oc1..metered' }] }],
    };
    const metered = {
      name: 'metered',
      id: 'ocid1.apideployment.oc1..metered',
      pathPrefix: '/metered',
      specification: { requestPolicies: { usagePlans: { tokenLocations: ['request.headers[x-api-key]'] } }, routes: [STATUS_ROUTE] },
    };
    const modules = await modulesLoaded({ ...plain, state: { database: 'subscribers.sqlite' }, usagePlans: [plan], deployments: [...plain.deployments, metered] });
    assert.equal(loads(modules, 'better-sqlite3'), true);
    assert.equal(loads(modules, 'pg'), false);
  });
});
