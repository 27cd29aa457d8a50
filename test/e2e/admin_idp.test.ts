/**
 * End-to-end: the embedded token service managed through the admin plane (`/admin/idp/...`, issue
 * 18) — the seed's steps without the CLI: create an API and an application (its secret shown once),
 * grant scopes, mint a test token with a curl for a route that accepts the audience, call it;
 * rotate the signing keys and see the gateway's key store pick the new kid up; revoke the previous
 * key. Also /admin/functions, and the console's files from GATEHOUSE_CONSOLE_DIR.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, startGateway, type RunningGatewayProcess } from '../helpers/gateway.ts';
import { eventually } from '../helpers/eventually.ts';
import { jwtPolicy } from '../helpers/policies.ts';
import { freePort, tokenRequest } from '../idp/idp_process.ts';

const AUD = 'https://orders.example.com';
const FIX = join(ROOT, 'test/fixtures/functions');

type Json = Record<string, unknown>;

describe('token service through the admin plane', () => {
  let gw: RunningGatewayProcess;
  let base: string;
  let consoleDir: string;
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = gw.adminHeaders()) => {
    const r = await fetch(`${gw.adminUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await r.text();
    return { status: r.status, body: (text === '' ? null : JSON.parse(text)) as unknown };
  };

  before(async () => {
    base = mkdtempSync(join(tmpdir(), 'gatehouse-console-'));
    consoleDir = join(base, 'console');
    mkdirSync(join(consoleDir, 'assets'), { recursive: true });
    writeFileSync(join(base, 'secret.txt'), 'TOPSECRET');
    writeFileSync(join(consoleDir, 'index.html'), '<!doctype html><title>Gatehouse</title><script src="assets/app.js"></script>');
    writeFileSync(join(consoleDir, 'assets', 'app.js'), 'console.log("console")');
    const port = await freePort();
    const issuer = `http://localhost:${port}/`;
    gw = await startGateway({
      env: { GATEHOUSE_CONSOLE_DIR: consoleDir },
      timeoutMs: 30_000,
      config: {
        functions: { echo: { path: join(FIX, 'echo') } },
        deployments: [
          {
            name: 'orders',
            pathPrefix: '/orders',
            specification: {
              requestPolicies: { authentication: jwtPolicy({ issuer, audience: AUD, jwksUri: `${issuer}.well-known/jwks.json` }) },
              routes: [
                { path: '/items/{id}', methods: ['GET'], backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'item' } },
                {
                  path: '/list',
                  methods: ['GET'],
                  backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'list' },
                  requestPolicies: { authorization: { type: 'ANY_OF', allowedScope: ['read:orders'] } },
                },
              ],
            },
          },
          { name: 'fn', pathPrefix: '/fn', specification: { routes: [{ path: '/echo', methods: ['ANY'], backend: { type: 'ORACLE_FUNCTIONS_BACKEND', functionId: 'echo' } }] } },
        ],
        identityProvider: { port },
      },
    });
    await eventually('the gateway is ready', async () => (await fetch(`${gw.adminUrl}/health/ready`)).status === 200, { timeoutMs: 20_000 });
  });
  after(async () => {
    await gw?.stop();
    rmSync(base, { recursive: true, force: true });
  });

  it('creates an API, an application (secret once) and a grant; the test token opens a route that accepts the audience', async () => {
    const info = (await call('GET', '/admin/idp')).body as Json;
    assert.equal(info['adminScope'], 'gatehouse:admin');
    assert.equal(info['tokenUrl'], `${String(info['issuer'])}oauth/token`);

    const api = await call('POST', '/admin/idp/apis', { identifier: AUD, name: 'Orders', scopes: ['read:orders', { value: 'write:orders', description: 'Write' }] });
    assert.equal(api.status, 201, JSON.stringify(api.body));
    assert.equal((api.body as Json)['origin'], 'managed');
    assert.equal((await call('POST', '/admin/idp/apis', { identifier: AUD })).status, 409);
    assert.equal((await call('POST', '/admin/idp/apis', { name: 'no identifier' })).status, 400);
    const apis = (await call('GET', '/admin/idp/apis')).body as Json[];
    assert.ok(apis.some((a) => a['identifier'] === AUD && a['is_system'] === false));
    assert.ok(apis.some((a) => a['is_system'] === true && a['origin'] === 'system'), 'the management API is listed');
    const hs = await call('POST', '/admin/idp/apis', { identifier: 'https://hs.example.com', signing_alg: 'HS256' });
    assert.equal(hs.status, 201);
    assert.equal((hs.body as Json)['signing_alg'], 'HS256');
    assert.doesNotMatch(JSON.stringify(hs.body) + JSON.stringify((await call('GET', '/admin/idp/apis')).body), /signing_secret/, 'an HS256 secret is never shown');

    const created = await call('POST', '/admin/idp/applications', { name: 'Orders client' });
    assert.equal(created.status, 201);
    const app = created.body as Json;
    const clientId = String(app['client_id']);
    const secret = String(app['client_secret']);
    assert.ok(secret.length >= 32);
    const listed = JSON.stringify((await call('GET', '/admin/idp/applications')).body);
    assert.ok(listed.includes(clientId) && !listed.includes(secret), 'the secret is shown in the create answer only');
    assert.doesNotMatch(listed, /"client_secret"|scrypt/, 'no secret field, not even hashed');

    // No grant yet: the test token is refused.
    assert.equal((await call('POST', '/admin/idp/test-token', { clientId, audience: AUD })).status, 403);
    const grant = await call('POST', '/admin/idp/grants', { client_id: clientId, audience: AUD, scope: ['read:orders'] });
    assert.equal(grant.status, 201, JSON.stringify(grant.body));
    assert.equal((await call('POST', '/admin/idp/grants', { client_id: clientId, audience: AUD, scope: ['nope'] })).status, 409, 'one grant per application and API');
    const grants = (await call('GET', '/admin/idp/grants')).body as Json[];
    assert.ok(grants.some((g) => g['client_id'] === clientId && g['audience'] === AUD));

    // The application's own secret works at the token endpoint too.
    assert.equal((await tokenRequest(gw.idpUrl!, { grant_type: 'client_credentials', client_id: clientId, client_secret: secret, audience: AUD })).status, 200);

    const minted = await call('POST', '/admin/idp/test-token', { clientId, audience: AUD });
    assert.equal(minted.status, 200, JSON.stringify(minted.body));
    const t = minted.body as Json;
    assert.equal(t['token_type'], 'Bearer');
    assert.equal(t['scope'], 'read:orders');
    assert.deepEqual(t['route'], { deployment: 'orders', method: 'GET', url: `${gw.url}/orders/list` }, 'a route without parameters is preferred');
    assert.equal(t['curl'], `curl -H 'Authorization: Bearer ${String(t['access_token'])}' -X GET '${gw.url}/orders/list'`);
    const r = await fetch(`${gw.url}/orders/list`, { headers: { authorization: `Bearer ${String(t['access_token'])}` } });
    assert.equal(r.status, 200);
    assert.equal(await r.text(), 'list');
    assert.ok(!(await gw.settledLogs()).join('\n').includes(String(t['access_token'])), 'the token is never logged');

    // An audience no route accepts: a placeholder URL.
    const other = await call('POST', '/admin/idp/apis', { identifier: 'https://nowhere.example.com', scopes: ['x'] });
    assert.equal(other.status, 201);
    assert.equal((await call('POST', '/admin/idp/grants', { client_id: clientId, audience: 'https://nowhere.example.com', scope: [] })).status, 201);
    const placeholder = (await call('POST', '/admin/idp/test-token', { clientId, audience: 'https://nowhere.example.com' })).body as Json;
    assert.equal(placeholder['route'], null);
    assert.match(String(placeholder['curl']), /<URL>$/);
  });

  it('rotates the signing keys: a token under the new kid is accepted by the gateway (refetching the JWKS for a kid it has never seen); the previous key can then be revoked', async () => {
    const before = (await call('GET', '/admin/idp/keys')).body as Json[];
    const oldCurrent = before.find((k) => k['alg'] === 'RS256' && k['state'] === 'current')!;
    const next = before.find((k) => k['alg'] === 'RS256' && k['state'] === 'next')!;
    assert.equal((await call('POST', `/admin/idp/keys/${String(oldCurrent['kid'])}/revoke`)).status, 400, 'only a previous key can be revoked');

    const rotated = await call('POST', '/admin/idp/keys/rotate');
    assert.equal(rotated.status, 201);
    assert.deepEqual((rotated.body as { current: Json[] }).current, [{ kid: next['kid'], alg: 'RS256' }]);
    const after = (await call('GET', '/admin/idp/keys')).body as Json[];
    assert.equal(after.find((k) => k['kid'] === oldCurrent['kid'])?.['state'], 'previous');
    assert.equal(after.find((k) => k['kid'] === next['kid'])?.['state'], 'current');
    assert.equal(after.filter((k) => k['state'] === 'next').length, 1);

    const apps = (await call('GET', '/admin/idp/applications')).body as Json[];
    const clientId = String(apps.find((a) => a['name'] === 'Orders client')!['client_id']);
    const minted = await call('POST', '/admin/idp/test-token', { clientId, audience: AUD });
    assert.equal(minted.status, 200, JSON.stringify(minted.body));
    const t = minted.body as Json;
    const token = String(t['access_token']);
    assert.equal(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())['kid'], next['kid']);
    await eventually('the gateway accepts the rotated-in key', async () => (await fetch(`${gw.url}/orders/list`, { headers: { authorization: `Bearer ${token}` } })).status === 200, { timeoutMs: 10_000 });

    // A second rotation makes current a key made by the first one, which the gateway has never
    // fetched: its key store refetches the JWKS for the unknown kid, and the first call passes.
    const newest = after.find((k) => k['alg'] === 'RS256' && k['state'] === 'next')!;
    assert.equal((await call('POST', '/admin/idp/keys/rotate')).status, 201);
    const fresh = String(((await call('POST', '/admin/idp/test-token', { clientId, audience: AUD })).body as Json)['access_token']);
    assert.equal(JSON.parse(Buffer.from(fresh.split('.')[0]!, 'base64url').toString())['kid'], newest['kid']);
    assert.equal((await fetch(`${gw.url}/orders/list`, { headers: { authorization: `Bearer ${fresh}` } })).status, 200, 'the unknown kid is fetched at once');

    const revoked = await call('POST', `/admin/idp/keys/${String(oldCurrent['kid'])}/revoke`);
    assert.equal(revoked.status, 200);
    assert.equal((revoked.body as Json)['state'], 'revoked');
    assert.equal((await call('POST', '/admin/idp/keys/nope/revoke')).status, 404);
  });

  it('updates and deletes: PATCH an API\'s scopes and a grant\'s; DELETE a grant, an application and an API; needs the credential', async () => {
    const apis = (await call('GET', '/admin/idp/apis')).body as Json[];
    const id = String(apis.find((a) => a['identifier'] === 'https://nowhere.example.com')!['id']);
    const patched = await call('PATCH', `/admin/idp/apis/${id}`, { scopes: ['x', 'y'] });
    assert.equal(patched.status, 200);
    assert.deepEqual(((patched.body as Json)['scopes'] as Json[]).map((s) => s['value']), ['x', 'y']);
    const grant = ((await call('GET', '/admin/idp/grants')).body as Json[]).find((g) => g['audience'] === 'https://nowhere.example.com')!;
    assert.deepEqual(((await call('PATCH', `/admin/idp/grants/${String(grant['id'])}`, { scope: ['y'] })).body as Json)['scope'], ['y']);

    assert.equal((await call('DELETE', `/admin/idp/grants/${String(grant['id'])}`, undefined, {})).status, 401, 'a change without the credential');
    assert.equal((await call('DELETE', `/admin/idp/grants/${String(grant['id'])}`)).status, 204);
    assert.equal((await call('DELETE', `/admin/idp/apis/${encodeURIComponent('https://nowhere.example.com')}`)).status, 204, 'by identifier too');
    const system = ((await call('GET', '/admin/idp/apis')).body as Json[]).find((a) => a['is_system'] === true)!;
    assert.equal((await call('DELETE', `/admin/idp/apis/${String(system['id'])}`)).status, 403, 'the management API stays');
    const created = (await call('POST', '/admin/idp/applications', { name: 'temp' })).body as Json;
    assert.equal((await call('DELETE', `/admin/idp/applications/${String(created['client_id'])}`)).status, 204);
    assert.equal((await call('DELETE', `/admin/idp/applications/${String(created['client_id'])}`)).status, 404);
    assert.equal((await call('POST', '/admin/idp/apis', 'not an object')).status, 400);
    assert.equal((await call('GET', '/admin/idp/nothing')).status, 404);
  });

  it('/admin/functions shows each function pool: warm containers, queue and cold starts', async () => {
    const before = ((await call('GET', '/admin/functions')).body as { functions: Json[] }).functions;
    assert.deepEqual(before, [{ id: 'echo', kind: 'local', containers: 0, busy: 0, idle: 0, starting: 0, queued: 0, coldStarts: 0 }]);
    assert.equal((await fetch(`${gw.url}/fn/echo`, { method: 'POST', body: 'hi' })).status, 200);
    const after = ((await call('GET', '/admin/functions')).body as { functions: Json[] }).functions;
    assert.deepEqual(after, [{ id: 'echo', kind: 'local', containers: 1, busy: 0, idle: 1, starting: 0, queued: 0, coldStarts: 1 }]);
  });

  it('serves the console: /console is index.html, files with their type and ETag, 404 for unknown files and for traversal', async () => {
    const index = await fetch(`${gw.adminUrl}/console`);
    assert.equal(index.status, 200);
    assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(await index.text(), /<title>Gatehouse<\/title>/);
    const js = await fetch(`${gw.adminUrl}/console/assets/app.js`);
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    const etag = js.headers.get('etag')!;
    assert.equal((await fetch(`${gw.adminUrl}/console/assets/app.js`, { headers: { 'if-none-match': etag } })).status, 304);
    assert.equal((await fetch(`${gw.adminUrl}/console/nope.js`)).status, 404);
    for (const path of ['/console/../secret.txt', '/console/%2e%2e/secret.txt', '/console/assets/%2e%2e%2f%2e%2e%2fsecret.txt', '/console/..%5csecret.txt', '/console/assets/../../secret.txt', '/console/%00', '/console/assets']) {
      const r = await rawGet(gw.adminUrl, path);
      assert.equal(r.status, 404, path);
      assert.ok(!r.body.includes('TOPSECRET'), path);
    }
  });
});

/** A GET whose path is sent as written (fetch would resolve the dot segments first). */
async function rawGet(base: string, path: string): Promise<{ status: number; body: string }> {
  const { request } = await import('node:http');
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
