/**
 * Deployment rate limiting end to end: the real gateway process, a real JWKS server, requests over
 * loopback. Counting is in the gateway's memory store with real one-second windows.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type RunningGatewayProcess } from '../helpers/gateway.ts';
import { JwksServer } from '../helpers/jwks_server.ts';
import { jwtPolicy } from '../helpers/policies.ts';
import { rawExchange } from '../helpers/raw_http.ts';
import { eventually } from '../helpers/eventually.ts';

const stock = { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'ok' };

interface Answer {
  status: number;
  headers: Headers;
  body: string;
}

/**
 * Sends `requests` at once and returns the answers in order. A burst must fall in one one-second
 * window: when a stalled machine spreads it over half a second or more, the burst is sent again
 * once the window has passed.
 */
async function burst(gw: RunningGatewayProcess, requests: { path: string; headers?: Record<string, string> }[]): Promise<Answer[]> {
  for (let attempt = 0; ; attempt++) {
    const started = Date.now();
    const answers = await Promise.all(
      requests.map(async ({ path, headers }) => {
        const r = await fetch(`${gw.url}${path}`, { headers: headers ?? {} });
        return { status: r.status, headers: r.headers, body: await r.text() };
      }),
    );
    if (Date.now() - started < 500 || attempt === 3) return answers;
    await new Promise((r) => setTimeout(r, 1100 - (Date.now() - started)));
  }
}

const statuses = (answers: Answer[]) => answers.map((a) => a.status).sort();

