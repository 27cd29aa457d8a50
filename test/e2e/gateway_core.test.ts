/**
 * The gateway core end to end: the real `gatehouse serve` process on loopback, a real upstream.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { startGateway, type RunningGatewayProcess } from '../helpers/gateway.ts';
import { startUpstream, type Upstream } from '../helpers/upstream.ts';
import { rawExchange } from '../helpers/raw_http.ts';

/** A raw exchange's bytes (see helpers/raw_http.ts). */
async function rawRequest(url: string, text: string, waitMs = 3000): Promise<string> {
  return (await rawExchange(url, text, { waitMs })).data;
}

function config(upstream: string): object {
  return {
    server: { host: '127.0.0.1', maxBodyBytes: 1024 * 1024, maxHeaderBytes: 4096 },
    deployments: [
      {
        name: 'shop',
        pathPrefix: '/v1',
        specification: {
          routes: [
            {
              path: '/hello',
              methods: ['GET'],
              backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: '{"hello":"world"}', headers: [{ name: 'Content-Type', value: 'application/json' }, { name: 'X-Stock', value: 'a' }, { name: 'X-Stock', value: 'b' }] },
            },
            { path: '/hello', methods: ['POST'], backend: { type: 'STOCK_RESPONSE_BACKEND', status: 201, body: 'created' } },
            { path: '/items/new', methods: ['GET'], backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'static wins' } },
            { path: '/items/{id}', methods: ['GET', 'POST'], backend: { type: 'HTTP_BACKEND', url: `${upstream}/echo/item/\${request.path[id]}?src=gw` } },
            { path: '/files/{rest*}', backend: { type: 'HTTP_BACKEND', url: `${upstream}/echo/files/\${request.path[rest]}` } },
            { path: '/up/{rest*}', backend: { type: 'HTTP_BACKEND', url: `${upstream}/\${request.path[rest]}`, readTimeoutInSeconds: 1 } },
            { path: '/down', backend: { type: 'HTTP_BACKEND', url: 'http://127.0.0.1:9/nothing', connectTimeoutInSeconds: 2 } },
          ],
        },
      },
    ],
  };
}

