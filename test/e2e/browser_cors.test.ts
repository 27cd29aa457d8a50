/**
 * CORS as a browser enforces it (issue 12): headless Chromium opens a page on one loopback origin
 * and calls the real gateway, on another port and so another origin, with fetch(). The assertions
 * are what the browser lets the page see, plus what Chromium's DevTools protocol says about each
 * blocked request (the CORS error kind), the gateway's access log and what the upstream received.
 * Skipped with a message where Chromium is missing (see test/helpers/browser.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { startGateway, type RunningGatewayProcess } from '../helpers/gateway.ts';
import { startUpstream } from '../helpers/upstream.ts';
import { JwksServer, makeKey, signToken } from '../helpers/jwks_server.ts';
import { jwtPolicy } from '../helpers/policies.ts';
import { chromiumOrSkip, launchChromium } from '../helpers/browser.ts';
import { eventually } from '../helpers/eventually.ts';

const AUD = 'https://browser-cors-api';
const OTHER_ORIGIN = 'https://elsewhere.test';

/** What the page's fetch() gave it: the answer as far as CORS lets the page see it, or the error. */
type PageResult = { ok: true; status: number; body: string; headers: Record<string, string> } | { ok: false; error: string };

/** A request Chromium saw on the network, and the CORS error it failed with, if any. */
interface NetworkRequest {
  url: string;
  method: string;
  /** A preflight's Access-Control-Request-Method and -Headers, lowercased names. */
  asks: { method: string | undefined; headers: string | undefined };
  corsError: string | undefined;
}