describe('deployment rate limiting (e2e)', () => {
  let jwks: JwksServer;
  let gw: RunningGatewayProcess;

  before(async () => {
    jwks = await JwksServer.start();
    gw = await startGateway({
      config: {
        server: { trustedProxies: ['127.0.0.1'] },
        deployments: [
          {
            name: 'total',
            pathPrefix: '/total',
            specification: {
              requestPolicies: {
                rateLimiting: { rateInRequestsPerSecond: 3, rateKey: 'TOTAL' },
                cors: { allowedOrigins: ['https://app.test'] },
              },
              routes: [{ path: '/r', methods: ['GET'], backend: stock }],
            },
          },
          {
            name: 'per-client',
            pathPrefix: '/client',
            specification: {
              requestPolicies: { rateLimiting: { rateInRequestsPerSecond: 2, rateKey: 'CLIENT_IP' } },
              routes: [{ path: '/r', methods: ['GET'], backend: stock }],
            },
          },
          {
            name: 'before-auth',
            pathPrefix: '/auth',
            specification: {
              requestPolicies: {
                rateLimiting: { rateInRequestsPerSecond: 2, rateKey: 'TOTAL' },
                authentication: jwtPolicy({ issuer: jwks.issuer, audience: 'api', jwksUri: jwks.jwksUri }),
              },
              routes: [{ path: '/r', methods: ['GET'], backend: stock }],
            },
          },
        ],
      },
    });
  });

  after(async () => {
    await gw?.stop();
    await jwks?.stop();
  });

  it('TOTAL: the rate is shared by all clients; the next request gets 429 with Retry-After, the RateLimit fields and the CORS headers', async () => {
    const origin = { origin: 'https://app.test' };
    const answers = await burst(gw, [
      { path: '/total/r', headers: { ...origin, 'x-forwarded-for': '198.51.100.1' } },
      { path: '/total/r', headers: { ...origin, 'x-forwarded-for': '198.51.100.2' } },
      { path: '/total/r', headers: { ...origin, 'x-forwarded-for': '198.51.100.3' } },
      { path: '/total/r', headers: { ...origin, 'x-forwarded-for': '198.51.100.4' } },
    ]);
    assert.deepEqual(statuses(answers), [200, 200, 200, 429]);
    for (const ok of answers.filter((a) => a.status === 200)) {
      assert.equal(ok.headers.get('retry-after'), null, 'allowed answers carry no limit headers');
      assert.equal(ok.headers.get('ratelimit'), null);
    }
    const refused = answers.find((a) => a.status === 429)!;
    assert.deepEqual(JSON.parse(refused.body), { code: 429, message: 'Too Many Requests' });
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.equal(refused.headers.get('ratelimit-policy'), '"rateLimiting";q=3;w=1');
    assert.equal(refused.headers.get('ratelimit'), '"rateLimiting";r=0;t=1');
    assert.equal(refused.headers.get('access-control-allow-origin'), 'https://app.test', 'a browser can read the 429');

    await gw.waitFor((r) => r['msg'] === 'access' && r['status'] === 429 && r['auth'] === 'rate_limited');
    const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
    assert.match(metrics, /^gatehouse_rate_limited_total\{deployment="total"\} [1-9]/m);
    assert.doesNotMatch(metrics, /198\.51\.100/, 'never labelled by client address');

    await eventually('the next window admits requests again', async () => (await fetch(`${gw.url}/total/r`)).status === 200, { intervalMs: 100 });
  });

  it('CLIENT_IP behind a trusted proxy: each client (X-Forwarded-For, read from the right) has its own rate; a spoofed left entry changes nothing; IPv6 by /64', async () => {
    const as = (xff: string) => ({ path: '/client/r', headers: { 'x-forwarded-for': xff } });
    const answers = await burst(gw, [
      as('198.51.100.1'),
      as('198.51.100.1'),
      as('203.0.113.50, 198.51.100.1'), // the client's own left entry is not believed: third of 198.51.100.1
      as('198.51.100.2'),
      as('2001:db8:1:2::1'),
      as('2001:db8:1:2::2'),
      as('2001:db8:1:2:ffff::3'), // third of the same /64
      as('2001:db8:1:3::1'),
    ]);
    const byClient = answers.map((a) => a.status);
    assert.deepEqual(statuses(answers.slice(0, 3)), [200, 200, 429]);
    assert.equal(byClient[3], 200);
    assert.deepEqual(statuses(answers.slice(4, 7)), [200, 200, 429]);
    assert.equal(byClient[7], 200);
  });

  it('several X-Forwarded-For lines read as one list, in order', async () => {
    const send = (first: string, second: string) =>
      rawExchange(gw.url, `GET /client/r HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: ${first}\r\nX-Forwarded-For: ${second}\r\nConnection: close\r\n\r\n`);
    const statusesOf = async (pairs: [string, string][]) => {
      const got: number[] = [];
      for (const [first, second] of pairs) got.push((await send(first, second)).status);
      return got;
    };
    for (let attempt = 0; ; attempt++) {
      const started = Date.now();
      // The client is in the first line, the trusted peer in the second: three clients, none limited
      // (reading only the last line would make them one client, 127.0.0.1, refused the third time).
      const distinct = await statusesOf([['192.0.2.70', '127.0.0.1'], ['192.0.2.71', '127.0.0.1'], ['192.0.2.72', '127.0.0.1']]);
      // The client is the second line's (rightmost untrusted): one client, refused the third time
      // (reading only the first line would make them three clients).
      const same = await statusesOf([['192.0.2.80', '192.0.2.81'], ['192.0.2.82', '192.0.2.81'], ['192.0.2.83', '192.0.2.81']]);
      if (Date.now() - started < 500 || attempt === 3) {
        assert.deepEqual(distinct, [200, 200, 200]);
        assert.deepEqual(same, [200, 200, 429]);
        break;
      }
      await new Promise((r) => setTimeout(r, 1100));
    }
  });

  it('the limit runs before authentication: a flood without tokens is refused with 429 before any token check', async () => {
    const answers = await burst(gw, [{ path: '/auth/r' }, { path: '/auth/r' }, { path: '/auth/r' }]);
    assert.deepEqual(statuses(answers), [401, 401, 429]);
  });
});
