import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AUTHORIZER_ALLOW,
  AUTHORIZER_TIMEOUT,
  INTROSPECTION_INACTIVE,
  LIVE_AUTHORIZERS,
  authorizerStats,
  dynamicAuthenticationStats,
  dynamicAuthenticationSummary,
  introspectionStats,
  registerLive,
} from '../../src/auth/policy_stats.ts';
import { SharedRegistry } from '../../src/lib/shared_registry.ts';

test('authorizer counters: two policies of one deployment are one series; deployments count apart', async () => {
  const registry = new SharedRegistry();
  const one = authorizerStats(registry, 'tenants', 'servers[0]');
  const two = authorizerStats(registry, 'tenants', 'servers[1]');
  const other = authorizerStats(registry, 'other', 'authentication');
  assert.notEqual(one, two);
  assert.equal(authorizerStats(registry, 'tenants', 'servers[0]'), one, 'the same policy gets the same counters');
  one.calls[AUTHORIZER_ALLOW]!++;
  two.calls[AUTHORIZER_ALLOW]! += 2;
  other.calls[AUTHORIZER_TIMEOUT]!++;
  one.cacheHits = 4;
  two.cacheMisses = 3;
  const page = await registry.metrics.metrics();
  assert.match(page, /gatehouse_authorizer_calls_total\{deployment="tenants",result="allow"\} 3/);
  assert.match(page, /gatehouse_authorizer_calls_total\{deployment="tenants",result="timeout"\} 0/);
  assert.match(page, /gatehouse_authorizer_calls_total\{deployment="other",result="timeout"\} 1/);
  assert.match(page, /gatehouse_authorizer_cache_total\{deployment="tenants",result="hit"\} 4/);
  assert.match(page, /gatehouse_authorizer_cache_total\{deployment="tenants",result="miss"\} 3/);
  assert.doesNotMatch(page, /gatehouse_introspection_/, 'no introspection metrics without an introspection policy');
});

test('introspection counters by result, and their metrics go when no plan introspects', async () => {
  const registry = new SharedRegistry();
  introspectionStats(registry, 'api', 'validationPolicy').calls[INTROSPECTION_INACTIVE]! += 2;
  await registry.commit();
  assert.match(await registry.metrics.metrics(), /gatehouse_introspection_calls_total\{deployment="api",result="inactive"\} 2/);
  // The next plan has no introspection policy.
  await registry.commit();
  assert.doesNotMatch(await registry.metrics.metrics(), /gatehouse_introspection_calls_total/);
});

test('dynamicAuthentication selections by server key name, and no match', async () => {
  const registry = new SharedRegistry();
  const counts = dynamicAuthenticationStats(registry, 'tenants');
  const alpha = counts.counter('alpha');
  assert.equal(counts.counter('alpha'), alpha, 'one counter per name');
  alpha.count += 2;
  counts.counter('beta');
  counts.unmatched++;
  const page = await registry.metrics.metrics();
  assert.match(page, /gatehouse_dynamic_authentication_selections_total\{deployment="tenants",server="alpha"\} 2/);
  assert.match(page, /gatehouse_dynamic_authentication_selections_total\{deployment="tenants",server="beta"\} 0/);
  assert.match(page, /gatehouse_dynamic_authentication_unmatched_total\{deployment="tenants"\} 1/);
  assert.deepEqual(dynamicAuthenticationSummary(registry), [{ deployment: 'tenants', chosen: { alpha: 2, beta: 0 }, unmatched: 1 }]);
});

test('live policies: a committed reload lists only the new plan\'s; a rejected one keeps the old plan\'s; cache sizes are gauges of the plan in service', async () => {
  const registry = new SharedRegistry();
  const stats = authorizerStats(registry, 'api', 'authentication');
  const live = (cacheSize: number) => ({ cacheSize, policyStats: stats });
  const first = live(2);
  registerLive(registry, LIVE_AUTHORIZERS, first);
  await registry.commit();
  assert.deepEqual(registry.list(LIVE_AUTHORIZERS), [first]);
  assert.match(await registry.metrics.metrics(), /gatehouse_authorizer_cache_entries\{deployment="api"\} 2/);
  // A reload that fails: what it compiled goes, the plan in service stays listed.
  authorizerStats(registry, 'api', 'authentication');
  registerLive(registry, LIVE_AUTHORIZERS, live(5));
  await registry.abort();
  assert.deepEqual(registry.list(LIVE_AUTHORIZERS), [first]);
  // A reload that succeeds replaces it.
  const third = live(0);
  authorizerStats(registry, 'api', 'authentication');
  registerLive(registry, LIVE_AUTHORIZERS, third);
  await registry.commit();
  assert.deepEqual(registry.list(LIVE_AUTHORIZERS), [third]);
  assert.match(await registry.metrics.metrics(), /gatehouse_authorizer_cache_entries\{deployment="api"\} 0/);
});