async function startPageServer(): Promise<{ origin: string; close(): Promise<void> }> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><meta charset="utf-8"><title>gatehouse CORS page</title><p>calls the gateway with fetch()</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Runs fetch(url, init) inside the page and returns what the page can observe. */
function pageFetch(page: Page, url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<PageResult> {
  return page.evaluate(async ({ url, init }): Promise<PageResult> => {
    try {
      const res = await fetch(url, init);
      const headers: Record<string, string> = {};
      res.headers.forEach((value, name) => (headers[name] = value));
      return { ok: true, status: res.status, body: await res.text(), headers };
    } catch (err) {
      return { ok: false, error: `${(err as Error).name}: ${(err as Error).message}` };
    }
  }, { url, init });
}

test('a real browser enforces the gateway\'s CORS policy (Chromium, page on another origin)', { timeout: 120000 }, async (t) => {
  const executablePath = chromiumOrSkip(t);
  if (executablePath === null) return;

  const idp = await JwksServer.start();
  t.after(() => idp.stop());
  const key = await makeKey('ES256');
  idp.keys = [key];
  const now = Math.floor(Date.now() / 1000);
  const token = await signToken(key, { iss: idp.issuer, aud: AUD, exp: now + 600, sub: 'browser-user' });
  const up = await startUpstream();
  t.after(() => up.close());
  const pages = await startPageServer();
  t.after(() => pages.close());

  const echo = { type: 'HTTP_BACKEND', url: `${up.url}/echo` };
  const gw: RunningGatewayProcess = await startGateway({
    config: {
      deployments: [
        {
          name: 'api',
          pathPrefix: '/api',
          specification: {
            requestPolicies: {
              authentication: jwtPolicy({ issuer: idp.issuer, audience: AUD, jwksUri: idp.jwksUri, isAnonymousAccessAllowed: true }),
              cors: { allowedOrigins: [pages.origin], allowedMethods: ['GET', 'PUT'], allowedHeaders: ['X-Foo', 'Authorization'], exposedHeaders: ['X-Req'], maxAgeInSeconds: 0 },
            },
            routes: [
              {
                // DELETE is served by the route: only the CORS policy keeps the page from sending it.
                path: '/r',
                methods: ['GET', 'PUT', 'DELETE'],
                backend: echo,
                responsePolicies: { headerTransformations: { setHeaders: { items: [{ name: 'X-Req', values: ['${request.auth[sub]}'] }] } } },
              },
              {
                // Anonymous, so the gateway serves the page's request in full; its CORS policy
                // replaces the deployment's and allows another origin only.
                path: '/other',
                methods: ['GET'],
                backend: echo,
                requestPolicies: { authorization: { type: 'ANONYMOUS' }, cors: { allowedOrigins: [OTHER_ORIGIN] } },
              },
            ],
          },
        },
      ],
    },
  });
  t.after(() => gw.stop());

  const browser = await launchChromium(executablePath);
  t.after(() => browser.close());
  const page = await browser.context.newPage();
  // Chromium's own account of each request, preflights included, with the CORS error it failed on.
  const network = new Map<string, NetworkRequest>();
  const cdp = await browser.context.newCDPSession(page);
  cdp.on('Network.requestWillBeSent', (e) => {
    const headers = Object.fromEntries(Object.entries(e.request.headers).map(([name, value]) => [name.toLowerCase(), String(value)]));
    const asks = { method: headers['access-control-request-method'], headers: headers['access-control-request-headers'] };
    network.set(e.requestId, { url: e.request.url, method: e.request.method, asks, corsError: undefined });
  });
  cdp.on('Network.loadingFailed', (e) => {
    const seen = network.get(e.requestId);
    if (seen !== undefined) seen.corsError = e.corsErrorStatus?.corsError;
  });
  await cdp.send('Network.enable');
  await page.goto(`${pages.origin}/`);

  // The gateway writes a request's access line once its answer is complete, so the page may have
  // the answer before the test has the line: wait for it.
  const accessLine = (method: string, path: string) => gw.waitFor((r) => r['msg'] === 'access' && r['method'] === method && r['path'] === path);
  const accessLines = () => gw.records().filter((r) => r['msg'] === 'access');
  const received = (method: string, path: string) => up.received.filter((r) => r.method === method && r.url.startsWith(path));
  const corsErrorOf = async (url: string, method: string): Promise<string> => {
    let found: string | undefined;
    await eventually(`Chromium reports a CORS error for ${method} ${url}`, () => {
      found = [...network.values()].find((r) => r.url === url && r.method === method && r.corsError !== undefined)?.corsError;
      return found !== undefined;
    });
    return found!;
  };

  await t.test('(a) a PUT with Authorization and X-Foo is preflighted, the gateway answers the preflight, then the page reads the body and the exposed header', async () => {
    const url = `${gw.url}/api/r`;
    const res = await pageFetch(page, url, { method: 'PUT', headers: { Authorization: `Bearer ${token}`, 'X-Foo': 'from-the-page', 'Content-Type': 'text/plain' }, body: 'hello' });
    assert.ok(res.ok, `the page's fetch failed: ${res.ok ? '' : res.error}`);
    assert.equal(res.status, 200);
    const echoed = JSON.parse(res.body) as { method: string; headers: Record<string, string>; body: string };
    assert.equal(echoed.method, 'PUT');
    assert.equal(echoed.body, 'hello');
    assert.equal(echoed.headers['x-foo'], 'from-the-page');
    assert.equal(res.headers['x-req'], 'browser-user', 'the exposed header is readable by the page');
    assert.equal(res.headers['x-upstream'], undefined, 'a header that is not exposed stays hidden from the page');
    assert.equal(res.headers['content-type'], 'application/json', 'CORS-safelisted response headers are readable');

    // Chromium sent a preflight first; the gateway answered it (204) without authentication
    // (a preflight carries no Authorization: had it reached the JWT check it would have been a
    // 401 and the browser would have stopped there) and without the backend.
    const sent = [...network.values()].filter((r) => r.url === url && r.method === 'OPTIONS');
    assert.equal(sent.length, 1, 'Chromium sent one preflight');
    assert.deepEqual(sent[0]!.asks, { method: 'PUT', headers: 'authorization,x-foo' });
    const preflight = await accessLine('OPTIONS', '/api/r');
    assert.equal(preflight['status'], 204);
    assert.equal(preflight['auth'], undefined, 'the preflight was not authenticated');
    assert.equal(preflight['sub'], undefined);
    const put = await accessLine('PUT', '/api/r');
    assert.equal(put['status'], 200);
    assert.equal(put['sub'], 'browser-user');
    assert.equal(accessLines().filter((r) => r['method'] === 'OPTIONS').length, 1, 'one preflight reached the gateway');
    assert.equal(up.received.filter((r) => r.method === 'OPTIONS').length, 0, 'the upstream never saw an OPTIONS');
    assert.equal(received('PUT', '/echo').length, 1);
  });

  await t.test('(b) a route whose CORS allows another origin only: the gateway serves the request, the browser hides the answer (TypeError)', async () => {
    const url = `${gw.url}/api/other`;
    const before = received('GET', '/echo').length;
    const res = await pageFetch(page, url);
    assert.equal(res.ok, false, 'the page must not see the answer');
    assert.match(res.ok ? '' : res.error, /^TypeError: /);
    assert.equal(await corsErrorOf(url, 'GET'), 'MissingAllowOriginHeader');
    // A simple GET is not preflighted: it went through the gateway to the backend.
    assert.equal(received('GET', '/echo').length, before + 1, 'the upstream served it');
    assert.equal((await accessLine('GET', '/api/other'))['status'], 200, 'the gateway served it');
  });

  await t.test('(c) a 401 (no token) carries the CORS headers, so the page reads its status and body', async () => {
    const before = up.received.length;
    const res = await pageFetch(page, `${gw.url}/api/r`);
    assert.ok(res.ok, `the page's fetch failed: ${res.ok ? '' : res.error}`);
    assert.equal(res.status, 401);
    assert.deepEqual(JSON.parse(res.body), { code: 401, message: 'Unauthorized' }, 'the error body is readable');
    const line = await accessLine('GET', '/api/r');
    assert.equal(line['status'], 401);
    assert.equal(line['auth'], 'token_missing', 'this request went through authentication; the preflights did not');
    assert.equal(up.received.length, before, 'the backend was not called');
  });

  await t.test('(d) a method the policy does not allow (DELETE) is blocked at the preflight and never sent', async () => {
    const url = `${gw.url}/api/r`;
    const res = await pageFetch(page, url, { method: 'DELETE' });
    assert.equal(res.ok, false);
    assert.match(res.ok ? '' : res.error, /^TypeError: /);
    assert.equal(await corsErrorOf(url, 'DELETE'), 'MethodDisallowedByPreflightResponse');
    const asked = [...network.values()].filter((r) => r.url === url && r.method === 'OPTIONS' && r.asks.method === 'DELETE');
    assert.equal(asked.length, 1, 'Chromium asked about DELETE in a preflight');
    await eventually('the DELETE preflight is in the access log', () => accessLines().filter((r) => r['method'] === 'OPTIONS').length === 2);
    const preflight = accessLines().filter((r) => r['method'] === 'OPTIONS')[1]!;
    assert.equal(preflight['status'], 204, 'the gateway answered the preflight itself');
    assert.equal(preflight['auth'], undefined);
    assert.equal(accessLines().filter((r) => r['method'] === 'DELETE').length, 0, 'the gateway never saw the DELETE');
    assert.equal(up.received.filter((r) => r.method === 'DELETE' || r.method === 'OPTIONS').length, 0, 'nor did the upstream');
    // The same DELETE from a client that does not enforce CORS is served: the block was the browser's.
    const direct = await fetch(url, { method: 'DELETE', headers: { origin: pages.origin, authorization: `Bearer ${token}` } });
    assert.equal(direct.status, 200);
  });
});
