/**
 * The seed flow end to end on the quickstart (examples/quickstart), with real processes on loopback:
 * a token from the local token service (JSON body, as Auth0's curl sends it), the gateway fetching
 * the JWKS once for many requests, cached decisions, the Fn function's JSON, and refusals with the
 * right status. The test works on a copy of the quickstart config to which it adds a short-lived API
 * (for an expired token), another API (wrong audience) and a second scope (an unscoped token).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { parse, stringify } from 'yaml';
import { ROOT, startGateway, type RunningGatewayProcess } from '../helpers/gateway.ts';
import { eventually } from '../helpers/eventually.ts';
import { freePort } from '../helpers/net.ts';

interface QuickstartConfig {
  identityProvider: { apis: Record<string, unknown>[]; applications: { grants: { audience: string; scopes: string[] }[] }[] };
  deployments: { specification: { requestPolicies: { authentication: { audiences: string[]; maxClockSkewInSeconds: number } } } }[];
}

function metric(text: string, name: string, labels: Record<string, string>): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('quickstart flow (e2e)', () => {
  let gw: RunningGatewayProcess;
  let dir: string;
  let idp: string;

  async function token(body: Record<string, string>): Promise<string> {
    const res = await fetch(`${idp}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: 'quickstart-client', client_secret: 'quickstart-secret', grant_type: 'client_credentials', ...body }),
    });
    const json = (await res.json()) as { access_token: string; token_type: string; expires_in: number; scope: string };
    assert.equal(res.status, 200, JSON.stringify(json));
    assert.equal(json.token_type, 'Bearer');
    return json.access_token;
  }

  before(async () => {
    // Inside the repository (git-ignored .gatehouse/), so the function finds @fnproject/fdk in node_modules.
    mkdirSync(join(ROOT, '.gatehouse'), { recursive: true });
    dir = mkdtempSync(join(ROOT, '.gatehouse', 'test-quickstart-'));
    cpSync(join(ROOT, 'examples/quickstart/functions'), join(dir, 'functions'), { recursive: true });
    const cfg = parse(readFileSync(join(ROOT, 'examples/quickstart/gatehouse.yaml'), 'utf8')) as QuickstartConfig;
    cfg.identityProvider.apis[0]!['scopes'] = ['read:hello', 'read:other'];
    cfg.identityProvider.apis.push({ name: 'Short lived', identifier: 'https://short-lived', tokenLifetime: 1, scopes: ['read:hello'] });
    cfg.identityProvider.apis.push({ name: 'Other API', identifier: 'https://other-api', scopes: ['read:hello'] });
    const grants = cfg.identityProvider.applications[0]!.grants;
    grants[0]!.scopes = ['read:hello', 'read:other'];
    grants.push({ audience: 'https://short-lived', scopes: ['read:hello'] }, { audience: 'https://other-api', scopes: ['read:hello'] });
    const auth = cfg.deployments[0]!.specification.requestPolicies.authentication;
    auth.audiences.push('https://short-lived');
    auth.maxClockSkewInSeconds = 0;
    const idpPort = await freePort();
    idp = `http://localhost:${idpPort}`;
    gw = await startGateway({ config: stringify(cfg), cwd: dir, env: { IDP_PORT: String(idpPort) } });
  });
  after(async () => {
    await gw?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the function with a token from the local provider, fetching the JWKS once and caching decisions', async () => {
    const t = await token({ audience: 'https://auth0-jwt-authorizer' });
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${gw.url}/v1/hello`, { headers: { authorization: `Bearer ${t}` } });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), {
        message: 'Hello, quickstart-client!',
        subject: 'quickstart-client@clients',
        scopes: ['read:hello', 'read:other'],
        issuer: `${idp}/`,
        audience: 'https://auth0-jwt-authorizer',
      });
    }
    const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
    assert.equal(metric(metrics, 'gatehouse_jwks_fetches_total', { result: 'ok' }), 1, 'one JWKS fetch for all requests');
    assert.equal(metric(metrics, 'gatehouse_auth_decision_cache_total', { deployment: 'hello', result: 'miss' }), 1, 'one signature check');
    assert.equal(metric(metrics, 'gatehouse_auth_decision_cache_total', { deployment: 'hello', result: 'hit' }), 19, 'the other 19 from the decision cache');
    assert.equal(metric(metrics, 'gatehouse_function_invocations_total', { function_id: 'hello', outcome: 'ok' }), 20);
  });

  it('proxies the HTTP route and serves the anonymous one', async () => {
    const t = await token({ audience: 'https://auth0-jwt-authorizer' });
    const disc = await fetch(`${gw.url}/v1/discovery`, { headers: { authorization: `Bearer ${t}` } });
    assert.equal(disc.status, 200);
    assert.equal(((await disc.json()) as { issuer: string }).issuer, `${idp}/`);
    assert.equal((await fetch(`${gw.url}/v1/discovery`)).status, 401);
    const status = await fetch(`${gw.url}/v1/status`);
    assert.deepEqual(await status.json(), { status: 'ok' });
  });

  it('refuses missing, expired, wrong-audience and unscoped tokens with the right status', async () => {
    const missing = await fetch(`${gw.url}/v1/hello`);
    assert.equal(missing.status, 401);
    assert.match(missing.headers.get('www-authenticate') ?? '', /^Bearer/);
    assert.deepEqual(await missing.json(), { code: 401, message: 'Unauthorized' });

    const shortLived = await token({ audience: 'https://short-lived' });
    assert.equal((await fetch(`${gw.url}/v1/hello`, { headers: { authorization: `Bearer ${shortLived}` } })).status, 200);
    // The token lives 1 s and the policy allows no clock skew. The gateway is a real process on the
    // wall clock, so time has to pass: until exp is behind us by a whole second (clear of rounding).
    const { exp } = decodeJwt(shortLived) as { exp: number };
    await eventually('the short-lived token has expired', () => Date.now() >= (exp + 1) * 1000, { timeoutMs: 5000 });
    const expired = await fetch(`${gw.url}/v1/hello`, { headers: { authorization: `Bearer ${shortLived}` } });
    assert.equal(expired.status, 401, 'expired, also after its decision was cached');
    assert.match(expired.headers.get('www-authenticate') ?? '', /error="invalid_token"/);

    const other = await token({ audience: 'https://other-api' });
    const wrongAud = await fetch(`${gw.url}/v1/hello`, { headers: { authorization: `Bearer ${other}` } });
    assert.equal(wrongAud.status, 401);

    const unscoped = await token({ audience: 'https://auth0-jwt-authorizer', scope: 'read:other' });
    const forbidden = await fetch(`${gw.url}/v1/hello`, { headers: { authorization: `Bearer ${unscoped}` } });
    assert.equal(forbidden.status, 403);
    assert.match(forbidden.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/);

    // Access lines are written when a response closes; wait for the last one to arrive.
    await gw.waitFor((r) => r['msg'] === 'access' && r['status'] === 403);
    const reasons = gw.records().filter((r) => r['msg'] === 'access' && r['status'] !== 200).map((r) => r['auth']);
    for (const reason of ['token_missing', 'expired', 'audience_invalid', 'scope_insufficient']) assert.ok(reasons.includes(reason), `access log carries ${reason}: ${JSON.stringify(reasons)}`);
    for (const t of [shortLived, other, unscoped]) assert.ok(!(await gw.settledLogs()).some((l) => l.includes(t)), 'no token in the logs');
  });

  it('serves /v2 with opaque tokens, checked by introspection at the token service', async () => {
    const t = await token({ audience: 'https://opaque-reports' });
    assert.equal(t.split('.').length, 2, 'an opaque token, not a JWT');
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${gw.url}/v2/reports`, { headers: { authorization: `Bearer ${t}` } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-caller'), 'quickstart-client', 'the client id comes from the introspection answer');
      assert.deepEqual(await res.json(), { reports: ['daily', 'weekly'] });
    }
    // The JWT route's token is not valid here (another audience), and a made-up one is inactive.
    const jwt = await token({ audience: 'https://auth0-jwt-authorizer' });
    assert.equal((await fetch(`${gw.url}/v2/reports`, { headers: { authorization: `Bearer ${jwt}` } })).status, 401);
    const forged = `${t.split('.')[0]}.${Buffer.alloc(64, 7).toString('base64url')}`;
    const inactive = await fetch(`${gw.url}/v2/reports`, { headers: { authorization: `Bearer ${forged}` } });
    assert.equal(inactive.status, 401);
    assert.match(inactive.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    await gw.waitFor((r) => r['msg'] === 'access' && r['auth'] === 'token_inactive');
    assert.ok(!(await gw.settledLogs()).some((l) => l.includes(t) || l.includes(forged)), 'no token in the logs');
  });
});
