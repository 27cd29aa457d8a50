import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKeyEnvelope, isSealed } from '../../src/idp/key_envelope.ts';

test('with a master key, values are sealed (AES-256-GCM) and open again', () => {
  const env = createKeyEnvelope('correct horse battery staple');
  const sealed = env.seal('-----BEGIN PRIVATE KEY-----');
  assert.ok(isSealed(sealed));
  assert.ok(!sealed.includes('PRIVATE'));
  assert.notEqual(env.seal('x'), env.seal('x'));
  assert.equal(env.open(sealed, 'k'), '-----BEGIN PRIVATE KEY-----');
});

test('a wrong or missing master key fails loudly', () => {
  const sealed = createKeyEnvelope('one').seal('secret');
  assert.throws(() => createKeyEnvelope('two').open(sealed, 'key k1'), /cannot decrypt key k1: wrong GATEHOUSE_IDP_MASTER_KEY/);
  assert.throws(() => createKeyEnvelope(undefined).open(sealed, 'key k1'), /set GATEHOUSE_IDP_MASTER_KEY/);
});

test('without a master key values are kept as they are, and clear values still open with one', () => {
  const plain = createKeyEnvelope(undefined);
  assert.equal(plain.seal('abc'), 'abc');
  assert.equal(createKeyEnvelope('m').open('abc', 'k'), 'abc');
});
