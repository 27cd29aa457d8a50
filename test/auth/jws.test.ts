import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJws } from '../../src/auth/jws.ts';

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const tok = (header: unknown, payload: unknown = { exp: 1 }, sig = 'c2ln') => `${b64(header)}.${b64(payload)}.${sig}`;

test('a well-formed RS256 token parses into alg, kid, payload and signing input', () => {
  const t = tok({ alg: 'RS256', kid: 'k1' }, { sub: 'x', exp: 5 });
  const p = parseJws(t);
  assert.ok(typeof p !== 'string');
  assert.equal(p.alg, 'RS256');
  assert.equal(p.kid, 'k1');
  assert.deepEqual(p.payload, { sub: 'x', exp: 5 });
  assert.equal(p.signingInput, t.slice(0, t.lastIndexOf('.')));
  assert.equal(p.signature.toString(), 'sig');
});

test('alg none and every HMAC are refused before any key is consulted', () => {
  for (const alg of ['none', 'None', 'HS256', 'HS384', 'HS512', 'RSA-OAEP', 'ES256K']) {
    assert.equal(parseJws(tok({ alg })), 'alg_not_allowed', alg);
  }
  // An unsigned token (empty signature) is malformed even before its alg is looked at.
  assert.equal(parseJws(`${b64({ alg: 'none' })}.${b64({ exp: 1 })}.`), 'token_malformed');
});

test('jku, x5u and jwk headers are refused, never followed', () => {
  assert.equal(parseJws(tok({ alg: 'RS256', jku: 'https://evil/jwks' })), 'header_forbidden');
  assert.equal(parseJws(tok({ alg: 'RS256', x5u: 'https://evil/cert' })), 'header_forbidden');
  assert.equal(parseJws(tok({ alg: 'RS256', jwk: { kty: 'RSA' } })), 'header_forbidden');
});

test('any crit header is refused (no extension is understood)', () => {
  assert.equal(parseJws(tok({ alg: 'RS256', crit: ['exp'], exp: 1 })), 'crit_unsupported');
  assert.equal(parseJws(tok({ alg: 'RS256', crit: ['b64'], b64: false })), 'crit_unsupported');
  assert.equal(parseJws(tok({ alg: 'RS256', crit: [] })), 'crit_unsupported');
});

test('malformed shapes are refused', () => {
  const cases: [string, string][] = [
    ['', 'empty'],
    ['abc', 'one part'],
    ['a.b', 'two parts'],
    [`${tok({ alg: 'RS256' })}.x.y`, 'JWE-like five parts'],
    [`${b64({ alg: 'RS256' })}.${b64({ exp: 1 })}.si+g`, 'base64 not base64url'],
    [`${b64({ alg: 'RS256' })}.${b64({ exp: 1 })}.sig=`, 'padding'],
    [`${b64({ alg: 'RS256' })} .${b64({ exp: 1 })}.sig`, 'space'],
    [tok('not json'), 'header not JSON'],
    [tok([1, 2]), 'header an array'],
    [tok({ alg: 'RS256' }, 'not json'), 'payload not JSON'],
    [tok({ alg: 'RS256' }, [1]), 'payload an array'],
    [tok({ alg: 'RS256', kid: 7 }), 'numeric kid'],
    [tok({ alg: 5 }), 'numeric alg'],
    [`${b64({ alg: 'RS256' })}.${Buffer.from([0xff, 0xfe, 0x7b]).toString('base64url')}.sig`, 'payload not UTF-8'],
  ];
  for (const [t, why] of cases) assert.equal(parseJws(t), 'token_malformed', why);
});
