import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { importKey, inspectKey } from '../../../src/auth/jwks/key_import.ts';
import { makeKey } from '../../helpers/jwks_server.ts';

test('RSA 2048, PS256, EC P-256/P-384 and Ed25519 keys import with the algorithms their type allows', async () => {
  const rsa = await importKey({ jwk: { ...(await makeKey('RS256', 'r')).publicJwk, alg: undefined } });
  assert.ok(typeof rsa !== 'string');
  assert.deepEqual([...rsa.algs].sort(), ['PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512']);
  assert.equal(rsa.rsaBytes, 256);
  const pinned = await importKey({ jwk: (await makeKey('PS256', 'p')).publicJwk });
  assert.ok(typeof pinned !== 'string');
  assert.deepEqual([...pinned.algs], ['PS256'], 'a JWK alg pins the key to that algorithm');
  const ec = await importKey({ jwk: (await makeKey('ES256', 'e')).publicJwk });
  assert.ok(typeof ec !== 'string' && ec.algs.has('ES256') && !ec.algs.has('ES384'));
  const ec384 = await importKey({ jwk: (await makeKey('ES384', 'e3')).publicJwk });
  assert.ok(typeof ec384 !== 'string' && ec384.algs.has('ES384'));
  const ed = await importKey({ jwk: (await makeKey('EdDSA', 'd')).publicJwk });
  assert.ok(typeof ed !== 'string' && ed.algs.has('EdDSA'));
});

test('refused: use enc, key_ops without verify, small RSA, private and symmetric material, mismatched alg', async () => {
  const rsa = (await makeKey('RS256', 'r')).publicJwk;
  assert.match(inspectKey({ jwk: { ...rsa, use: 'enc' } }) as string, /use "enc"/);
  assert.match(inspectKey({ jwk: { ...rsa, key_ops: ['encrypt'] } }) as string, /key_ops/);
  assert.match(inspectKey({ jwk: { ...rsa, alg: 'ES256' } }) as string, /does not suit/);
  assert.match(inspectKey({ jwk: { ...rsa, alg: 'HS256' } }) as string, /not an accepted/);
  assert.match(inspectKey({ jwk: { kty: 'oct', k: 'c2VjcmV0' } }) as string, /symmetric/);
  const small = { ...(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' }) as Record<string, unknown>), kid: 's', alg: 'RS256' };
  assert.match(inspectKey({ jwk: small }) as string, /1024 bits is too small/);
  assert.equal(typeof (await importKey({ jwk: small })), 'string');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  assert.match(inspectKey({ jwk: privateKey.export({ format: 'jwk' }) as Record<string, unknown> }) as string, /private/);
  assert.match(inspectKey({ pem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string }) as string, /private/);
  assert.match(inspectKey({ jwk: { kty: 'EC', crv: 'secp256k1', x: 'a', y: 'b' } }) as string, /invalid|not supported/);
});

test('PEM public keys import (SPKI)', async () => {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const k = await importKey({ pem: publicKey.export({ format: 'pem', type: 'spki' }) as string, kid: 'pem1' });
  assert.ok(typeof k !== 'string');
  assert.equal(k.kid, 'pem1');
  assert.ok(k.algs.has('ES256'));
  assert.equal(inspectKey({ pem: 'not a key' }), 'not a PEM public key or certificate');
});
