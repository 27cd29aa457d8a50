/**
 * dynamicAuthentication and DYNAMIC_ROUTING_BACKEND end to end: the real gateway process, two real
 * JWKS servers as two tenants, a real upstream and a real function, on loopback.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runCli, startGateway, ROOT, type RunningGatewayProcess } from '../helpers/gateway.ts';
import { startUpstream, type Upstream } from '../helpers/upstream.ts';
import { JwksServer, makeKey, signToken, type TestKey } from '../helpers/jwks_server.ts';
import { jwtPolicy } from '../helpers/policies.ts';
import { freePort } from '../helpers/net.ts';
import { eventually } from '../helpers/eventually.ts';

const AUD = 'orders-api';
const FIX = join(ROOT, 'test/fixtures/functions');
const now = () => Math.floor(Date.now() / 1000);
const stock = (body: string) => ({ type: 'STOCK_RESPONSE_BACKEND', status: 200, body, headers: [{ name: 'content-type', value: 'text/plain' }] });

async function get(gw: RunningGatewayProcess, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${gw.url}${path}`, { headers });
  return { status: res.status, body: await res.text() };
}

describe('dynamic authentication and dynamic routing (e2e)', () => {
  let tenantA: JwksServer;
  let tenantB: JwksServer;
  let upstream: Upstream;
  let gw: RunningGatewayProcess;
  let keyA: TestKey;
  let keyB: TestKey;
  const tokenA = () => signToken(keyA, { iss: tenantA.issuer, aud: AUD, exp: now() + 600, sub: 'alice' });
  const tokenB = () => signToken(keyB, { iss: tenantB.issuer, aud: AUD, exp: now() + 600, sub: 'bob' });

  before(async () => {
    tenantA = await JwksServer.start();
    tenantB = await JwksServer.start();
    keyA = await makeKey('ES256', 'kid-a');
    keyB = await makeKey('RS256', 'kid-b');
    tenantA.keys = [keyA];
    tenantB.keys = [keyB];
    upstream = await startUpstream();
    const serverA = jwtPolicy({ issuer: tenantA.issuer, audience: AUD, jwksUri: tenantA.jwksUri });
    // Tenant B in OCI's newer TOKEN_AUTHENTICATION shape.
    const serverB = {
      type: 'TOKEN_AUTHENTICATION',
      validationPolicy: { type: 'REMOTE_JWKS', uri: tenantB.jwksUri, additionalValidationPolicy: { issuers: [tenantB.issuer], audiences: [AUD] } },
    };
    const dynamic = (defaultB: boolean) => ({
      selectionSource: { type: 'SINGLE', selector: 'request.headers[X-Tenant]' },
      authenticationServers: [
        { key: { type: 'WILDCARD', name: 'b-wild', expression: 'b-*', isDefault: defaultB }, authenticationServerDetail: serverB },
        { key: { type: 'ANY_OF', name: 'a', values: ['a', 'a-eu', 'b-special'] }, authenticationServerDetail: serverA },
      ],
    });
    const routing = (withDefault: boolean) => ({
      type: 'DYNAMIC_ROUTING_BACKEND',
      selectionSource: { type: 'SINGLE', selector: 'request.headers[x-target]' },
      routingBackends: [
        { key: { type: 'ANY_OF', name: 'http', values: ['http'] }, backend: { type: 'HTTP_BACKEND', url: `${upstream.url}/echo/\${request.path[id]}` } },
        { key: { type: 'ANY_OF', name: 'fn', values: ['fn'] }, backend: { type: 'ORACLE_FUNCTIONS_BACKEND', functionId: 'echo' } },
        { key: { type: 'WILDCARD', name: 'stock', expression: 'stock-+' }, backend: stock('stocked') },
        ...(withDefault ? [{ key: { type: 'ANY_OF', name: 'fallback', values: ['none'], isDefault: true }, backend: stock('fallback') }] : []),
      ],
    });
    gw = await startGateway({
      config: {
        deployments: [
          { name: 'tenants', pathPrefix: '/t', specification: { requestPolicies: { dynamicAuthentication: dynamic(false) }, routes: [{ path: '/r', backend: stock('ok') }] } },
          { name: 'tenants-default', pathPrefix: '/td', specification: { requestPolicies: { dynamicAuthentication: dynamic(true) }, routes: [{ path: '/r', backend: stock('ok') }] } },
          {
            name: 'routing',
            pathPrefix: '/r',
            specification: { routes: [{ path: '/items/{id}', backend: routing(false) }, { path: '/d/{id}', backend: routing(true) }] },
          },
          {
            // As the oci CLI exports it: kebab-case keys.
            name: 'kebab',
            pathPrefix: '/k',
            specification: {
              'request-policies': {
                'dynamic-authentication': {
                  'selection-source': { type: 'SINGLE', selector: 'request.query[tenant]' },
                  'authentication-servers': [
                    {
                      key: { type: 'ANY_OF', name: 'a', values: ['a'], 'is-default': false },
                      'authentication-server-detail': {
                        type: 'JWT_AUTHENTICATION',
                        'token-header': 'Authorization',
                        'token-auth-scheme': 'Bearer',
                        issuers: [tenantA.issuer],
                        audiences: [AUD],
                        'public-keys': { type: 'REMOTE_JWKS', uri: tenantA.jwksUri, 'max-cache-duration-in-hours': 1 },
                      },
                    },
                  ],
                },
              },
              routes: [
                {
                  path: '/r',
                  backend: {
                    type: 'DYNAMIC_ROUTING_BACKEND',
                    'selection-source': { type: 'SINGLE', selector: 'request.auth[sub]' },
                    'routing-backends': [{ key: { type: 'WILDCARD', name: 'al', expression: 'al*', 'is-default': false }, backend: stock('kebab-alice') }],
                  },
                },
              ],
            },
          },
        ],
        functions: { echo: { path: join(FIX, 'echo') } },
      },
    });
  });

  after(async () => {
    await gw?.stop();
    await upstream?.close();
    await tenantA?.stop();
    await tenantB?.stop();
  });

  it('a tenant A token passes when the header selects A (exact values) and is refused when it selects B', async () => {
    const a = await tokenA();
    for (const tenant of ['a', 'a-eu']) assert.deepEqual(await get(gw, '/t/r', { authorization: `Bearer ${a}`, 'x-tenant': tenant }), { status: 200, body: 'ok' });
    assert.equal((await get(gw, '/t/r', { authorization: `Bearer ${a}`, 'x-tenant': 'b-1' })).status, 401);
    const b = await tokenB();
    assert.equal((await get(gw, '/t/r', { authorization: `Bearer ${b}`, 'x-tenant': 'a' })).status, 401);
  });

  it('wildcard keys select after exact ones: b-* is tenant B, but the exact b-special is tenant A', async () => {
    const b = await tokenB();
    assert.deepEqual(await get(gw, '/t/r', { authorization: `Bearer ${b}`, 'x-tenant': 'b-1' }), { status: 200, body: 'ok' });
    assert.equal((await get(gw, '/t/r', { authorization: `Bearer ${b}`, 'x-tenant': 'b-special' })).status, 401);
    assert.equal((await get(gw, '/t/r', { authorization: `Bearer ${await tokenA()}`, 'x-tenant': 'b-special' })).status, 200);
  });

  it('no matching server and no default → 401; with a default, the default server decides', async () => {
    const b = await tokenB();
    const none = await get(gw, '/t/r', { authorization: `Bearer ${b}`, 'x-tenant': 'zzz' });
    assert.equal(none.status, 401);
    // The access log names why: no server was selected (not a token problem).
    await gw.waitFor((r) => r['msg'] === 'access' && r['path'] === '/t/r' && r['auth'] === 'server_unmatched');
    assert.equal((await get(gw, '/t/r', { authorization: `Bearer ${b}` })).status, 401, 'no selector value at all');
    assert.equal((await get(gw, '/td/r', { authorization: `Bearer ${b}`, 'x-tenant': 'zzz' })).status, 200);
    assert.equal((await get(gw, '/td/r', { authorization: `Bearer ${b}` })).status, 200);
    assert.equal((await get(gw, '/td/r', { authorization: `Bearer ${await tokenA()}`, 'x-tenant': 'zzz' })).status, 401);
  });

  it('routes by header to an HTTP backend, a function and a stock response', async () => {
    const http = await get(gw, '/r/items/42', { 'x-target': 'http' });
    assert.equal(http.status, 200);
    assert.equal((JSON.parse(http.body) as { url: string }).url, '/echo/42');
    const fn = await get(gw, '/r/items/42', { 'x-target': 'fn' });
    assert.equal(fn.status, 200);
    assert.match((JSON.parse(fn.body) as { requestURL: string }).requestURL, /\/r\/items\/42$/);
    assert.deepEqual(await get(gw, '/r/items/42', { 'x-target': 'stock-1' }), { status: 200, body: 'stocked' });
  });

  it('no matching backend and no default → 404; with a default, the default backend answers', async () => {
    const none = await get(gw, '/r/items/42', { 'x-target': 'stock-' });
    assert.equal(none.status, 404);
    assert.deepEqual(JSON.parse(none.body), { code: 404, message: 'Not Found' });
    assert.equal((await get(gw, '/r/items/42')).status, 404);
    assert.deepEqual(await get(gw, '/r/d/1', { 'x-target': 'elsewhere' }), { status: 200, body: 'fallback' });
    assert.deepEqual(await get(gw, '/r/d/1', { 'x-target': 'stock-9' }), { status: 200, body: 'stocked' });
  });

  it('the oci CLI kebab-case spelling loads and behaves the same (selection by query, routing on request.auth)', async () => {
    const a = await tokenA();
    assert.deepEqual(await get(gw, '/k/r?tenant=a', { authorization: `Bearer ${a}` }), { status: 200, body: 'kebab-alice' });
    assert.equal((await get(gw, '/k/r?tenant=b', { authorization: `Bearer ${a}` })).status, 401);
  });

  it('is refused at load: authentication with dynamicAuthentication, bad selectors, bad keys', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-dyn-'));
    try {
      const server = jwtPolicy({ issuer: 'https://i.test/', audience: AUD, jwksUri: 'http://127.0.0.1:1/jwks' });
      const spec = {
        requestPolicies: {
          authentication: server,
          dynamicAuthentication: {
            selectionSource: { type: 'SINGLE', selector: 'request.path[tenant]' },
            authenticationServers: [{ key: { type: 'WILDCARD', name: 'w', expression: 'a*b' }, authenticationServerDetail: server }],
          },
        },
        routes: [
          { path: '/{tenant}/x', backend: stock('x') },
          {
            path: '/y',
            backend: {
              type: 'DYNAMIC_ROUTING_BACKEND',
              selectionSource: { type: 'SINGLE', selector: 'random' },
              routingBackends: [
                { key: { type: 'ANY_OF', name: 'd', values: ['1'], isDefault: true }, backend: stock('1') },
                { key: { type: 'ANY_OF', name: 'd', values: ['2'], isDefault: true }, backend: stock('2') },
              ],
            },
          },
        ],
      };
      const file = join(dir, 'g.yaml');
      writeFileSync(file, stringify({ deployments: [{ name: 'd', pathPrefix: '/', specification: spec }] }));
      const both = await runCli(['validate', '--config', file]);
      assert.equal(both.code, 1);
      const out = both.stdout + both.stderr;
      assert.match(out, /requestPolicies\.dynamicAuthentication.*cannot be used with requestPolicies\.authentication/);
      assert.match(out, /routes\[1\]\.backend\.selectionSource\.selector.*Invalid selector/);
      assert.match(out, /routes\[1\]\.backend\.routingBackends\[1\]\.key\.name/);
      assert.match(out, /routes\[1\]\.backend\.routingBackends\[1\]\.key\.isDefault/);
      delete (spec.requestPolicies as Record<string, unknown>)['authentication'];
      writeFileSync(file, stringify({ deployments: [{ name: 'd', pathPrefix: '/', specification: spec }] }));
      const dyn = await runCli(['validate', '--config', file]);
      const text = dyn.stdout + dyn.stderr;
      assert.equal(dyn.code, 1);
      assert.match(text, /dynamicAuthentication\.selectionSource\.selector.*Invalid selector.*route \/y/);
      assert.match(text, /authenticationServers\[0\]\.key\.expression.*start or the end/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('dynamic authentication readiness (e2e)', () => {
  it('each authentication server\'s key store is a readiness check of its own', async () => {
    const up = await JwksServer.start();
    up.keys = [await makeKey('ES256', 'kid-up')];
    // Nothing listens on this port: connections are refused.
    const deadUri = `http://127.0.0.1:${await freePort()}/.well-known/jwks.json`;
    const gw = await startGateway({
      config: {
        deployments: [
          {
            name: 'tenants',
            pathPrefix: '/t',
            specification: {
              requestPolicies: {
                dynamicAuthentication: {
                  selectionSource: { type: 'SINGLE', selector: 'request.headers[x-tenant]' },
                  authenticationServers: [
                    { key: { type: 'ANY_OF', name: 'up', values: ['up'] }, authenticationServerDetail: jwtPolicy({ issuer: up.issuer, audience: AUD, jwksUri: up.jwksUri }) },
                    { key: { type: 'ANY_OF', name: 'down', values: ['down'] }, authenticationServerDetail: jwtPolicy({ issuer: 'https://down.test/', audience: AUD, jwksUri: deadUri }) },
                  ],
                },
              },
              routes: [{ path: '/r', backend: stock('ok') }],
            },
          },
        ],
      },
    });
    try {
      let body: { reasons: { deployment: string; keySource: string; reason: string }[] } = { reasons: [] };
      let status = 0;
      await eventually('the dead store has failed its first fetch', async () => {
        const res = await fetch(`${gw.adminUrl}/health/ready`);
        status = res.status;
        body = (await res.json()) as typeof body;
        return body.reasons.length > 0 && body.reasons.every((r) => r.reason !== 'first key fetch still in progress');
      });
      assert.equal(status, 503);
      assert.deepEqual(body.reasons.map((r) => [r.deployment, r.keySource]), [['tenants', deadUri]], 'only the unreachable server is named');
      const token = await signToken(up.keys[0]!, { iss: up.issuer, aud: AUD, exp: now() + 600 });
      assert.equal((await get(gw, '/t/r', { authorization: `Bearer ${token}`, 'x-tenant': 'up' })).status, 200, 'the healthy server still serves');
    } finally {
      await gw.stop();
      await up.stop();
    }
  });
});
