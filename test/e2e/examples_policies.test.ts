/**
 * Keeps examples/policies honest: `validate` accepts it, and the README's curl scenarios give the
 * answers it shows, run as fetch calls against the example itself (a copy of its directory, the
 * config unchanged) with the real gateway process, its local token service and the echo function,
 * all on loopback.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runCli, startGateway, type RunningGatewayProcess } from '../helpers/gateway.ts';
import { freePort } from '../helpers/net.ts';

const EXAMPLE = join(ROOT, 'examples/policies');
const APP = 'https://app.example.com';

interface Echo {
  method: string;
  url: string;
  headers: Record<string, string | string[]>;
  body: unknown;
}

function metric(text: string, name: string, labels: Record<string, string>): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('examples/policies (e2e)', () => {
  let gw: RunningGatewayProcess;
  let dir: string;
  let idp: string;
  let token: string;

  async function tokenFor(scope?: string): Promise<string> {
    const res = await fetch(`${idp}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: 'policies-client', client_secret: 'policies-secret', audience: 'https://items-api', grant_type: 'client_credentials', ...(scope === undefined ? {} : { scope }) }),
    });
    const json = (await res.json()) as { access_token: string };
    assert.equal(res.status, 200, JSON.stringify(json));
    return json.access_token;
  }

  before(async () => {
    // Inside the repository (git-ignored .gatehouse/), so the function finds @fnproject/fdk in node_modules.
    mkdirSync(join(ROOT, '.gatehouse'), { recursive: true });
    dir = mkdtempSync(join(ROOT, '.gatehouse', 'test-policies-'));
    cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !src.endsWith('.gatehouse') });
    const idpPort = await freePort();
    idp = `http://localhost:${idpPort}`;
    gw = await startGateway({ config: readFileSync(join(EXAMPLE, 'gatehouse.yaml'), 'utf8'), cwd: dir, env: { IDP_PORT: String(idpPort) } });
    token = await tokenFor();
  });
  after(async () => {
    await gw?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('validate exits 0 on examples/policies/gatehouse.yaml', async () => {
    const r = await runCli(['validate', '--config', join(EXAMPLE, 'gatehouse.yaml')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /valid \(1 deployment\(s\), 4 route\(s\)\)/);
    assert.equal(r.stderr, '', 'no warnings');
  });

  it('CORS: the gateway answers the preflight (204, no token), allows the wildcard subdomain, gives a disallowed origin no CORS headers', async () => {
    const preflight = (origin: string) =>
      fetch(`${gw.url}/api/items/42`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization, x-api-version' } });
    const res = await preflight(APP);
    assert.equal(res.status, 204);
    assert.equal(await res.text(), '');
    assert.equal(res.headers.get('access-control-allow-origin'), APP);
    assert.equal(res.headers.get('access-control-allow-credentials'), 'true');
    assert.equal(res.headers.get('access-control-allow-methods'), 'GET, PUT, POST');
    assert.equal(res.headers.get('access-control-allow-headers'), 'Authorization, Content-Type, X-Api-Version');
    assert.equal(res.headers.get('access-control-max-age'), '600');
    assert.equal(res.headers.get('vary'), 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers');

    const preview = await preflight('https://pr-7.preview.example.com');
    assert.equal(preview.headers.get('access-control-allow-origin'), 'https://pr-7.preview.example.com');

    const evil = await preflight('https://evil.example.net');
    assert.equal(evil.status, 204);
    assert.deepEqual([...evil.headers.keys()].filter((h) => h.startsWith('access-control-')), []);
  });

  it("CORS: the route's own policy replaces the deployment's; its response ALLOW filter drops the backend's Cache-Control", async () => {
    const res = await fetch(`${gw.url}/api/public/discovery`, { headers: { origin: 'https://anywhere.example.net' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.equal(res.headers.get('access-control-allow-credentials'), null);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(res.headers.get('cache-control'), null, 'the token service sends one; ALLOW lists only Content-Type');
    assert.equal(((await res.json()) as { issuer: string }).issuer, `${idp}/`);

    const preflight = await fetch(`${gw.url}/api/public/discovery`, { method: 'OPTIONS', headers: { origin: APP, 'access-control-request-method': 'GET' } });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
    assert.equal(preflight.headers.get('access-control-allow-methods'), 'GET');
    assert.equal(preflight.headers.get('access-control-max-age'), '3600');
  });

  it('authentication and authorization: 401 without a token (with CORS headers), 403 without write:orders', async () => {
    const missing = await fetch(`${gw.url}/api/items/42`, { headers: { 'x-api-version': '2', origin: APP } });
    assert.equal(missing.status, 401);
    assert.equal(missing.headers.get('access-control-allow-origin'), APP);
    assert.deepEqual(await missing.json(), { code: 401, message: 'Unauthorized' });

    const reader = await tokenFor('read:items');
    const forbidden = await fetch(`${gw.url}/api/orders`, { method: 'POST', headers: { authorization: `Bearer ${reader}`, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(forbidden.status, 403);
    assert.deepEqual(await forbidden.json(), { code: 403, message: 'Forbidden' });
  });

  it('validation: ENFORCING answers 400 naming the missing header (CORS headers included); PERMISSIVE passes, logged and counted', async () => {
    const res = await fetch(`${gw.url}/api/items/42`, { headers: { authorization: `Bearer ${token}`, origin: APP } });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('access-control-allow-origin'), APP);
    assert.equal(res.headers.get('access-control-expose-headers'), 'X-Served-By, X-Backend-Version');
    assert.deepEqual(await res.json(), { code: 400, message: 'Missing required header: X-Api-Version' });

    const passed = await fetch(`${gw.url}/api/items/42`, { headers: { authorization: `Bearer ${token}`, 'x-api-version': '2' } });
    assert.equal(passed.status, 200, 'no fields parameter: PERMISSIVE lets it through');
    await passed.body?.cancel();
    const line = await gw.waitFor((r) => r['validation'] === 'queryParameterValidations' && r['mode'] === 'PERMISSIVE');
    assert.equal(line['level'], 40, 'a warn line');
    assert.deepEqual(line['missing'], ['fields']);
    const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
    assert.ok(metric(metrics, 'gatehouse_validation_failures_total', { deployment: 'policies', mode: 'permissive' }) >= 1, 'counted');
  });

  it('validation: /orders needs a JSON body', async () => {
    const post = (headers: Record<string, string>, body?: string) => fetch(`${gw.url}/api/orders`, { method: 'POST', headers: { authorization: `Bearer ${token}`, ...headers }, ...(body === undefined ? {} : { body }) });
    const none = await post({});
    assert.equal(none.status, 400);
    assert.deepEqual(await none.json(), { code: 400, message: 'Request body is required' });
    const text = await post({ 'content-type': 'text/plain' }, 'hi');
    assert.equal(text.status, 400);
    assert.deepEqual(await text.json(), { code: 400, message: 'Content-Type not accepted; expected one of: application/json' });
    const json = await post({ 'content-type': 'application/json' }, '{"item":"42"}');
    assert.equal(json.status, 200);
    const echo = (await json.json()) as Echo;
    assert.equal(echo.headers['x-user'], 'policies-client@clients');
    assert.deepEqual(echo.body, { item: '42' });
  });

  it('transformations: the function receives the headers and query the route sets, renames and filters; the answer carries the response transformation', async () => {
    const res = await fetch(`${gw.url}/api/items/42?fields=name&q=shoes&debug=1`, {
      headers: { authorization: `Bearer ${token}`, 'x-api-version': '2', 'x-user': 'admin', 'x-legacy-tenant': 'acme', 'x-debug': '1', 'x-gateway': 'edge' },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-served-by'), 'gatehouse');
    assert.equal(res.headers.get('x-backend-version'), '1', 'renamed from the function X-Echo-Version');
    assert.equal(res.headers.get('x-echo-version'), null);
    assert.equal(res.headers.get('x-internal-host'), null, 'blocked');
    const echo = (await res.json()) as Echo;
    assert.equal(echo.method, 'GET');
    assert.equal(echo.url, '/api/items/42?fields=name&caller=policies-client&search=shoes');
    assert.equal(echo.headers['x-user'], 'policies-client@clients', "the token's sub, not the client's X-User");
    assert.equal(echo.headers['x-item-id'], '42');
    assert.equal(echo.headers['x-client-version'], '2');
    assert.deepEqual(echo.headers['x-gateway'], ['edge', 'gatehouse']);
    assert.equal(echo.headers['x-tenant'], 'acme');
    assert.equal(echo.headers['x-legacy-tenant'], undefined);
    assert.equal(echo.headers['x-debug'], undefined);

    const status = await fetch(`${gw.url}/api/status`);
    assert.equal(status.status, 200);
    assert.equal(status.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await status.json(), { status: 'ok' });
  });
});
