/**
 * Header and query transformations end to end: the real gateway process, a real upstream echo
 * server, a real JWKS server and an Fn function, all on loopback.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { get as httpGet } from 'node:http';
import { join } from 'node:path';
import { ROOT, startGateway, type RunningGatewayProcess } from '../helpers/gateway.ts';
import { startUpstream, type Upstream } from '../helpers/upstream.ts';
import { JwksServer, makeKey, signToken, type TestKey } from '../helpers/jwks_server.ts';
import { jwtPolicy } from '../helpers/policies.ts';

const AUD = 'https://transform-api';
const now = () => Math.floor(Date.now() / 1000);
type Echo = { url: string; headers: Record<string, string | string[]> };

describe('header and query transformations (e2e)', () => {
  let idp: JwksServer;
  let up: Upstream;
  let gw: RunningGatewayProcess;
  let key: TestKey;

  before(async () => {
    idp = await JwksServer.start();
    key = await makeKey('ES256');
    idp.keys = [key];
    up = await startUpstream();
    const echo = { type: 'HTTP_BACKEND', url: `${up.url}/echo` };
    const set = (name: string, values: string[], ifExists?: string) => ({ setHeaders: { items: [{ name, values, ...(ifExists ? { ifExists } : {}) }] } });
    gw = await startGateway({
      config: {
        functions: { echo: { path: join(ROOT, 'test/fixtures/functions/echo') } },
        deployments: [
          {
            name: 'open',
            pathPrefix: '/o',
            specification: {
              routes: [
                { path: '/skip', backend: echo, requestPolicies: { headerTransformations: set('X-A', ['v'], 'SKIP') } },
                { path: '/overwrite', backend: echo, requestPolicies: { headerTransformations: set('X-A', ['v']) } },
                { path: '/append', backend: echo, requestPolicies: { headerTransformations: set('X-A', ['v'], 'APPEND') } },
                {
                  path: '/rename',
                  backend: echo,
                  requestPolicies: {
                    headerTransformations: {
                      renameHeaders: { items: [{ from: 'X-U', to: 'X-User' }] },
                      setHeaders: { items: [{ name: 'X-Copy', values: ['${request.headers[X-U]}'] }] },
                      filterHeaders: { type: 'ALLOW', items: [{ name: 'X-User' }, { name: 'X-Copy' }] },
                    },
                  },
                },
                { path: '/block', backend: echo, requestPolicies: { headerTransformations: { filterHeaders: { type: 'BLOCK', items: [{ name: 'User-Agent' }] } } } },
                {
                  path: '/query',
                  backend: echo,
                  requestPolicies: {
                    queryParameterTransformations: {
                      setQueryParameters: { items: [{ name: 'region', values: ['eu'] }] },
                      renameQueryParameters: { items: [{ from: 'q', to: 'query' }] },
                      filterQueryParameters: { type: 'ALLOW', items: [{ name: 'region' }, { name: 'query' }, { name: 'Region' }] },
                    },
                  },
                },
                {
                  path: '/response',
                  backend: echo,
                  responsePolicies: { headerTransformations: { setHeaders: { items: [{ name: 'X-Powered', values: ['gw'] }] }, filterHeaders: { type: 'BLOCK', items: [{ name: 'X-Upstream' }] } } },
                },
                { path: '/anon', backend: echo, requestPolicies: { headerTransformations: set('X-User', ['${request.auth[sub]}']) } },
                { path: '/sub', backend: { type: 'HTTP_BACKEND', url: `${up.url}/echo/t/\${request.subdomain[example.com]}` } },
                {
                  path: '/fn',
                  methods: ['POST'],
                  backend: { type: 'ORACLE_FUNCTIONS_BACKEND', functionId: 'echo' },
                  requestPolicies: { headerTransformations: set('X-Tenant', ['t1']) },
                  responsePolicies: { headerTransformations: set('X-From-Gateway', ['yes']) },
                },
                {
                  path: '/stock',
                  backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'ok' },
                  responsePolicies: { headerTransformations: set('X-Stock', ['1']) },
                },
                {
                  path: '/cors',
                  backend: { type: 'HTTP_BACKEND', url: `${up.url}/own-cors` },
                  requestPolicies: { cors: { allowedOrigins: ['https://a.test'] } },
                  responsePolicies: { headerTransformations: set('X-After', ['1']) },
                },
              ],
            },
          },
          {
            name: 'jwt',
            pathPrefix: '/j',
            specification: {
              requestPolicies: { authentication: jwtPolicy({ issuer: idp.issuer, audience: AUD, jwksUri: idp.jwksUri }) },
              routes: [
                {
                  path: '/me',
                  backend: echo,
                  requestPolicies: {
                    // kebab-case, as the oci CLI exports it, is read the same.
                    'header-transformations': { 'set-headers': { items: [{ name: 'X-User', values: ['${request.auth[sub]}'], 'if-exists': 'OVERWRITE' }] } },
                  },
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

  const echoOf = async (path: string, headers: Record<string, string> = {}): Promise<Echo> => {
    const res = await fetch(`${gw.url}${path}`, { headers });
    assert.equal(res.status, 200, path);
    return (await res.json()) as Echo;
  };

  it('setHeaders: SKIP keeps the client value, OVERWRITE (the default) replaces it, APPEND adds to it', async () => {
    assert.equal((await echoOf('/o/skip', { 'x-a': 'orig' })).headers['x-a'], 'orig');
    assert.equal((await echoOf('/o/skip')).headers['x-a'], 'v');
    assert.equal((await echoOf('/o/overwrite', { 'x-a': 'orig' })).headers['x-a'], 'v');
    assert.equal((await echoOf('/o/append', { 'x-a': 'orig' })).headers['x-a'], 'orig, v');
  });

  it('rename copies the original value, a set reads the original request, and ALLOW runs last', async () => {
    const seen = await echoOf('/o/rename', { 'x-u': '1', 'x-other': '2' });
    assert.equal(seen.headers['x-user'], '1');
    assert.equal(seen.headers['x-copy'], '1');
    assert.equal(seen.headers['x-u'], undefined);
    assert.equal(seen.headers['x-other'], undefined);
    assert.equal(seen.headers['user-agent'], undefined);
    assert.ok(seen.headers['x-forwarded-for'] !== undefined, 'the gateway still sets its own headers');
  });

  it('BLOCK drops the listed header', async () => {
    const seen = await echoOf('/o/block', { 'user-agent': 'ua', 'x-kept': 'k' });
    assert.equal(seen.headers['user-agent'], undefined);
    assert.equal(seen.headers['x-kept'], 'k');
  });

  it('query parameters: set, rename and ALLOW, names case-sensitive', async () => {
    const seen = await echoOf('/o/query?region=us&Region=x&q=cats&drop=1');
    const params = new URL(seen.url, 'http://x').searchParams;
    assert.deepEqual(params.getAll('region'), ['eu']);
    assert.deepEqual(params.getAll('Region'), ['x']);
    assert.deepEqual(params.getAll('query'), ['cats']);
    assert.equal(params.has('drop'), false);
    assert.equal(params.has('q'), false);
  });

  it('response headers: set and BLOCK on the backend answer', async () => {
    const res = await fetch(`${gw.url}/o/response`);
    assert.equal(res.headers.get('x-powered'), 'gw');
    assert.equal(res.headers.get('x-upstream'), null);
  });

  it('request.auth renders empty on an open route (a client cannot supply it) and the sub on a JWT route', async () => {
    assert.equal((await echoOf('/o/anon', { 'x-user': 'admin' })).headers['x-user'] ?? '', '');
    const token = await signToken(key, { iss: idp.issuer, aud: AUD, exp: now() + 600, sub: 'alice' });
    assert.equal((await echoOf('/j/me', { authorization: `Bearer ${token}`, 'x-user': 'admin' })).headers['x-user'], 'alice');
  });

  it('request.subdomain in a backend URL', async () => {
    // fetch() does not let a caller set Host: node:http does.
    const withHost = (host: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        httpGet(`${gw.url}/o/sub`, { headers: { host } }, (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        }).on('error', reject);
      });
    const cars = await withHost('cars.example.com');
    assert.equal(cars.status, 200);
    assert.equal((JSON.parse(cars.body) as Echo).url, '/echo/t/cars');
    assert.equal((await withHost('example.com')).status, 400, 'no subdomain: an empty path segment is refused');
  });

  it('function and stock backends apply transformations too', async () => {
    const res = await fetch(`${gw.url}/o/fn`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-from-gateway'), 'yes');
    assert.match(await res.text(), /t1/, 'the function saw X-Tenant');
    for (let i = 0; i < 2; i++) assert.equal((await fetch(`${gw.url}/o/stock`)).headers.get('x-stock'), '1');
  });

  it('on a CORS route the policy headers win over the backend ones, and Vary keeps Origin', async () => {
    const res = await fetch(`${gw.url}/o/cors`, { headers: { origin: 'https://a.test' } });
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://a.test');
    assert.equal(res.headers.get('x-after'), '1');
    assert.match(res.headers.get('vary') ?? '', /Accept-Encoding/);
    assert.match(res.headers.get('vary') ?? '', /Origin/);
    const other = await fetch(`${gw.url}/o/cors`, { headers: { origin: 'https://evil.test' } });
    assert.equal(other.headers.get('access-control-allow-origin'), null, 'the backend\'s "*" does not leak through');
  });
});
