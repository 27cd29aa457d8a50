import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importKey, type VerificationKey } from '../../../src/auth/jwks/key_import.ts';
import { ALG_MISMATCH, KeySet, MAX_KIDLESS_CANDIDATES, NO_KEY } from '../../../src/auth/jwks/key_set.ts';
import { makeKey } from '../../helpers/jwks_server.ts';

async function keys(alg: string, n: number, prefix: string): Promise<VerificationKey[]> {
  const out: VerificationKey[] = [];
  for (let i = 0; i < n; i++) {
    const k = await importKey({ jwk: (await makeKey(alg, `${prefix}${i}`)).publicJwk as Record<string, unknown> });
    assert.ok(typeof k !== 'string', String(k));
    out.push(k);
  }
  return out;
}

test('regression: a token without kid is tried against a bounded number of keys, not the whole set', async () => {
  const es = await keys('ES256', 100, 'es');
  const set = new KeySet(es);
  const found = set.find(undefined, 'ES256');
  assert.ok(Array.isArray(found));
  assert.equal(found.length, MAX_KIDLESS_CANDIDATES);
  assert.deepEqual(found, es.slice(0, MAX_KIDLESS_CANDIDATES), 'the first keys, in the order the source lists them');
  assert.ok(MAX_KIDLESS_CANDIDATES >= 2 && MAX_KIDLESS_CANDIDATES <= 8);
  // A kid still reaches any key of the set.
  assert.deepEqual(set.find('es99', 'ES256'), [es[99]]);
});

test('kid-less selection counts only keys that suit the alg; none suit: NO_KEY; one key: its alg decides', async () => {
  const [rsa, es] = await Promise.all([keys('RS256', 1, 'rs'), keys('ES256', 10, 'es')]);
  // The RSA key listed after ten EC keys is still a candidate for an RS256 token.
  const set = new KeySet([...es, ...rsa]);
  assert.deepEqual(set.find(undefined, 'RS256'), rsa);
  assert.equal((set.find(undefined, 'ES256') as VerificationKey[]).length, MAX_KIDLESS_CANDIDATES);
  assert.equal(set.find(undefined, 'ES384'), NO_KEY);
  assert.equal(new KeySet(rsa).find(undefined, 'ES256'), ALG_MISMATCH);
  assert.equal(new KeySet([]).find(undefined, 'RS256'), NO_KEY);
  assert.equal(set.find('rs0', 'PS256'), ALG_MISMATCH, 'the RS256-pinned JWK never verifies PS256');
  assert.equal(set.find('unknown', 'RS256'), NO_KEY);
});