describe('gateway core (e2e)', () => {
  let up: Upstream;
  let gw: RunningGatewayProcess;
  before(async () => {
    up = await startUpstream();
    gw = await startGateway({ config: config(up.url) });
  });
  after(async () => {
    await gw?.stop();
    await up?.close();
  });

  it('serves a stock response with its status, body and repeated headers', async () => {
    const res = await fetch(`${gw.url}/v1/hello`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.equal(res.headers.get('x-stock'), 'a, b');
    assert.deepEqual(await res.json(), { hello: 'world' });
    const post = await fetch(`${gw.url}/v1/hello`, { method: 'POST', body: 'x' });
    assert.equal(post.status, 201);
    assert.equal(await post.text(), 'created');
    const head = await fetch(`${gw.url}/v1/hello`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
  });

  it('echoes the client opc-request-id and generates one otherwise', async () => {
    const mine = await fetch(`${gw.url}/v1/hello`, { headers: { 'opc-request-id': 'req-123' } });
    assert.equal(mine.headers.get('opc-request-id'), 'req-123');
    const generated = await fetch(`${gw.url}/v1/nothing-here`);
    assert.match(generated.headers.get('opc-request-id') ?? '', /^[0-9a-f-]{36}$/);
    const unsafe = await fetch(`${gw.url}/v1/hello`, { headers: { 'opc-request-id': 'a'.repeat(300) } });
    assert.notEqual(unsafe.headers.get('opc-request-id'), 'a'.repeat(300));
  });

  it('answers 404 and 405 as JSON, with Allow on 405', async () => {
    const nf = await fetch(`${gw.url}/v2/hello`);
    assert.equal(nf.status, 404);
    assert.deepEqual(await nf.json(), { code: 404, message: 'Not Found' });
    const na = await fetch(`${gw.url}/v1/hello`, { method: 'DELETE' });
    assert.equal(na.status, 405);
    assert.equal(na.headers.get('allow'), 'GET, POST');
    assert.deepEqual(await na.json(), { code: 405, message: 'Method Not Allowed' });
  });

  it('routes path parameters and wildcards, static segments first', async () => {
    const s = await fetch(`${gw.url}/v1/items/new`);
    assert.equal(await s.text(), 'static wins');
    const p = await fetch(`${gw.url}/v1/items/42?color=red`);
    assert.equal(p.status, 200);
    const echo = (await p.json()) as { url: string };
    assert.equal(echo.url, '/echo/item/42?src=gw&color=red');
    const w = (await (await fetch(`${gw.url}/v1/files/a/b%20c/d.txt`)).json()) as { url: string };
    assert.equal(w.url, '/echo/files/a/b%20c/d.txt');
    // The route matches (an encoded slash stays inside its parameter), but a value holding a `/`
    // must not reach a templated upstream path, where a decoding upstream would read two segments.
    const enc = await fetch(`${gw.url}/v1/items/a%2Fb`);
    assert.equal(enc.status, 400, 'a path value with an encoded slash is refused');
  });

  it('refuses dot segments instead of resolving them', async () => {
    const raw = await rawRequest(gw.url, 'GET /v1/items/%2e%2e/new HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.match(raw, /^HTTP\/1\.1 400 /);
  });

  it('proxies with forwarding headers set and hop-by-hop headers removed', async () => {
    const res = await new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
      const req = httpRequest(`${gw.url}/v1/items/7`, {
        headers: { 'x-custom': 'drop-me', connection: 'x-custom', 'keep-alive': 'timeout=1', te: 'trailers', 'x-keep': 'kept', authorization: 'Bearer abc' },
      }, (r) => {
        let body = '';
        r.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({ status: r.statusCode ?? 0, headers: r.headers, body }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(res.status, 200);
    const echo = JSON.parse(res.body) as { headers: Record<string, string> };
    assert.equal(echo.headers['x-keep'], 'kept');
    assert.equal(echo.headers['x-custom'], undefined);
    assert.equal(echo.headers['te'], undefined);
    assert.equal(echo.headers['keep-alive'], undefined);
    assert.equal(echo.headers['authorization'], 'Bearer abc');
    assert.equal(echo.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(echo.headers['x-forwarded-proto'], 'http');
    assert.match(echo.headers['x-forwarded-host'] ?? '', /^127\.0\.0\.1:\d+$/);
    assert.equal(echo.headers['host'], `127.0.0.1:${up.port}`);
    assert.equal(res.headers['x-upstream'], 'yes');
    assert.equal(res.headers['keep-alive'], 'timeout=5', "the gateway's own keep-alive, not the upstream's");
  });

  it("drops the upstream's hop-by-hop headers, those its Connection names included, and keeps repeated ones", async () => {
    const res = await new Promise<{ headers: Record<string, unknown>; raw: string[] }>((resolve, reject) => {
      httpRequest(`${gw.url}/v1/up/connection-listed`, (r) => {
        r.resume().on('end', () => resolve({ headers: r.headers, raw: r.rawHeaders }));
      }).on('error', reject).end();
    });
    assert.equal(res.headers['x-public'], 'end');
    assert.equal(res.headers['x-private'], undefined, 'named by the upstream Connection header');
    assert.deepEqual(res.headers['set-cookie'], ['a=1', 'b=2']);
    assert.equal(res.raw.filter((h) => h.toLowerCase() === 'constructor').length, 1, 'regression: a header named constructor was doubled with Object itself');
    assert.equal(res.raw[res.raw.findIndex((h) => h.toLowerCase() === 'constructor') + 1], 'a header like any other');
    assert.doesNotMatch(String(res.headers['connection']), /x-private/i);
  });

  it('streams request bodies, fixed-length and chunked', async () => {
    const body = 'x'.repeat(300_000);
    const fixed = (await (await fetch(`${gw.url}/v1/items/9`, { method: 'POST', body })).json()) as { body: string; method: string };
    assert.equal(fixed.method, 'POST');
    assert.equal(fixed.body.length, body.length);
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode('part1-'));
        c.enqueue(new TextEncoder().encode('part2'));
        c.close();
      },
    });
    const chunked = (await (await fetch(`${gw.url}/v1/items/9`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit)).json()) as { body: string };
    assert.equal(chunked.body, 'part1-part2');
  });

  it('streams a large response through', async () => {
    const res = await fetch(`${gw.url}/v1/up/big?bytes=${8 * 1024 * 1024}`);
    assert.equal(res.status, 200);
    assert.equal((await res.arrayBuffer()).byteLength, 8 * 1024 * 1024);
  });

  it('passes upstream statuses through', async () => {
    const res = await fetch(`${gw.url}/v1/up/status/418`);
    assert.equal(res.status, 418);
    assert.equal(await res.text(), 'status 418');
  });

  it('maps a refused connection to 502 and a slow upstream to 504', async () => {
    const refused = await fetch(`${gw.url}/v1/down`);
    assert.equal(refused.status, 502);
    assert.deepEqual(await refused.json(), { code: 502, message: 'Bad Gateway' });
    const slow = await fetch(`${gw.url}/v1/up/slow-headers?ms=2500`);
    assert.equal(slow.status, 504);
    assert.deepEqual(await slow.json(), { code: 504, message: 'Gateway Timeout' });
  });

  it('cuts the client connection when the upstream breaks mid-response', async () => {
    await assert.rejects(async () => {
      const res = await fetch(`${gw.url}/v1/up/reset`);
      assert.equal(res.status, 200);
      await res.text();
    });
    assert.equal((await fetch(`${gw.url}/v1/hello`)).status, 200, 'the gateway still serves');
  });

  it('refuses oversized bodies with 413 and oversized heads with 431', async () => {
    // The gateway answers before reading an oversized body, then closes the connection.
    const big = await rawRequest(gw.url, `POST /v1/items/1 HTTP/1.1\r\nHost: x\r\nContent-Length: ${1024 * 1024 + 1}\r\n\r\nxx`, 800);
    assert.match(big, /^HTTP\/1\.1 413 /);
    assert.match(big, /\{"code":413,"message":"Payload Too Large"\}/);
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < 20; i++) c.enqueue(new Uint8Array(64 * 1024));
        c.close();
      },
    });
    const chunked = await fetch(`${gw.url}/v1/items/1`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit).catch(() => null);
    assert.ok(chunked === null || chunked.status === 413, `chunked over the limit: ${chunked?.status}`);
    if (chunked !== null) assert.equal(chunked.headers.get('connection'), 'close');
    const raw = await rawRequest(gw.url, `GET /v1/hello HTTP/1.1\r\nHost: x\r\nX-Big: ${'y'.repeat(8000)}\r\n\r\n`, 800);
    assert.match(raw, /^HTTP\/1\.1 431 /);
    assert.match(raw, /"code":431/);
    assert.equal((await fetch(`${gw.url}/v1/hello`)).status, 200);
  });

  it('writes one access line per request without the Authorization value', async () => {
    await fetch(`${gw.url}/v1/hello`, { headers: { authorization: 'Bearer super-secret-token', 'opc-request-id': 'log-check-1' } });
    const rec = await gw.waitFor((r) => r['msg'] === 'access' && r['reqId'] === 'log-check-1');
    assert.equal(rec['status'], 200);
    assert.equal(rec['route'], '/v1/hello');
    assert.equal(rec['deployment'], 'shop');
    assert.ok(!(await gw.settledLogs()).some((l) => l.includes('super-secret-token')));
  });

  it('serves health, metrics and the redacted plan on the admin plane', async () => {
    assert.equal((await fetch(`${gw.adminUrl}/health/live`)).status, 200);
    assert.equal((await fetch(`${gw.adminUrl}/health/ready`)).status, 200);
    const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
    assert.match(metrics, /gatehouse_http_requests_total\{deployment="shop",route="\/v1\/hello",method="GET",status="200"\} \d+/);
    assert.match(metrics, /gatehouse_http_request_duration_seconds_bucket/);
    const plan = (await (await fetch(`${gw.adminUrl}/admin/plan`)).json()) as { deployments: { name: string; routes: number }[] };
    assert.equal(plan.deployments.length, 1);
    assert.equal(plan.deployments[0]?.name, 'shop');
    assert.equal(plan.deployments[0]?.routes, 7);
    assert.equal((await fetch(`${gw.url}/metrics`)).status, 404, 'admin routes are not on the data plane');
  });
});
