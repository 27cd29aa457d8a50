import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTokenRequest } from '../../src/idp/token_request.ts';

const json = (v: unknown) => Buffer.from(JSON.stringify(v));
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

test('JSON and form bodies give the same parameters', () => {
  const fields = { client_id: 'c', client_secret: 's', audience: 'https://a', grant_type: 'client_credentials', scope: 'read:a write:a' };
  const a = parseTokenRequest('application/json', json(fields), undefined);
  const b = parseTokenRequest('application/x-www-form-urlencoded; charset=utf-8', Buffer.from(new URLSearchParams(fields).toString()), undefined);
  assert.deepEqual(a, b);
  assert.deepEqual(a, { grantType: 'client_credentials', clientId: 'c', clientSecret: 's', audience: 'https://a', scopes: ['read:a', 'write:a'] });
});

test('client_secret_basic: id and secret are form-decoded (RFC 6749 §2.3.1)', () => {
  const p = parseTokenRequest('application/json', json({ grant_type: 'client_credentials' }), basic('my%20id', 'a%3Ab+c'));
  assert.ok(!('status' in p));
  assert.equal(p.clientId, 'my id');
  assert.equal(p.clientSecret, 'a:b c');
});

test('malformed bodies and mixed authentication are 400 invalid_request', () => {
  const cases: [string | undefined, Buffer, string | undefined][] = [
    ['application/json', Buffer.from('{nope'), undefined],
    ['application/json', Buffer.from('[1]'), undefined],
    ['text/plain', Buffer.from('x'), undefined],
    [undefined, Buffer.from(''), undefined],
    ['application/json', json({ client_id: 5 }), undefined],
    ['application/x-www-form-urlencoded', Buffer.from('audience=a&audience=b'), undefined],
    ['application/json', json({ client_secret: 's' }), basic('c', 's')],
    ['application/json', json({ client_id: 'other' }), basic('c', 's')],
    ['application/json', json({}), 'Basic !!!'],
  ];
  for (const [type, body, auth] of cases) {
    const p = parseTokenRequest(type, body, auth);
    assert.ok('status' in p, `${type} ${body.toString()} should fail`);
    assert.equal(p.status, 400);
    assert.equal(p.body.error, 'invalid_request');
  }
});

test('scope: a string or an array; anything else is invalid_scope', () => {
  const ok = parseTokenRequest('application/json', json({ scope: ['a', 'b c'] }), undefined);
  assert.ok(!('status' in ok));
  assert.deepEqual(ok.scopes, ['a', 'b', 'c']);
  const empty = parseTokenRequest('application/json', json({ scope: '' }), undefined);
  assert.ok(!('status' in empty));
  assert.equal(empty.scopes, undefined);
  const bad = parseTokenRequest('application/json', json({ scope: 5 }), undefined);
  assert.ok('status' in bad);
  assert.deepEqual(bad.body, { error: 'invalid_scope', error_description: 'Scope must be an array or a string' });
});
