import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sameSubject } from '../../../src/auth/oauth2/sign_in.ts';

const jwt = (payload: object): string => `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`;

test('regression: a refreshed ID token naming another subject or issuer was accepted into the session (OpenID Connect Core §12.2)', () => {
  const first = jwt({ iss: 'https://idp/', sub: 'alice' });
  assert.equal(sameSubject(first, { iss: 'https://idp/', sub: 'alice' }), true);
  assert.equal(sameSubject(first, { iss: 'https://idp/', sub: 'mallory' }), false);
  assert.equal(sameSubject(first, { iss: 'https://other/', sub: 'alice' }), false);
  assert.equal(sameSubject('not a jwt', { iss: 'https://idp/', sub: 'alice' }), false);
  assert.equal(sameSubject(jwt({ iss: 'https://idp/' }), { iss: 'https://idp/' }), false, 'no subject to compare');
});
