/**
 * The data plane survives a policy that throws (issue #11): a synchronous throw inside
 * `authenticate`, or a rejected promise, costs that request a 500 and never the process. Real
 * sockets on loopback; the throwing policy stands for a bug in a policy.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { stringify } from 'yaml';
import { compilePlan } from '../../src/config/compile.ts';
import { loadConfigText } from '../../src/config/load.ts';
import { collectingLogger } from '../helpers/log_sink.ts';
import { SharedRegistry } from '../../src/lib/shared_registry.ts';
import { createDataPlaneHandler, type DataPlaneState } from '../../src/server/data_plane.ts';
import type { AuthenticationPolicy } from '../../src/auth/types.ts';
import type { Plan, RoutePlan } from '../../src/plan.ts';

const CONFIG = stringify({
  deployments: [
    {
      name: 'd',
      pathPrefix: '/d',
      specification: {
        routes: [
          { path: '/sync', backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'sync' } },
          { path: '/async', backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'async' } },
          { path: '/fine', backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'fine' } },
        ],
      },
    },
  ],
});

function throwing(kind: 'sync' | 'async'): AuthenticationPolicy {
  return {
    allowsAnonymous: false,
    ready: async () => true,
    authenticate() {
      if (kind === 'sync') throw new TypeError('policy bug (sync)');
      return Promise.reject(new TypeError('policy bug (async)'));
    },
  };
}

test('regression: a synchronous throw inside authenticate is a 500 for that request, never a crashed process', async () => {
  const { log, records: lines } = collectingLogger('info');
  const registry = new SharedRegistry();
  const compiled = compilePlan(loadConfigText(CONFIG, 'gatehouse.yaml'), registry, log);
  // The compiled plan is frozen: a router in front of it hands out the routes with a throwing policy.
  const router = {
    match(segments: string[], method: string) {
      const m = compiled.router.match(segments, method);
      const kind = segments[1];
      if (m?.value == null || (kind !== 'sync' && kind !== 'async')) return m;
      return { ...m, value: { ...m.value, authentication: throwing(kind) } satisfies RoutePlan };
    },
  } as Plan['router'];
  const plan: Plan = { ...compiled, router };
  const state: DataPlaneState = { plan, draining: false, inFlight: 0 };
  const server = createServer(createDataPlaneHandler(state, log));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    for (const kind of ['sync', 'async']) {
      const res = await fetch(`${base}/d/${kind}`, { headers: { authorization: 'Bearer not-logged' } });
      assert.equal(res.status, 500, kind);
      assert.deepEqual(await res.json(), { code: 500, message: 'Internal Server Error' });
      assert.ok(lines.some((l) => l['msg'] === 'request failed' && String((l['err'] as { message?: string })?.message).includes(`policy bug (${kind})`)), `${kind} failure is logged`);
    }
    // The process still serves, and the failed requests were accounted for.
    assert.equal(await (await fetch(`${base}/d/fine`)).text(), 'fine');
    assert.equal(state.inFlight, 0);
    assert.ok(!JSON.stringify(lines).includes('not-logged'), 'the Authorization value is never logged');
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await registry.closeAll();
  }
});
