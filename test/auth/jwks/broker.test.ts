import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { JwksBroker, brokerRequest, type BrokerRequest } from '../../../src/auth/jwks/broker.ts';
import { selfSignedCertificate } from '../../../src/idp/x509.ts';
import { JwksServer, makeKey } from '../../helpers/jwks_server.ts';

function pem(label: string, der: Buffer): string {
  return `-----BEGIN ${label}-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END ${label}-----\n`;
}

/** A real HTTPS JWKS endpoint on loopback whose certificate no client trusts (self-signed). */
async function startSelfSignedJwks(document: unknown): Promise<{ url: string; fetches: () => number; stop: () => Promise<void> }> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cert = pem('CERTIFICATE', selfSignedCertificate(privateKey, '127.0.0.1', new Date(Date.now() - 60_000)));
  const key = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  let fetches = 0;
  const server: Server = createServer({ key, cert }, (_req, res) => {
    fetches++;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(document));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}/.well-known/jwks.json`,
    fetches: () => fetches,
    stop: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('JwksBroker (shared JWKS fetches for cluster workers)', () => {
  let server: JwksServer;
  before(async () => {
    server = await JwksServer.start();
    server.keys = [await makeKey('RS256', 'k1')];
  });
  after(() => server.stop());

  function request(over: Partial<BrokerRequest> = {}): BrokerRequest {
    return { url: server.jwksUri, etag: null, timeoutMs: 2000, insecure: false, fresh: false, cooldownMs: 30_000, ...over };
  }

  it('answers simultaneous and near-simultaneous refreshes of N workers with one fetch', async () => {
    let now = 1_000;
    const broker = new JwksBroker({ shareWindowMs: 10_000, now: () => now });
    const before = server.fetches;
    const results = await Promise.all(Array.from({ length: 8 }, () => broker.fetch(request())));
    assert.ok(results.every((r) => r.status === 200));
    now += 5_000;
    await broker.fetch(request());
    assert.equal(server.fetches - before, 1);
    now += 6_000; // past the share window: a scheduled refresh fetches again (conditionally)
    await broker.fetch(request());
    assert.equal(server.fetches - before, 2);
  });

  it('gives a worker whose ETag matches a 304', async () => {
    const broker = new JwksBroker();
    const first = await broker.fetch(request());
    assert.equal(first.status, 200);
    const again = await broker.fetch(request({ etag: first.etag }));
    assert.equal(again.status, 304);
  });

  it('fetches a kid-miss refetch at once, then at most once per cooldown across workers', async () => {
    let now = 100_000;
    const broker = new JwksBroker({ now: () => now });
    await broker.fetch(request());
    const before = server.fetches;
    server.keys = [await makeKey('RS256', 'k1'), await makeKey('RS256', 'rotated-in')];
    const fresh = await broker.fetch(request({ fresh: true }));
    assert.equal(server.fetches - before, 1, 'a fresh request is not answered from the share window');
    assert.equal(fresh.status, 200);
    assert.ok(JSON.stringify((fresh as { body: unknown }).body).includes('rotated-in'));
    for (let i = 0; i < 50; i++) {
      now += 100;
      await broker.fetch(request({ fresh: true }));
    }
    assert.equal(server.fetches - before, 1, 'a flood of fresh requests within the cooldown costs nothing more');
    now += 30_000;
    await broker.fetch(request({ fresh: true }));
    assert.equal(server.fetches - before, 2);
  });

  it('does not cache failures', async () => {
    const broker = new JwksBroker();
    server.mode = 'error';
    await assert.rejects(broker.fetch(request()));
    server.mode = 'ok';
    assert.equal((await broker.fetch(request())).status, 200);
  });

  describe('documents are shared only between requests that would have fetched alike', () => {
    let tls: Awaited<ReturnType<typeof startSelfSignedJwks>>;
    before(async () => {
      tls = await startSelfSignedJwks({ keys: [(await makeKey('RS256', 'tls-k1')).publicJwk] });
    });
    after(() => tls.stop());

    it('regression: the --workers broker served a store that verifies TLS a document fetched with isSslVerifyDisabled', async () => {
      const broker = new JwksBroker();
      const insecure = await broker.fetch(request({ url: tls.url, insecure: true }));
      assert.equal(insecure.status, 200, 'verification off: the self-signed endpoint is read');
      assert.ok(JSON.stringify((insecure as { body: unknown }).body).includes('tls-k1'));
      // Same URL, within the share window, verification on: a fetch of its own, which TLS refuses.
      await assert.rejects(broker.fetch(request({ url: tls.url, insecure: false })), /certificate/i);
      assert.equal(broker.stats.upstreamFetches, 2, 'the verifying request was not answered from the insecure fetch');
      assert.equal(broker.stats.servedFromShare, 0);
      assert.equal(tls.fetches(), 1, 'only the insecure fetch reached the endpoint');
      // The insecure entry is still there for the requests that asked for it.
      assert.equal((await broker.fetch(request({ url: tls.url, insecure: true }))).status, 200);
      assert.equal(broker.stats.servedFromShare, 1);
    });

    it('does not let a verifying request join an insecure fetch in flight', async () => {
      const broker = new JwksBroker();
      const [insecure, verifying] = await Promise.allSettled([
        broker.fetch(request({ url: tls.url, insecure: true })),
        broker.fetch(request({ url: tls.url, insecure: false })),
      ]);
      assert.equal(insecure.status, 'fulfilled');
      assert.equal(verifying.status, 'rejected');
      assert.match(String((verifying as PromiseRejectedResult).reason), /certificate/i);
    });

    it('a worker\'s fetch options reach the broker whole (TLS verification, timeout, size cap)', () => {
      const req = brokerRequest(tls.url, { timeoutMs: 1234, insecure: true, maxBytes: 4096, etag: '"e"', fresh: true, cooldownMs: 5000 });
      assert.deepEqual(req, { url: tls.url, etag: '"e"', timeoutMs: 1234, insecure: true, maxBytes: 4096, fresh: true, cooldownMs: 5000 });
      assert.equal(brokerRequest(tls.url, { timeoutMs: 1, insecure: false }).insecure, false);
    });

    it('does not hand a document fetched under a larger size cap to a request with a smaller one', async () => {
      const broker = new JwksBroker();
      assert.equal((await broker.fetch(request({ maxBytes: 512 * 1024 }))).status, 200);
      await assert.rejects(broker.fetch(request({ maxBytes: 16 })), /larger than 16 bytes/);
    });

    it('does not hand a document that took longer than a request\'s timeout to that request', async () => {
      const broker = new JwksBroker();
      server.delayMs = 600;
      try {
        assert.equal((await broker.fetch(request({ timeoutMs: 10_000 }))).status, 200);
        await assert.rejects(broker.fetch(request({ timeoutMs: 100 })), /timed out after 100 ms/);
      } finally {
        server.delayMs = 0;
      }
    });
  });
});
