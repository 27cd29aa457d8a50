import { test } from 'node:test';
import assert from 'node:assert/strict';
import client from 'prom-client';
import { RECENT_FAILURES_MAX, decisionSummary, failureSummary, outcomeOf, statsFor } from '../../src/auth/stats.ts';

test('outcomes: allowed, denied (401), forbidden (403), unavailable (503)', () => {
  assert.equal(outcomeOf('ok'), 'allowed');
  assert.equal(outcomeOf('anonymous'), 'allowed');
  assert.equal(outcomeOf('signature_invalid'), 'denied');
  assert.equal(outcomeOf('scope_insufficient'), 'forbidden');
  assert.equal(outcomeOf('keys_unavailable'), 'unavailable');
});

test('recent failures are bounded, newest first; totals by reason and per deployment', async () => {
  const s = statsFor('stats-test');
  for (let i = 0; i < RECENT_FAILURES_MAX + 20; i++) s.record(i % 2 ? 'expired' : 'audience_invalid', Date.UTC(2026, 0, 1) + i * 1000);
  s.hit();
  s.record('ok', 0);
  const { recentFailures, failuresByReason } = failureSummary();
  assert.equal(recentFailures.length, RECENT_FAILURES_MAX);
  const first = recentFailures[0] as { at: string; reason: string; deployment: string };
  assert.equal(first.deployment, 'stats-test');
  assert.equal(first.reason, 'expired', 'the last one recorded comes first');
  assert.ok((failuresByReason['expired'] ?? 0) >= 60);
  const mine = decisionSummary()['stats-test'] as { reasons: Record<string, number>; cacheHits: number };
  assert.deepEqual(mine.reasons, { ok: 2, expired: 60, audience_invalid: 60 });
  assert.equal(mine.cacheHits, 1);
  const text = await client.register.metrics();
  assert.match(text, /gatehouse_auth_decisions_total\{deployment="stats-test",outcome="denied",reason="expired"\} 60/);
  assert.match(text, /gatehouse_auth_decisions_total\{deployment="stats-test",outcome="allowed",reason="ok"\} 2/);
  assert.match(text, /gatehouse_auth_decision_cache_total\{deployment="stats-test",result="hit"\} 1/);
});
