import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RECENT_FAILURES_MAX, authStats, decisionSummary, failureSummary, outcomeOf } from '../../src/auth/stats.ts';
import { SharedRegistry } from '../../src/lib/shared_registry.ts';

test('outcomes: allowed, denied (401), forbidden (403), unavailable (503)', () => {
  assert.equal(outcomeOf('ok'), 'allowed');
  assert.equal(outcomeOf('anonymous'), 'allowed');
  assert.equal(outcomeOf('signature_invalid'), 'denied');
  assert.equal(outcomeOf('scope_insufficient'), 'forbidden');
  assert.equal(outcomeOf('keys_unavailable'), 'unavailable');
});

test('recent failures are bounded, newest first; totals by reason and per deployment', async () => {
  const registry = new SharedRegistry();
  const s = authStats(registry, 'stats-test');
  for (let i = 0; i < RECENT_FAILURES_MAX + 20; i++) s.record(i % 2 ? 'expired' : 'audience_invalid', Date.UTC(2026, 0, 1) + i * 1000);
  s.hit();
  s.record('ok', 0);
  const { recentFailures, failuresByReason } = failureSummary(registry);
  assert.equal(recentFailures.length, RECENT_FAILURES_MAX);
  const first = recentFailures[0] as { at: string; reason: string; deployment: string };
  assert.equal(first.deployment, 'stats-test');
  assert.equal(first.reason, 'expired', 'the last one recorded comes first');
  assert.equal(failuresByReason['expired'], 60);
  const mine = decisionSummary(registry)['stats-test'] as { reasons: Record<string, number>; cacheHits: number };
  assert.deepEqual(mine.reasons, { ok: 2, expired: 60, audience_invalid: 60 });
  assert.equal(mine.cacheHits, 1);
  const text = await registry.metrics.metrics();
  assert.match(text, /gatehouse_auth_decisions_total\{deployment="stats-test",outcome="denied",reason="expired"\} 60/);
  assert.match(text, /gatehouse_auth_decisions_total\{deployment="stats-test",outcome="allowed",reason="ok"\} 2/);
  assert.match(text, /gatehouse_auth_decision_cache_total\{deployment="stats-test",result="hit"\} 1/);
});

test('regression: two gateways in one process do not share auth counters', async () => {
  const a = new SharedRegistry();
  const b = new SharedRegistry();
  authStats(a, 'same-name').record('expired', 0);
  authStats(b, 'same-name').record('ok', 0);
  assert.deepEqual((decisionSummary(a)['same-name'] as { reasons: unknown }).reasons, { expired: 1 });
  assert.deepEqual((decisionSummary(b)['same-name'] as { reasons: unknown }).reasons, { ok: 1 });
  assert.equal(failureSummary(b).recentFailures.length, 0);
  assert.doesNotMatch(await b.metrics.metrics(), /reason="expired"/);
});

test('regression: a deployment that a reload removes loses its auth series; one that stays keeps its counts', async () => {
  const registry = new SharedRegistry();
  authStats(registry, 'kept').record('expired', 0);
  authStats(registry, 'dropped').record('expired', 0);
  await registry.commit();
  // The next plan authenticates only `kept`.
  const kept = authStats(registry, 'kept');
  await registry.commit();
  kept.record('expired', 1);
  const text = await registry.metrics.metrics();
  assert.match(text, /deployment="kept",outcome="denied",reason="expired"\} 2/);
  assert.doesNotMatch(text, /deployment="dropped"/);
  // A plan without authentication unregisters the metrics altogether.
  await registry.commit();
  assert.doesNotMatch(await registry.metrics.metrics(), /gatehouse_auth_decisions_total/);
});
