import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecisionCache } from '../../src/auth/decision_cache.ts';
import type { AuthVerdict } from '../../src/auth/types.ts';
import type { VerificationKey } from '../../src/auth/jwks/key_import.ts';

const NOW = 1_800_000_000_000;
const KEY = { active: true } as unknown as VerificationKey;
const VERDICT = { status: 0, reason: 'ok', auth: null, challenge: null } as unknown as AuthVerdict;
/** Distinct token-like strings whose tails differ (as signatures do). */
const token = (i: number) => `eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.${i.toString(36).padStart(12, 'q')}sig${(i * 7919).toString(36)}`;

/** A miss then the insert that follows a successful verification, as the authenticator does. */
function verifyAndCache(c: DecisionCache, t: string): boolean {
  const hit = c.get(t, NOW) !== null;
  if (!hit) c.set(t, VERDICT, KEY, NOW + 3_600_000, NOW, 40);
  return hit;
}

test('a second request with the same token is a hit', () => {
  const c = new DecisionCache();
  assert.equal(verifyAndCache(c, token(1)), false);
  assert.equal(verifyAndCache(c, token(1)), true);
  assert.equal(c.selective, false);
});

test('tokens that never repeat: after a window without hits the cache admits a token only on its second verification', () => {
  const c = new DecisionCache({ maxEntries: 10_000 });
  for (let i = 0; i < 4096; i++) verifyAndCache(c, token(i));
  assert.equal(c.selective, true);
  const sizeBefore = c.size;
  for (let i = 4096; i < 20_000; i++) verifyAndCache(c, token(i));
  assert.equal(c.size, sizeBefore, 'never-repeated tokens are no longer inserted');
  // A token that does come back is verified a second time, then cached.
  const t = token(50_000);
  assert.equal(verifyAndCache(c, t), false);
  assert.equal(verifyAndCache(c, t), false);
  assert.equal(verifyAndCache(c, t), true);
});

test('once tokens repeat again, a window with hits admits every token at once again', () => {
  const c = new DecisionCache();
  for (let i = 0; i < 4096; i++) verifyAndCache(c, token(i));
  assert.equal(c.selective, true);
  // 100 clients reusing their tokens: each is cached on its second verification, then hits.
  for (let round = 0; round < 41; round++) for (let i = 0; i < 100; i++) verifyAndCache(c, token(100_000 + i));
  assert.equal(c.selective, false);
  assert.equal(verifyAndCache(c, token(200_000)), false);
  assert.equal(verifyAndCache(c, token(200_000)), true, 'a new token is cached at its first verification again');
});

test('two tokens that end alike never share a decision: the second is a miss, and caching it replaces the first', () => {
  const c = new DecisionCache();
  const end = 'x'.repeat(30);
  const a = `eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.aaaa${end}`;
  const b = `eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJiIn0.bbbb${end}`;
  const verdictA = { ...VERDICT, reason: 'a' } as unknown as AuthVerdict;
  c.set(a, verdictA, KEY, NOW + 3_600_000, NOW, 40);
  assert.equal(c.get(a, NOW), verdictA);
  assert.equal(c.get(b, NOW), null, "b is not a's decision");
  c.set(b, VERDICT, KEY, NOW + 3_600_000, NOW, 40);
  assert.equal(c.get(b, NOW), VERDICT);
  assert.equal(c.get(a, NOW), null, 'a was replaced: a miss, verified again');
  assert.equal(c.size, 1);
});
