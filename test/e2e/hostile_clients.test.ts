/**
 * Hostile and broken clients against the real process: request smuggling, slow-loris, malformed
 * heads, path tricks. Each case asserts the exact answer and that a healthy route still serves.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type RunningGatewayProcess } from '../helpers/gateway.ts';
import { startUpstream, type Upstream } from '../helpers/upstream.ts';
import { rawExchange } from '../helpers/raw_http.ts';

/** Raw bytes, answer and timing (see helpers/raw_http.ts). */
function raw(url: string, text: string | string[], opts: { waitMs?: number; gapMs?: number } = {}) {
  return rawExchange(url, text, { waitMs: opts.waitMs ?? 2000, ...(opts.gapMs !== undefined ? { gapMs: opts.gapMs } : {}) });
}

describe('hostile clients (e2e)', () => {
  let up: Upstream;
  let gw: RunningGatewayProcess;
  before(async () => {
    up = await startUpstream();
    gw = await startGateway({
      config: {
        server: { host: '127.0.0.1', headersTimeoutInSeconds: 1, requestTimeoutInSeconds: 2 },
        deployments: [
          {
            name: 'app',
            pathPrefix: '/api',
            specification: {
              routes: [
                { path: '/public/{rest*}', backend: { type: 'HTTP_BACKEND', url: `${up.url}/echo/public/\${request.path[rest]}` } },
                { path: '/submit', methods: ['POST'], backend: { type: 'HTTP_BACKEND', url: `${up.url}/echo/submit` } },
                { path: '/health', backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'ok' } },
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

  async function healthy(): Promise<void> {
    const res = await fetch(`${gw.url}/api/health`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'ok');
  }

  it('refuses Content-Length together with Transfer-Encoding, so nothing is smuggled', async () => {
    const before = up.received.length;
    const smuggle = 'POST /api/submit HTTP/1.1\r\nHost: x\r\nContent-Length: 44\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /api/public/smuggled HTTP/1.1\r\nHost: x\r\n\r\n';
    const r = await raw(gw.url, smuggle);
    assert.match(r.data, /^HTTP\/1\.1 400 /);
    assert.equal(r.data.match(/HTTP\/1\.1/g)?.length, 1, 'exactly one answer');
    assert.ok(!up.received.slice(before).some((x) => x.url.includes('smuggled')), 'the smuggled request never reached the backend');
    await healthy();
  });

  it('refuses conflicting Content-Length values and an obfuscated Transfer-Encoding', async () => {
    const two = await raw(gw.url, 'POST /api/submit HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd');
    assert.match(two.data, /^HTTP\/1\.1 400 /);
    const te = await raw(gw.url, 'POST /api/submit HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n\r\n0\r\n\r\n');
    assert.match(te.data, /^HTTP\/1\.1 (400|501) /);
    await healthy();
  });

  it('cuts a slow-loris client that never finishes its head, near the headers timeout', async () => {
    const parts = ['GET /api/health HTTP/1.1\r\n', 'Host: x\r\n', 'X-a: 1\r\n', 'X-b: 1\r\n', 'X-c: 1\r\n', 'X-d: 1\r\n', 'X-e: 1\r\n', 'X-f: 1\r\n'];
    const r = await raw(gw.url, parts, { gapMs: 400, waitMs: 6000 });
    assert.equal(r.closed, true, 'the server closed the connection');
    assert.ok(r.ms < 4000, `closed after ${r.ms} ms`);
    assert.match(r.data, /^HTTP\/1\.1 408 /);
    await healthy();
  });

  it('answers garbage and malformed request lines with 400 JSON', async () => {
    for (const junk of ['\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03', 'HELLO\r\n\r\n', 'GET /api/health HTTP/9.9\r\n\r\n', 'GET /api/health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n']) {
      const r = await raw(gw.url, junk, { waitMs: 1500 });
      assert.match(r.data, /^HTTP\/1\.1 (400|505) /, JSON.stringify(junk));
    }
    await healthy();
  });

  it('refuses non-ASCII and control characters in header values', async () => {
    const r = await raw(gw.url, 'GET /api/health HTTP/1.1\r\nHost: x\r\nX-Bad: a\x00b\r\n\r\n');
    assert.match(r.data, /^HTTP\/1\.1 400 /);
    await healthy();
  });

  it('keeps path tricks from reaching a route they do not match', async () => {
    const cases: [string, number][] = [
      ['/api/public/../health', 400],
      ['/api/public/%2e%2e/health', 400],
      ['/api/public/%2E%2e%2Fhealth', 400], // one segment "../health": matches the wildcard, but the backend URL refuses a value holding "/"
      ['/api/public/%252e%252e/health', 400], // a literal "%2e%2e" segment: an upstream decoding once more would read ".."
      ['/api/public/a/b%20c', 200],
      ['/api//health', 404],
      ['/API/health', 404],
      ['/api/health%00', 404],
      ['/api/%zz', 400],
      ['http://evil.example/api/health', 400],
      ['*', 400],
    ];
    for (const [path, status] of cases) {
      const r = await raw(gw.url, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, { waitMs: 1500 });
      assert.match(r.data, new RegExp(`^HTTP/1\\.1 ${status} `), `${path}: ${r.data.split('\r\n')[0]}`);
    }
    await healthy();
  });

  it('survives many Authorization headers and odd schemes on an open route', async () => {
    const r = await raw(gw.url, 'GET /api/health HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\r\nAuthorization: Basic b\r\nAuthorization: \t\r\nConnection: close\r\n\r\n', { waitMs: 1500 });
    assert.match(r.data, /^HTTP\/1\.1 200 /);
    await healthy();
  });
});
