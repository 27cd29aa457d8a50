import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { certThumbprint, selfSignedCertificate } from '../../src/idp/x509.ts';

const keys = {
  rsa: () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
  ec: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
  ed25519: () => generateKeyPairSync('ed25519').privateKey,
};

for (const [type, make] of Object.entries(keys)) {
  test(`a ${type} self-signed certificate parses, verifies with its own key and carries it`, () => {
    const key = make();
    const now = new Date('2026-11-28T00:00:00Z');
    const der = selfSignedCertificate(key, 'localhost', now, 365);
    const cert = new X509Certificate(der);
    assert.equal(cert.subject, 'CN=localhost');
    assert.equal(cert.issuer, 'CN=localhost');
    assert.ok(cert.verify(createPublicKey(key)));
    assert.ok(cert.publicKey.equals(createPublicKey(key)));
    assert.equal(new Date(cert.validFrom).toISOString(), now.toISOString());
    assert.equal(new Date(cert.validTo).getTime() - now.getTime(), 365 * 86_400_000);
    // x5t is the base64url SHA-1 of the DER (RFC 7517 §4.8): node prints the same hash in hex.
    assert.equal(Buffer.from(certThumbprint(der), 'base64url').toString('hex').toUpperCase(), cert.fingerprint.replace(/:/g, ''));
  });
}

test('dates after 2049 use GeneralizedTime (RFC 5280 §4.1.2.5)', () => {
  const der = selfSignedCertificate(keys.ec(), 'x', new Date('2045-01-01T00:00:00Z'), 3650);
  assert.match(new X509Certificate(der).validTo, /2054/);
});
