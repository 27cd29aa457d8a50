import { test } from 'node:test';
import assert from 'node:assert/strict';
import { idTokenClaimsProblem, type IdTokenExpectations } from '../../../src/auth/oauth2/id_token.ts';

const nowMs = Date.UTC(2026, 0, 1);
const nowSec = nowMs / 1000;
const x: IdTokenExpectations = { issuer: 'https://op', clientId: 'web', nonce: 'n-1', nowMs, clockSkewSec: 0 };
const good = { iss: 'https://op', aud: 'web', exp: nowSec + 60, iat: nowSec, nonce: 'n-1', sub: 'alice' };

test('ID token claims (OpenID Connect Core §3.1.3.7): a good token passes', () => {
  assert.equal(idTokenClaimsProblem(good, x), null);
  assert.equal(idTokenClaimsProblem({ ...good, aud: ['web', 'api'], azp: 'web' }, x), null);
  assert.equal(idTokenClaimsProblem({ ...good, nonce: undefined }, { ...x, nonce: null }), null, 'on refresh no nonce is expected');
});

test('ID token claims: wrong issuer, audience, azp, expiry, missing iat and nonce mismatch are refused', () => {
  assert.match(idTokenClaimsProblem({ ...good, iss: 'https://op/' }, x)!, /iss/);
  assert.match(idTokenClaimsProblem({ ...good, aud: 'other' }, x)!, /aud/);
  assert.match(idTokenClaimsProblem({ ...good, aud: ['web', 'api'] }, x)!, /azp/);
  assert.match(idTokenClaimsProblem({ ...good, aud: ['web', 'api'], azp: 'api' }, x)!, /azp/);
  assert.match(idTokenClaimsProblem({ ...good, exp: nowSec }, x)!, /expired/);
  assert.equal(idTokenClaimsProblem({ ...good, exp: nowSec }, { ...x, clockSkewSec: 5 }), null, 'skew applies');
  assert.match(idTokenClaimsProblem({ ...good, exp: undefined }, x)!, /exp/);
  assert.match(idTokenClaimsProblem({ ...good, iat: undefined }, x)!, /iat/);
  assert.match(idTokenClaimsProblem({ ...good, nonce: 'n-2' }, x)!, /nonce/);
  assert.match(idTokenClaimsProblem({ ...good, nonce: undefined }, x)!, /nonce/, 'a token without the nonce sent is not this sign-in\'s');
});

test('regression: an ID token for this client whose azp names another party (one audience) was accepted', () => {
  assert.match(idTokenClaimsProblem({ ...good, azp: 'other-client' }, x)!, /azp/);
  assert.equal(idTokenClaimsProblem({ ...good, azp: 'web' }, x), null);
});
