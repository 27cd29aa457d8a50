/**
 * CORS and request validation end to end: the real gateway process, a real JWKS server and a real
 * upstream echo server on loopback, requests sent as a browser sends them (preflight first).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startGateway, type RunningGatewayProcess } from '../helpers/gateway.ts';
import { startUpstream, type Upstream } from '../helpers/upstream.ts';
import { JwksServer, makeKey, signToken, type TestKey } from '../helpers/jwks_server.ts';
import { jwtPolicy } from '../helpers/policies.ts';

const AUD = 'https://cors-api';
const now = () => Math.floor(Date.now() / 1000);

describe('CORS and request validation (e2e)', () => {
  let idp: JwksServer;
  let up: Upstream;
  let gw: RunningGatewayProcess;
  let key: TestKey;
  let token: string;

  before(async () => {
    idp = await JwksServer.start();
    key = await makeKey('ES256');
    idp.keys = [key];
    up = await startUpstream();
    token = await signToken(key, { iss: idp.issuer, aud: AUD, exp: now() + 600, sub: 'u1', scope: 'read' });
    const echo = { type: 'HTTP_BACKEND', url: `${up.url}/echo` };
    gw = await startGateway({
      config: {
        deployments: [
          {
            name: 'api',
            pathPrefix: '/api',
            specification: {
              requestPolicies: {
                authentication: jwtPolicy({ issuer: idp.issuer, audience: AUD, jwksUri: idp.jwksUri }),
                cors: { allowedOrigins: ['https://a.test'], allowedMethods: ['GET', 'PUT'], allowedHeaders: ['X-Foo', 'Authorization'], exposedHeaders: ['X-Req'], maxAgeInSeconds: 600 },
              },
              routes: [
                { path: '/r', methods: ['GET', 'PUT'], backend: echo },
                { path: '/scoped', methods: ['GET'], backend: echo, requestPolicies: { authorization: { type: 'ANY_OF', allowedScope: ['admin'] } } },
                { path: '/down', methods: ['GET'], backend: { type: 'HTTP_BACKEND', url: 'http://127.0.0.1:1/x' } },
                { path: '/own', methods: ['GET'], backend: echo, requestPolicies: { cors: { allowedOrigins: ['https://b.test'] } } },
                {
                  path: '/v/h',
                  methods: ['GET'],
                  backend: echo,
                  requestPolicies: { headerValidations: { headers: [{ name: 'X-Api-Version', required: true }] } },
                },
                {
                  path: '/v/permissive',
                  methods: ['GET'],
                  backend: echo,
                  requestPolicies: { headerValidations: { validationMode: 'PERMISSIVE', headers: [{ name: 'X-Api-Version', required: true }] } },
                },
                {
                  path: '/v/disabled',
                  methods: ['GET'],
                  backend: echo,
                  requestPolicies: { headerValidations: { validationMode: 'DISABLED', headers: [{ name: 'X-Api-Version', required: true }] } },
                },
                {
                  path: '/v/q',
                  methods: ['GET'],
                  backend: echo,
                  requestPolicies: { queryParameterValidations: { parameters: [{ name: 'page', required: true }] } },
                },
                {
                  path: '/v/body',
                  methods: ['POST'],
                  backend: echo,
                  requestPolicies: { bodyValidation: { required: true, validationMode: 'ENFORCING', content: { 'application/json': { validationType: 'NONE' }, 'text/*': { validationType: 'NONE' } } } },
                },
              ],
            },
          },
          {
            // As the oci CLI exports it: kebab-case keys.
            name: 'kebab',
            pathPrefix: '/k',
            specification: {
              'request-policies': { cors: { 'allowed-origins': ['https://k.test'], 'is-allow-credentials-enabled': true, 'max-age-in-seconds': 0 } },
              routes: [
                {
                  path: '/r',
                  methods: ['POST'],
                  backend: echo,
                  'request-policies': { 'header-validations': { 'validation-mode': 'ENFORCING', headers: [{ name: 'X-Tenant', required: true }] } },
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
    await idp?.stop();
  });

  const preflight = (path: string, origin: string, method: string, headers = 'x-foo') =>
    fetch(`${gw.url}${path}`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers } });

  it('answers a preflight itself: no token needed, the backend never sees it, even where the route lists no OPTIONS', async () => {
    const before = up.received.length;
    const res = await preflight('/api/r', 'https://a.test', 'PUT');
    assert.equal(res.status, 204);
    assert.equal(await res.text(), '');
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://a.test');
    assert.match(res.headers.get('access-control-allow-methods') ?? '', /PUT/);
    assert.match(res.headers.get('access-control-allow-headers') ?? '', /X-Foo/i);
    assert.equal(res.headers.get('access-control-max-age'), '600');
    assert.match(res.headers.get('vary') ?? '', /Origin/);
    assert.equal(up.received.length, before, 'the preflight did not reach the backend');
  });

  it('a preflight from an origin that is not allowed gets no CORS headers', async () => {
    const res = await preflight('/api/r', 'https://evil.test', 'PUT');
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), null);
    assert.equal(res.headers.get('access-control-allow-methods'), null);
  });

  it('an OPTIONS request that is not a preflight is not answered by CORS (405 where the route has no OPTIONS)', async () => {
    const res = await fetch(`${gw.url}/api/r`, { method: 'OPTIONS', headers: { origin: 'https://a.test' } });
    assert.equal(res.status, 405);
  });

  it('actual requests carry the CORS headers, errors included (401, 403, 502)', async () => {
    const ok = await fetch(`${gw.url}/api/r`, { headers: { origin: 'https://a.test', authorization: `Bearer ${token}` } });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), 'https://a.test');
    assert.equal(ok.headers.get('access-control-expose-headers'), 'X-Req');
    assert.match(ok.headers.get('vary') ?? '', /Origin/);
    for (const [path, auth, status] of [['/api/r', '', 401], ['/api/scoped', `Bearer ${token}`, 403], ['/api/down', `Bearer ${token}`, 502]] as const) {
      const res = await fetch(`${gw.url}${path}`, { headers: auth === '' ? { origin: 'https://a.test' } : { origin: 'https://a.test', authorization: auth } });
      assert.equal(res.status, status, path);
      assert.equal(res.headers.get('access-control-allow-origin'), 'https://a.test', `${path} ${status}`);
    }
    const evil = await fetch(`${gw.url}/api/r`, { headers: { origin: 'https://evil.test', authorization: `Bearer ${token}` } });
    assert.equal(evil.status, 200, 'a disallowed origin is still served: the browser is the one that blocks');
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
  });

  it('a route-level CORS policy replaces the deployment one', async () => {
    const b = await fetch(`${gw.url}/api/own`, { headers: { origin: 'https://b.test', authorization: `Bearer ${token}` } });
    assert.equal(b.headers.get('access-control-allow-origin'), 'https://b.test');
    const a = await fetch(`${gw.url}/api/own`, { headers: { origin: 'https://a.test', authorization: `Bearer ${token}` } });
    assert.equal(a.headers.get('access-control-allow-origin'), null);
  });

  it('header validation ENFORCING: 400 naming the header, backend not called; the header passes', async () => {
    const before = up.received.length;
    const res = await fetch(`${gw.url}/api/v/h`, { headers: { authorization: `Bearer ${token}`, origin: 'https://a.test' } });
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), { code: 400, message: 'Missing required header: X-Api-Version' });
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://a.test', 'the 400 carries CORS headers');
    assert.equal(up.received.length, before);
    const ok = await fetch(`${gw.url}/api/v/h`, { headers: { authorization: `Bearer ${token}`, 'x-api-version': '2' } });
    assert.equal(ok.status, 200);
  });

  it('validation runs after authentication: no token is 401, not 400; a preflight is not validated', async () => {
    assert.equal((await fetch(`${gw.url}/api/v/h`)).status, 401);
    assert.equal((await preflight('/api/v/h', 'https://a.test', 'GET')).status, 204);
  });

  it('PERMISSIVE lets the request through and counts it; DISABLED checks nothing', async () => {
    const res = await fetch(`${gw.url}/api/v/permissive`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
    const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
    assert.match(metrics, /gatehouse_validation_failures_total\{deployment="api",route="\/api\/v\/permissive",mode="permissive"\} 1/);
    assert.equal((await fetch(`${gw.url}/api/v/disabled`, { headers: { authorization: `Bearer ${token}` } })).status, 200, 'DISABLED checks nothing');
    assert.doesNotMatch(metrics, /route="\/api\/v\/disabled"/, 'a DISABLED validation compiles to nothing');
  });

  it('query parameter and body validations', async () => {
    const h = { authorization: `Bearer ${token}` };
    const q = await fetch(`${gw.url}/api/v/q?size=1`, { headers: h });
    assert.deepEqual([q.status, ((await q.json()) as { message: string }).message], [400, 'Missing required query parameter: page']);
    assert.equal((await fetch(`${gw.url}/api/v/q?page=2`, { headers: h })).status, 200);
    const post = (type: string | null, body: string) =>
      fetch(`${gw.url}/api/v/body`, { method: 'POST', headers: type === null ? h : { ...h, 'content-type': type }, body });
    assert.equal((await post('application/json; charset=utf-8', '{}')).status, 200);
    assert.equal((await post('text/csv', 'a,b')).status, 200, 'text/* accepts text/csv');
    const bad = await post('image/png', 'x');
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { message: string }).message, /^Content-Type not accepted/);
    const empty = await post('application/json', '');
    assert.deepEqual([empty.status, ((await empty.json()) as { message: string }).message], [400, 'Request body is required']);
  });

  it('a kebab-case export behaves like camelCase', async () => {
    const pf = await preflight('/k/r', 'https://k.test', 'POST');
    assert.equal(pf.headers.get('access-control-allow-origin'), 'https://k.test');
    assert.equal(pf.headers.get('access-control-allow-credentials'), 'true');
    assert.equal(pf.headers.get('access-control-max-age'), null, 'max-age 0 sends no header');
    const res = await fetch(`${gw.url}/k/r`, { method: 'POST', headers: { origin: 'https://k.test' }, body: 'x' });
    assert.deepEqual([res.status, ((await res.json()) as { message: string }).message], [400, 'Missing required header: X-Tenant']);
    assert.equal((await fetch(`${gw.url}/k/r`, { method: 'POST', headers: { 'x-tenant': 't' }, body: 'x' })).status, 200);
  });

  it('validate names each mistake with its path (origin, header names, protected headers, unknown context variables)', async () => {
    const bad = {
      deployments: [
        {
          name: 'x',
          pathPrefix: '/x',
          specification: {
            routes: [
              {
                path: '/r',
                backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200 },
                requestPolicies: {
                  cors: { allowedOrigins: ['https://ok.test', 'https://bad.test/path'], allowedHeaders: ['X Bad'] },
                  headerValidations: { headers: [{ name: 'X Bad', required: true }] },
                  headerTransformations: {
                    setHeaders: {
                      items: [
                        { name: 'Cookie', values: ['x'] },
                        { name: 'X-Who', values: ['${request.nope[x]}'] },
                        { name: 'X Bad', values: ['v'] },
                      ],
                    },
                  },
                },
                responsePolicies: { headerTransformations: { setHeaders: { items: [{ name: 'Access-Control-Allow-Origin', values: ['*'] }] } } },
              },
            ],
          },
        },
      ],
    };
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-validate-'));
    const file = join(dir, 'gatehouse.json');
    writeFileSync(file, JSON.stringify(bad));
    const out = await runCli(['validate', '--config', file]);
    rmSync(dir, { recursive: true, force: true });
    assert.equal(out.code, 1, out.stderr);
    const at = 'deployments[0].specification.routes[0].requestPolicies';
    assert.ok(out.stderr.includes(`${at}.cors.allowedOrigins[1]`), out.stderr);
    assert.ok(out.stderr.includes(`${at}.cors.allowedHeaders[0]`), out.stderr);
    assert.ok(out.stderr.includes(`${at}.headerValidations.headers[0].name`), out.stderr);
    const set = `${at}.headerTransformations.setHeaders.items`;
    assert.ok(out.stderr.includes(`${set}[0].name`), `a protected header: ${out.stderr}`);
    assert.ok(out.stderr.includes(`${set}[1].values[0]`), `an unknown context variable: ${out.stderr}`);
    assert.ok(out.stderr.includes(`${set}[2].name`), `a name that is not a token: ${out.stderr}`);
    assert.ok(out.stderr.includes('deployments[0].specification.routes[0].responsePolicies.headerTransformations.setHeaders.items[0].name'), out.stderr);
  });
});
