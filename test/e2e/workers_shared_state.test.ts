/**
 * `serve --workers 2` without Redis: the workers share the primary's memory store, so a TOTAL rate
 * limit counts the requests of both workers together and an answer cached by one worker is a HIT
 * on the other.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type RunningGatewayProcess } from '../helpers/gateway.ts';
import { startUpstream, type Upstream } from '../helpers/upstream.ts';
import { eventually } from '../helpers/eventually.ts';

describe('serve --workers 2: shared limits and cache through the primary (e2e)', () => {
  let gw: RunningGatewayProcess;
  let up: Upstream;

  before(async () => {
    up = await startUpstream();
    gw = await startGateway({
      args: ['--workers', '2'],
      config: {
        server: { host: '127.0.0.1' },
        usagePlans: [{ id: 'free', displayName: 'Free', entitlements: [{ name: 'all', targets: [{ deploymentId: 'metered' }] }] }],
        deployments: [
          {
            name: 'metered',
            pathPrefix: '/metered',
            specification: {
              requestPolicies: { usagePlans: { tokenLocations: ['request.headers[x-client-token]'] } },
              routes: [{ path: '/x', backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'metered' } }],
            },
          },
          {
            name: 'limited',
            pathPrefix: '/limited',
            specification: {
              requestPolicies: { rateLimiting: { rateInRequestsPerSecond: 10, rateKey: 'TOTAL' } },
              routes: [{ path: '/x', backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'ok' } }],
            },
          },
          {
            name: 'cached',
            pathPrefix: '/cached',
            specification: {
              routes: [
                {
                  path: '/echo',
                  methods: ['GET'],
                  backend: { type: 'HTTP_BACKEND', url: `${up.url}/echo` },
                  requestPolicies: { responseCacheLookup: { type: 'SIMPLE_LOOKUP_POLICY' } },
                  responsePolicies: { responseCacheStore: { type: 'FIXED_TTL_STORE_POLICY', timeToLiveInSeconds: 300 } },
                },
              ],
            },
          },
        ],
      },
    });
  });
  after(async () => {
    await gw?.stop();
    await up?.close();
  });

  it('a TOTAL limit counts both workers together', async () => {
    // 40 requests at once on fresh connections: node:cluster's primary deals connections round-robin,
    // so each worker serves about 20 — counted apart, the workers would let 20 through, not 10.
    const statuses = await Promise.all(
      Array.from({ length: 40 }, async () => {
        const res = await fetch(`${gw.url}/limited/x`, { headers: { connection: 'close' } });
        await res.arrayBuffer();
        return res.status;
      }),
    );
    assert.equal(statuses.filter((s) => s === 200).length, 10, statuses.join(','));
    assert.equal(statuses.filter((s) => s === 429).length, 30);
  });

  it('regression: a subscriber created through the --workers primary\'s admin API arrived without its body (400); its key now works on every worker', async () => {
    const created = await fetch(`${gw.adminUrl}/admin/subscribers`, {
      method: 'POST',
      headers: gw.adminHeaders(),
      body: JSON.stringify({ displayName: 'Beta', usagePlans: ['free'], clients: ['app'] }),
    });
    assert.equal(created.status, 201, await created.clone().text());
    const { tokens } = (await created.json()) as { tokens: { name: string; token: string }[] };
    const token = tokens[0]!.token;
    // Each worker picks the new key up from the store on its own (polled): wait until all do.
    await eventually('every worker knows the new key', async () => {
      const statuses = await Promise.all(
        Array.from({ length: 6 }, async () => {
          const res = await fetch(`${gw.url}/metered/x`, { headers: { connection: 'close', 'x-client-token': token } });
          await res.arrayBuffer();
          return res.status;
        }),
      );
      return statuses.every((s) => s === 200);
    });
  });

  it('an answer cached by one worker is a HIT on the other', async () => {
    const first = await fetch(`${gw.url}/cached/echo`, { headers: { connection: 'close' } });
    const body = await first.text();
    assert.equal(first.headers.get('x-cache-status'), 'MISS');
    await eventually('the answer is stored', async () => {
      const m = /gatehouse_response_cache_total\{[^}]*result="stored"[^}]*\} (\d+)/.exec(await (await fetch(`${gw.adminUrl}/metrics`)).text());
      return Number(m?.[1] ?? 0) >= 1;
    });
    // Fresh connections land on either worker; every one of them is a HIT with the same body.
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${gw.url}/cached/echo`, { headers: { connection: 'close' } });
      assert.equal(res.headers.get('x-cache-status'), 'HIT');
      assert.equal(await res.text(), body);
    }
    assert.equal(up.received.length, 1, 'the upstream was called once');
  });
});
