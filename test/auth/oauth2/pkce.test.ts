import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomToken, s256Challenge, sameSecret } from '../../../src/auth/oauth2/pkce.ts';

test('PKCE S256: the example of RFC 7636 appendix B', () => {
  assert.equal(s256Challenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
});

test('state, nonce and verifier: 43 base64url characters (256 bits), a verifier RFC 7636 §4.1 accepts, never repeated', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const t = randomToken();
    assert.match(t, /^[A-Za-z0-9_-]{43}$/);
    seen.add(t);
  }
  assert.equal(seen.size, 1000);
});

test('sameSecret compares whole values', () => {
  assert.equal(sameSecret('abc', 'abc'), true);
  assert.equal(sameSecret('abc', 'abd'), false);
  assert.equal(sameSecret('abc', 'abcd'), false);
  assert.equal(sameSecret('', ''), true);
});
