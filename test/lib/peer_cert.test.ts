import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { Agent } from 'node:https';
import { NO_CERTIFICATE, normaliseEmail, peerCertificate, splitSubjectAltName, unescapeRfc2253, type PeerCertificate } from '../../src/lib/peer_cert.ts';
import { createCa, hasOpenssl, selfSigned, type IssuedCert, type TestCa } from '../helpers/certs.ts';
import { startTlsProbe, type TlsProbe } from '../helpers/tls_request.ts';
import { onLiveRequest } from '../helpers/live_request.ts';

describe('splitSubjectAltName (node\'s subjectaltname text)', () => {
  it('splits the entries and decodes the values node quotes as JSON strings', () => {
    // As node 20 prints a certificate with a comma in a URI and an otherName it cannot print.
    const text = 'DNS:a.test, DNS:B.Test, email:ops@example.com, URI:spiffe://x/y, URI:"http://a\\u002cb", IP Address:127.0.0.1, othername:<unsupported>';
    assert.deepEqual(
      splitSubjectAltName(text).map((e) => [e.type, e.value, e.text]),
      [
        ['DNS', 'a.test', 'DNS:a.test'],
        ['DNS', 'B.Test', 'DNS:B.Test'],
        ['email', 'ops@example.com', 'email:ops@example.com'],
        ['URI', 'spiffe://x/y', 'URI:spiffe://x/y'],
        ['URI', 'http://a,b', 'URI:"http://a\\u002cb"'],
        ['IP Address', '127.0.0.1', 'IP Address:127.0.0.1'],
        ['othername', '<unsupported>', 'othername:<unsupported>'],
      ],
    );
    assert.deepEqual(splitSubjectAltName(''), []);
    assert.deepEqual(splitSubjectAltName('URI:"a\\"b, c"').map((e) => e.value), ['a"b, c']);
  });

  it('undoes RFC 2253 escaping in subject values, hex pairs as UTF-8 bytes', () => {
    assert.equal(unescapeRfc2253('Acme\\, Inc.'), 'Acme, Inc.');
    assert.equal(unescapeRfc2253('caf\\C3\\A9 \\+ bar'), 'café + bar');
    assert.equal(unescapeRfc2253('plain'), 'plain');
  });

  it('lower-cases only the domain of an e-mail address (RFC 5280 §7.5)', () => {
    assert.equal(normaliseEmail('Ops@Example.COM'), 'Ops@example.com');
    assert.equal(normaliseEmail('no-at-sign'), 'no-at-sign');
  });
});

describe('peerCertificate on real TLS connections', { skip: !hasOpenssl() && 'openssl is not installed' }, () => {
  let ca: TestCa;
  let other: TestCa;
  let alice: IssuedCert;
  let expired: IssuedCert;
  let foreign: IssuedCert;
  let rogue: IssuedCert;
  let probe: TlsProbe<PeerCertificate>;

  before(async () => {
    ca = createCa();
    other = createCa({ cn: 'Other CA' });
    alice = ca.issueClient({ cn: 'Alice', subject: { C: 'US', O: 'Acme, Inc.' }, sans: ['DNS:Client.Example.com', 'email:Ops@Example.com', 'URI:spiffe://example/alice'] });
    expired = ca.issueClient({ cn: 'old', expired: true });
    foreign = other.issueClient({ cn: 'foreign' });
    rogue = selfSigned({ kind: 'client', cn: 'rogue' });
    probe = await startTlsProbe({ server: ca.issueServer(), ca, clientCa: ca.cert }, (req) => peerCertificate(req));
  });
  after(async () => {
    await probe.close();
    ca.dispose();
    other.dispose();
    rmSync(dirname(rogue.certFile), { recursive: true, force: true });
  });

  it('reads a verified certificate: DER Base64, RFC 2253 subject, SANs and CN', async () => {
    const cert = await probe.get({ client: alice });
    assert.equal(cert.present, true);
    assert.equal(cert.verified, true);
    assert.equal(cert.error, null);
    assert.equal(cert.base64, alice.base64);
    assert.equal(cert.subject, 'CN=Alice,O=Acme\\, Inc.,C=US');
    assert.deepEqual(cert.sans, ['DNS:Client.Example.com', 'email:Ops@Example.com', 'URI:spiffe://example/alice']);
    assert.deepEqual(cert.dnsNames, ['client.example.com']);
    assert.deepEqual(cert.emails, ['Ops@example.com']);
    assert.deepEqual(cert.uris, ['spiffe://example/alice']);
    assert.deepEqual(cert.commonNames, ['alice']);
  });

  it('no certificate sent → not present', async () => {
    assert.equal(await probe.get(), NO_CERTIFICATE);
  });

  it('an expired, a foreign-CA and a self-signed certificate are present but not verified, with OpenSSL\'s reason', async () => {
    const e = await probe.get({ client: expired });
    assert.deepEqual([e.present, e.verified, e.error, e.base64], [true, false, 'CERT_HAS_EXPIRED', expired.base64]);
    const f = await probe.get({ client: foreign });
    assert.deepEqual([f.present, f.verified], [true, false]);
    assert.match(String(f.error), /^UNABLE_TO_(GET_ISSUER_CERT_LOCALLY|VERIFY_LEAF_SIGNATURE)$/);
    const r = await probe.get({ client: rogue });
    assert.deepEqual([r.present, r.verified, r.error], [true, false, 'DEPTH_ZERO_SELF_SIGNED_CERT']);
  });

  it('is read once per connection: requests on one keep-alive connection share the facts', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1, cert: alice.cert, key: alice.key });
    try {
      const first = await probe.get({ agent });
      const second = await probe.get({ agent });
      assert.equal(first.verified, true);
      assert.equal(second, first, 'the same object: nothing parsed again');
      const elsewhere = await probe.get({ client: alice });
      assert.notEqual(elsewhere, first, 'another connection reads its own certificate');
    } finally {
      agent.destroy();
    }
  });

  it('a resumed TLS session (1.2 and 1.3) still carries the certificate and its verification result', async () => {
    for (const maxVersion of ['TLSv1.2', 'TLSv1.3'] as const) {
      for (const [client, verified] of [[alice, true], [expired, false]] as const) {
        // keepAlive off: each request opens a new connection, which resumes the agent's cached session.
        const agent = new Agent({ keepAlive: false, cert: client.cert, key: client.key, maxVersion });
        const resumed = await startTlsProbe({ server: ca.issueServer(), ca, clientCa: ca.cert }, (req) => ({
          reused: (req.socket as import('node:tls').TLSSocket).isSessionReused(),
          cert: peerCertificate(req),
        }));
        try {
          await resumed.get({ agent });
          const again = await resumed.get({ agent });
          assert.equal(again.reused, true, `${maxVersion}: the session was resumed`);
          assert.deepEqual([again.cert.present, again.cert.verified, again.cert.base64], [true, verified, client.base64], maxVersion);
        } finally {
          agent.destroy();
          await resumed.close();
        }
      }
    }
  });

  it('a plain-HTTP request has no certificate', async () => {
    assert.equal(await onLiveRequest('/', (rc) => peerCertificate(rc.req)), NO_CERTIFICATE);
  });
});
