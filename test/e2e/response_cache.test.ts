/**
 * Response caching end to end: the real gateway process in front of a real upstream (counting its
 * calls) and a real function, requests over loopback. MISS then HIT, CORS headers of each request on
 * a hit, credentials bypassing, the function backend's answer cached, the metric on /metrics, and
 * the warning for a route with only one of the two policies.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ROOT, startGateway, type RunningGatewayProcess } from '../helpers/gateway.ts';
import { eventually } from '../helpers/eventually.ts';
import { startUpstream, type Upstream } from '../helpers/upstream.ts';

const LOOKUP = { type: 'SIMPLE_LOOKUP_POLICY' };
const STORE = { type: 'FIXED_TTL_STORE_POLICY', timeToLiveInSeconds: 300 };
const cached = { requestPolicies: { responseCacheLookup: LOOKUP }, responsePolicies: { responseCacheStore: STORE } };

describe('response cache (e2e)', () => {
  let up: Upstream;
  let gw: RunningGatewayProcess;

  before(async () => {
    up = await startUpstream();
    gw = await startGateway({
      config: {
        deployments: [
          {
            name: 'api',
            pathPrefix: '/api',
            specification: {
              requestPolicies: { cors: { allowedOrigins: ['https://a.test', 'https://b.test'], exposedHeaders: ['X-Cache-Status'] } },
              routes: [
                { path: '/items/{id}', methods: ['GET', 'HEAD', 'POST'], backend: { type: 'HTTP_BACKEND', url: `${up.url}/echo` }, ...cached },
                { path: '/fn', methods: ['GET'], backend: { type: 'ORACLE_FUNCTIONS_BACKEND', functionId: 'pid' }, ...cached },
                { path: '/half', methods: ['GET'], backend: { type: 'HTTP_BACKEND', url: `${up.url}/echo` }, requestPolicies: { responseCacheLookup: LOOKUP } },
              ],
            },
          },
        ],
        functions: { pid: { path: join(ROOT, 'test/fixtures/functions/pid') } },
      },
    });
  });

  after(async () => {
    await gw?.stop();
    await up?.close();
  });

  async function untilHit(path: string, init: RequestInit = {}): Promise<Response> {
    let hit: Response | null = null;
    await eventually(`${path} answered from the cache`, async () => {
      const r = await fetch(`${gw.url}${path}`, init);
      if (r.headers.get('x-cache-status') === 'HIT') hit = r;
      else await r.arrayBuffer();
      return hit !== null;
    });
    return hit as unknown as Response;
  }

  it('answers a repeated GET from the cache: the upstream is called once, and each HIT carries the CORS headers of its own request', async () => {
    const before = up.received.length;
    const miss = await fetch(`${gw.url}/api/items/1?x=1`, { headers: { origin: 'https://a.test' } });
    assert.equal(miss.status, 200);
    assert.equal(miss.headers.get('x-cache-status'), 'MISS');
    assert.equal(miss.headers.get('access-control-allow-origin'), 'https://a.test');
    const missBody = await miss.text();
    const hit = await untilHit('/api/items/1?x=2', { headers: { origin: 'https://b.test' } });
    assert.equal(await hit.text(), missBody, 'the stored answer, byte for byte (the query is not part of the key)');
    assert.equal(hit.headers.get('access-control-allow-origin'), 'https://b.test');
    assert.equal(hit.headers.get('access-control-expose-headers'), 'X-Cache-Status');
    assert.equal(hit.headers.get('content-type'), 'application/json');
    assert.match(hit.headers.get('age') ?? '', /^\d+$/);
    assert.match(hit.headers.get('opc-request-id') ?? '', /.+/);
    assert.notEqual(hit.headers.get('opc-request-id'), miss.headers.get('opc-request-id'));
    assert.equal(up.received.length - before, 1, 'the upstream was called once');
  });

  it('never caches a POST, and bypasses a request with Authorization', async () => {
    const before = up.received.length;
    for (let i = 0; i < 2; i++) {
      const post = await fetch(`${gw.url}/api/items/2`, { method: 'POST', body: 'x' });
      await post.arrayBuffer();
      assert.equal(post.headers.get('x-cache-status'), null);
      const withAuth = await fetch(`${gw.url}/api/items/2`, { headers: { authorization: 'Bearer whatever' } });
      await withAuth.arrayBuffer();
      assert.equal(withAuth.headers.get('x-cache-status'), 'BYPASS');
    }
    assert.equal(up.received.length - before, 4, 'every one reached the upstream');
    const anonymous = await fetch(`${gw.url}/api/items/2`);
    await anonymous.arrayBuffer();
    assert.equal(anonymous.headers.get('x-cache-status'), 'MISS', 'nothing stored from the credentialed requests');
  });

  it('caches the function backend\'s answer (the function is not called again)', async () => {
    const miss = await fetch(`${gw.url}/api/fn`);
    assert.equal(miss.status, 200);
    assert.equal(miss.headers.get('x-cache-status'), 'MISS');
    const first = await miss.text();
    const hit = await untilHit('/api/fn');
    // The function answers its pid and its call count: another call would change the body.
    assert.equal(await hit.text(), first);
    assert.equal(hit.headers.get('fn-call-id'), null, 'a call id belongs to one call, never stored');
  });

  it('counts hits, misses and bypasses in gatehouse_response_cache_total', async () => {
    const text = await (await fetch(`${gw.adminUrl}/metrics`)).text();
    const value = (route: string, result: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`gatehouse_response_cache_total{deployment="api",route="${route}",result="${result}"}`));
      return line === undefined ? -1 : Number(line.slice(line.lastIndexOf(' ') + 1));
    };
    assert.ok(value('/api/items/{id}', 'hit') >= 1, text);
    assert.ok(value('/api/items/{id}', 'miss') >= 2);
    assert.equal(value('/api/items/{id}', 'bypass'), 2);
    assert.ok(value('/api/items/{id}', 'stored') >= 1);
    assert.equal(value('/api/items/{id}', 'too_large'), 0);
    assert.equal(value('/api/half', 'hit'), -1, 'a route with one of the two policies has no cache');
  });

  it('warns about a route with a lookup policy and no store policy, and does not cache it', async () => {
    const warning = gw.records().find((r) => String(r['msg']).includes('responseCacheLookup') && String(r['msg']).includes('responseCacheStore'));
    assert.ok(warning !== undefined, 'a configuration warning names the missing policy');
    const r = await fetch(`${gw.url}/api/half`);
    await r.arrayBuffer();
    assert.equal(r.headers.get('x-cache-status'), null);
  });
});
