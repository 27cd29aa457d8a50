import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TOKEN_MALFORMED, TOKEN_MISSING, createExtractor } from '../../src/auth/extract.ts';
import { request } from './helpers.ts';

const bearer = createExtractor({ header: 'Authorization', scheme: 'Bearer', queryParam: null });

test('Authorization: Bearer <token>, scheme in any case, exactly one space', () => {
  assert.equal(bearer(request([['Authorization', 'Bearer abc.def.ghi']])), 'abc.def.ghi');
  assert.equal(bearer(request([['authorization', 'bearer abc']])), 'abc');
  assert.equal(bearer(request([['AUTHORIZATION', 'BEARER abc']])), 'abc');
  assert.equal(bearer(request([['Authorization', 'Bearer  abc']])), TOKEN_MALFORMED, 'two spaces');
  assert.equal(bearer(request([['Authorization', 'Bearerabc']])), TOKEN_MALFORMED);
  assert.equal(bearer(request([['Authorization', 'Bearer ']])), TOKEN_MALFORMED);
  assert.equal(bearer(request([['Authorization', 'Basic dXNlcjpwYXNz']])), TOKEN_MALFORMED);
  assert.equal(bearer(request([['Authorization', 'Bearer\tabc']])), TOKEN_MALFORMED);
});

test('no header → missing; repeated Authorization header → malformed', () => {
  assert.equal(bearer(request([])), TOKEN_MISSING);
  assert.equal(bearer(request([['Authorization', 'Bearer a'], ['Authorization', 'Bearer b']])), TOKEN_MALFORMED);
});

test('a custom header without scheme carries the raw token; duplicates are malformed', () => {
  const x = createExtractor({ header: 'X-Api-Token', scheme: null, queryParam: null });
  assert.equal(x(request([['x-api-token', 'tok']])), 'tok');
  assert.equal(x(request([['X-Api-Token', 'a'], ['X-Api-Token', 'b']])), TOKEN_MALFORMED);
});

test('query parameter: single value; repeated → malformed; header and query together → malformed', () => {
  const q = createExtractor({ header: null, scheme: null, queryParam: 'access_token' });
  assert.equal(q(request([], '?access_token=abc')), 'abc');
  assert.equal(q(request([], '?other=1')), TOKEN_MISSING);
  assert.equal(q(request([], '')), TOKEN_MISSING);
  assert.equal(q(request([], '?access_token=a&access_token=b')), TOKEN_MALFORMED);
  assert.equal(q(request([], '?access_token=')), TOKEN_MALFORMED);
  const both = createExtractor({ header: 'Authorization', scheme: 'Bearer', queryParam: 'access_token' });
  assert.equal(both(request([], '?access_token=abc')), 'abc');
  assert.equal(both(request([['Authorization', 'Bearer abc']], '?access_token=abc')), TOKEN_MALFORMED);
});
