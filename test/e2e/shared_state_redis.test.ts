/**
 * Two gateway processes, one real redis-server: a TOTAL rate limit and a usage-plan quota hold
 * across both, an answer cached by one is a HIT on the other, and a Redis outage fails no request
 * (limits open, cache bypassed, readiness unchanged, the outage visible on the admin plane) and
 * heals without a restart.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type RunningGatewayProcess } from '../helpers/gateway.ts';
import { startUpstream, type Upstream } from '../helpers/upstream.ts';
import { redisOrSkip, startRedis, type RunningRedis } from '../helpers/redis.ts';
import { eventually } from '../helpers/eventually.ts';

const CLIENT_TOKEN = 'ghk_e2e-two-instances-client-token-000000000000';

/** Waits until `gw` has stored `n` answers in its response cache (a store completes after the answer is sent). */
async function storedCount(gw: RunningGatewayProcess, n: number): Promise<void> {
  await eventually(`${n} answer(s) stored`, async () => {
    const m = /gatehouse_response_cache_total\{[^}]*result="stored"[^}]*\} (\d+)/.exec(await (await fetch(`${gw.adminUrl}/metrics`)).text());
    return Number(m?.[1] ?? 0) >= n;
  });
}

async function status(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: string }> {
  const res = await fetch(url, { headers });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

describe('shared state in Redis across two gateway instances (e2e)', () => {
  let redis: RunningRedis | null = null;
  let up: Upstream;
  const gws: RunningGatewayProcess[] = [];

  before(async (t) => {
    if (redisOrSkip(t as never) === null) return;
    redis = await startRedis();
    up = await startUpstream();
    const config = {
      state: { redis: { url: redis.url, connectTimeoutMs: 300, commandTimeoutMs: 300 } },
      usagePlans: [
        {
          id: 'ocid1.apigatewayusageplan.oc1..daily',
          displayName: 'daily',
          entitlements: [{ name: 'four-a-day', quota: { value: 4, unit: 'DAY', resetPolicy: 'CALENDAR', operationOnBreach: 'REJECT' }, targets: [{ deploymentId: 'metered' }] }],
        },
      ],
      subscribers: [{ id: 'acme', displayName: 'acme', clients: [{ name: 'ci', token: CLIENT_TOKEN }], usagePlans: ['ocid1.apigatewayusageplan.oc1..daily'] }],
      deployments: [
        {
          name: 'limited',
          pathPrefix: '/limited',
          specification: {
            requestPolicies: { rateLimiting: { rateInRequestsPerSecond: 3, rateKey: 'TOTAL' } },
            routes: [{ path: '/x', methods: ['GET'], backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'ok' } }],
          },
        },
        {
          name: 'metered',
          pathPrefix: '/metered',
          specification: {
            requestPolicies: { usagePlans: { tokenLocations: ['request.headers[x-client-token]'] } },
            routes: [{ path: '/x', methods: ['GET'], backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'metered' } }],
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
                requestPolicies: { responseCacheLookup: { type: 'SIMPLE_LOOKUP_POLICY', isEnabled: true } },
                responsePolicies: { responseCacheStore: { type: 'FIXED_TTL_STORE_POLICY', timeToLiveInSeconds: 300 } },
              },
            ],
          },
        },
      ],
    };
    for (let i = 0; i < 2; i++) gws.push(await startGateway({ config }));
  });

  after(async () => {
    await Promise.all(gws.map((g) => g.stop()));
    await up?.close();
    await redis?.close();
  });

  it('a TOTAL rate limit holds across both instances', async (t) => {
    if (redis === null) return t.skip('no redis-server');
    // Eight requests at once, four to each: all within one one-second window.
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => status(`${gws[i % 2]!.url}/limited/x`)));
    const ok = answers.filter((a) => a.status === 200).length;
    const refused = answers.filter((a) => a.status === 429);
    assert.equal(ok, 3, `3 allowed in total, not 3 per instance: ${answers.map((a) => a.status).join(',')}`);
    assert.equal(refused.length, 5);
    for (const r of refused) assert.match(r.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
  });

  it('a usage-plan quota holds across both instances', async (t) => {
    if (redis === null) return t.skip('no redis-server');
    const h = { 'x-client-token': CLIENT_TOKEN };
    const seen: number[] = [];
    for (const gw of [gws[0]!, gws[0]!, gws[1]!, gws[1]!, gws[0]!, gws[1]!]) seen.push((await status(`${gw.url}/metered/x`, h)).status);
    assert.deepEqual(seen, [200, 200, 200, 200, 429, 429]);
    assert.equal((await status(`${gws[1]!.url}/metered/x`)).status, 403, 'no client token: 403');
  });

  it('an answer cached by one instance is a HIT on the other', async (t) => {
    if (redis === null) return t.skip('no redis-server');
    const before = up.received.length;
    const first = await status(`${gws[0]!.url}/cached/echo`);
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('x-cache-status'), 'MISS');
    await storedCount(gws[0]!, 1);
    const second = await status(`${gws[1]!.url}/cached/echo`);
    assert.equal(second.headers.get('x-cache-status'), 'HIT');
    assert.equal(second.body, first.body);
    assert.equal(up.received.length, before + 1, 'the upstream was called once');
  });

  it('Redis down: no request fails, the outage shows on the admin plane, and it heals without a restart', async (t) => {
    if (redis === null) return t.skip('no redis-server');
    const gw = gws[0]!;
    await redis.stop();
    // Limits fail open: more than the limit gets through.
    const answers = await Promise.all(Array.from({ length: 6 }, () => status(`${gw.url}/limited/x`)));
    assert.deepEqual(answers.map((a) => a.status), [200, 200, 200, 200, 200, 200]);
    const metered = await status(`${gw.url}/metered/x`, { 'x-client-token': CLIENT_TOKEN });
    assert.equal(metered.status, 200, 'the quota fails open too');
    const cached = await status(`${gw.url}/cached/echo`);
    assert.equal(cached.status, 200);
    assert.equal(cached.headers.get('x-cache-status'), 'BYPASS');
    assert.equal((await fetch(`${gw.adminUrl}/health/ready`)).status, 200, 'still ready');
    const state = (await (await fetch(`${gw.adminUrl}/admin/state`)).json()) as { stores: { kind: string; up: boolean; lastError: string | null }[] };
    const store = state.stores.find((s) => s.kind === 'redis');
    assert.equal(store?.up, false, JSON.stringify(state));
    assert.ok(store?.lastError, 'the outage has a reason');
    assert.match(await (await fetch(`${gw.adminUrl}/metrics`)).text(), /gatehouse_state_up\{[^}]*store="redis[^}]*\} 0/);
    const warning = await gw.waitFor((r) => r['level'] === 40 && /shared-state store unreachable/.test(String(r['msg'])));
    assert.doesNotMatch(JSON.stringify(warning), /password/i);

    await redis.restart();
    await eventually(
      'the gateway reconnects to the restarted Redis',
      async () => {
        const s = (await (await fetch(`${gw.adminUrl}/admin/state`)).json()) as { stores: { kind: string; up: boolean }[] };
        return s.stores.find((x) => x.kind === 'redis')?.up === true;
      },
      { timeoutMs: 10_000 },
    );
    const after = await Promise.all(Array.from({ length: 6 }, () => status(`${gw.url}/limited/x`)));
    assert.ok(after.some((a) => a.status === 429), `limits count again: ${after.map((a) => a.status).join(',')}`);
    assert.equal((await status(`${gw.url}/cached/echo`)).headers.get('x-cache-status'), 'MISS', 'the emptied cache is consulted again');
    await storedCount(gw, 2);
    assert.equal((await status(`${gw.url}/cached/echo`)).headers.get('x-cache-status'), 'HIT');
  });
});
