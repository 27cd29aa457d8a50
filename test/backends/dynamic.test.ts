import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDynamicBackend, dynamicRoutingCounts, dynamicRoutingSummary } from '../../src/backends/dynamic.ts';
import { SharedRegistry } from '../../src/lib/shared_registry.ts';
import type { Backend, GatewayRequest } from '../../src/types.ts';

function backend(name: string, served: string[]): Backend {
  return { type: 'STOCK_RESPONSE_BACKEND', handle: () => void served.push(name) };
}

test('dynamic routing counts the backend chosen by key name and no match; two routes of one pattern share the series', async () => {
  const registry = new SharedRegistry();
  const served: string[] = [];
  const one = backend('one', served);
  const two = backend('two', served);
  let pick: Backend | null = one;
  const counts = dynamicRoutingCounts(registry, '/r/items');
  const dyn = createDynamicBackend(() => pick, counts, [[one, 'one'], [two, 'two']]);
  let status = 0;
  const rc = { res: { writeHead: (s: number) => ((status = s), rc.res), setHeader: () => undefined, end: () => undefined, headersSent: false } } as unknown as GatewayRequest;
  await dyn.handle(rc);
  pick = two;
  await dyn.handle(rc);
  await dyn.handle(rc);
  pick = null;
  await dyn.handle(rc);
  assert.deepEqual(served, ['one', 'two', 'two']);
  assert.equal(status, 404);
  // Another route entry with the same pattern (other methods) adds to the same series.
  assert.equal(dynamicRoutingCounts(registry, '/r/items'), counts);
  const page = await registry.metrics.metrics();
  assert.match(page, /gatehouse_dynamic_routing_selections_total\{route="\/r\/items",backend="one"\} 1/);
  assert.match(page, /gatehouse_dynamic_routing_selections_total\{route="\/r\/items",backend="two"\} 2/);
  assert.match(page, /gatehouse_dynamic_routing_unmatched_total\{route="\/r\/items"\} 1/);
  assert.deepEqual(dynamicRoutingSummary(registry), [{ route: '/r/items', chosen: { one: 1, two: 2 }, unmatched: 1 }]);
});
