import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { JwksBroker, type BrokerRequest } from '../../../src/auth/jwks/broker.ts';
import { JwksServer, makeKey } from '../../helpers/jwks_server.ts';

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
});
