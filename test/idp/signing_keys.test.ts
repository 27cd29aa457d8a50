import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ensureFamily, generateSigningKey, publishedKeys, revokeKey, rotateKeys, toPublicJwk } from '../../src/idp/signing_keys.ts';
import type { KeyRecord } from '../../src/idp/model.ts';

const t0 = new Date('2026-11-28T00:00:00Z');
const t1 = new Date('2026-11-29T00:00:00Z');

function apply(keys: KeyRecord[], changed: KeyRecord[]): KeyRecord[] {
  const byKid = new Map(keys.map((k) => [k.kid, k]));
  for (const k of changed) byKid.set(k.kid, k);
  return [...byKid.values()];
}

test('a family starts with a current and a next key, both published, current first', async () => {
  const keys = await ensureFamily([], 'ES256', t0, 'localhost');
  assert.deepEqual(keys.map((k) => k.state).sort(), ['current', 'next']);
  assert.deepEqual(publishedKeys(keys).map((k) => k.state), ['current', 'next']);
  assert.deepEqual(await ensureFamily(keys, 'ES256', t0, 'localhost'), []);
});

test('rotate promotes next to current, keeps the old current as previous and makes a new next (Auth0)', async () => {
  let keys = await ensureFamily([], 'RS256', t0, 'localhost');
  const current = keys.find((k) => k.state === 'current')!;
  const next = keys.find((k) => k.state === 'next')!;
  keys = apply(keys, await rotateKeys(keys, t1, 'localhost'));
  assert.equal(keys.find((k) => k.kid === next.kid)?.state, 'current');
  assert.equal(keys.find((k) => k.kid === next.kid)?.currentSince, t1.toISOString());
  assert.equal(keys.find((k) => k.kid === current.kid)?.state, 'previous');
  assert.equal(keys.find((k) => k.kid === current.kid)?.currentUntil, t1.toISOString());
  assert.equal(keys.filter((k) => k.state === 'next').length, 1);
  assert.equal(publishedKeys(keys).length, 3);

  assert.deepEqual(revokeKey(keys, next.kid, t1), { ok: false, reason: 'not_previous' });
  assert.deepEqual(revokeKey(keys, 'nope', t1), { ok: false, reason: 'not_found' });
  const revoked = revokeKey(keys, current.kid, t1);
  assert.ok(revoked.ok);
  keys = apply(keys, [revoked.key]);
  assert.equal(publishedKeys(keys).length, 2);
  assert.ok(!publishedKeys(keys).some((k) => k.kid === current.kid));
});

test('rotation of one family leaves the others alone', async () => {
  const keys = [...(await ensureFamily([], 'RS256', t0, 'h')), ...(await ensureFamily([], 'ES256', t0, 'h'))];
  const changed = await rotateKeys(keys, t1, 'h', 'ES256');
  assert.ok(changed.every((k) => k.alg === 'ES256'));
});

test('a published JWK has Auth0 members and no private member', async () => {
  for (const alg of ['RS256', 'PS256', 'ES256', 'EdDSA'] as const) {
    const jwk = toPublicJwk(await generateSigningKey(alg, 'current', t0, 'localhost'));
    assert.equal(jwk['alg'], alg);
    assert.equal(jwk['use'], 'sig');
    assert.equal(typeof jwk['kid'], 'string');
    assert.equal(typeof jwk['x5t'], 'string');
    assert.ok(Array.isArray(jwk['x5c']) && (jwk['x5c'] as string[]).length === 1);
    for (const m of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) assert.ok(!(m in jwk), `${alg} publishes ${m}`);
  }
});
