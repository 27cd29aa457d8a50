/**
 * Token introspection (REMOTE_DISCOVERY with clientDetails, RFC 7662) against a real third-party
 * authorization server, oidc-provider, so the gateway is not only tested against our own token
 * service. oidc-provider issues opaque client-credentials tokens; the gateway process introspects
 * them at the discovery document's introspection_endpoint with client_secret_basic (client_secret_post
 * when the document lists only that), its client secret named by a Vault OCID and resolved through
 * `secrets:`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type RunningGatewayProcess } from '../helpers/gateway.ts';
import { startOidcProvider, type RunningOidcProvider } from '../helpers/oidc_provider.ts';
import { discoveryPolicy } from '../helpers/policies.ts';

const API = 'https://reports.example';
const SECRET_OCID = 'ocid1.vaultsecret.oc1..oidcprovider';
const GW_SECRET = 'gateway-introspection-secret';
const APP_SECRET = 'app-secret';
const INTROSPECTION = '/token/introspection';

function gatewayConfig(op: RunningOidcProvider): object {
  return {
    secrets: { [SECRET_OCID]: GW_SECRET },
    deployments: [
      {
        name: 'reports',
        pathPrefix: '/v1',
        specification: {
          requestPolicies: {
            authentication: discoveryPolicy({
              discoveryUri: op.discoveryUri,
              issuers: [op.issuer],
              audiences: [API],
              introspectionClient: { clientId: 'gateway', clientSecretId: SECRET_OCID },
            }),
          },
          routes: [
            {
              path: '/read',
              methods: ['GET'],
              backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'report' },
              requestPolicies: { authorization: { type: 'ANY_OF', allowedScope: ['reports:read'] } },
            },
            {
              path: '/write',
              methods: ['GET'],
              backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'written' },
              requestPolicies: { authorization: { type: 'ANY_OF', allowedScope: ['reports:write'] } },
            },
          ],
        },
      },
    ],
  };
}

async function get(gw: RunningGatewayProcess, path: string, token: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.text() };
}

describe('token introspection against oidc-provider (e2e)', () => {
  let op: RunningOidcProvider;
  let gw: RunningGatewayProcess;

  async function token(): Promise<string> {
    const t = await op.clientCredentials('reporting-app', APP_SECRET, { scope: 'reports:read', resource: API });
    assert.equal(t.status, 200, JSON.stringify(t.body));
    const value = String(t.body['access_token']);
    assert.equal(value.split('.').length, 1, 'oidc-provider issued an opaque token, not a JWT');
    return value;
  }

  before(async () => {
    op = await startOidcProvider({
      clients: [
        { client_id: 'reporting-app', client_secret: APP_SECRET, grant_types: ['client_credentials'], redirect_uris: [], response_types: [], scope: 'reports:read reports:write' },
        { client_id: 'gateway', client_secret: GW_SECRET, grant_types: [], redirect_uris: [], response_types: [] },
      ],
      scopes: ['reports:read', 'reports:write'],
      resourceServers: { [API]: { scope: 'reports:read reports:write', accessTokenFormat: 'opaque' } },
    });
    gw = await startGateway({ config: gatewayConfig(op) });
  });
  after(async () => {
    await gw?.stop();
    await op?.stop();
  });

  it('an active token passes with its scopes (ANY_OF), and the answer is cached: two requests, one introspection', async () => {
    const t = await token();
    const before = op.calls(INTROSPECTION);
    const first = await get(gw, '/v1/read', t);
    assert.deepEqual(first, { status: 200, body: 'report' });
    const second = await get(gw, '/v1/read', t);
    assert.deepEqual(second, { status: 200, body: 'report' });
    assert.equal(op.calls(INTROSPECTION) - before, 1, 'the provider was asked once');
    // The scopes came from the provider's answer: a scope the token lacks is refused.
    const write = await get(gw, '/v1/write', t);
    assert.equal(write.status, 403);
    assert.equal(op.calls(INTROSPECTION) - before, 1, 'the other route used the cached answer too');
    assert.deepEqual(op.clientAuthentications(INTROSPECTION), ['basic'], 'client_secret_basic, the default');
    assert.deepEqual(op.serverErrors(), []);
  });

  it('a revoked token and a token the provider never issued are refused with 401 token_inactive', async () => {
    const t = await token();
    assert.equal(await op.revoke(t, 'reporting-app', APP_SECRET), 200);
    const revoked = await get(gw, '/v1/read', t);
    assert.equal(revoked.status, 401);
    const garbage = await get(gw, '/v1/read', 'never-issued-by-the-provider');
    assert.equal(garbage.status, 401);
    const inactive = () => gw.records().filter((r) => r['msg'] === 'access' && r['auth'] === 'token_inactive');
    await gw.waitFor(() => inactive().length >= 2);
    const logs = (await gw.settledLogs()).join('\n');
    assert.doesNotMatch(logs, new RegExp(`${GW_SECRET}|${t}|never-issued-by-the-provider`), 'neither the secret nor a token is logged');
  });

  it('with the provider stopped, a token not in the cache is answered 503 introspection_unavailable', async () => {
    const t = await token();
    await op.stop();
    const res = await get(gw, '/v1/read', t);
    assert.equal(res.status, 503);
    await gw.waitFor((r) => r['msg'] === 'access' && r['auth'] === 'introspection_unavailable');
  });

  it('/metrics counts introspections by result and cache lookups; /admin/auth shows the endpoint, cache and last error', async () => {
    const headers: Record<string, string> = gw.adminKey === null ? {} : { authorization: `Bearer ${gw.adminKey}` };
    const page = await (await fetch(`${gw.adminUrl}/metrics`, { headers })).text();
    const value = (name: string, labels: string) => page.split('\n').find((l) => l.startsWith(`${name}{${labels}} `))?.split(' ').pop();
    // The tests above: one active token (asked once, then two cache hits), a revoked and a
    // never-issued token (inactive), and one token while the provider was down (error).
    assert.equal(value('gatehouse_introspection_calls_total', 'deployment="reports",result="active"'), '1');
    assert.equal(value('gatehouse_introspection_calls_total', 'deployment="reports",result="inactive"'), '2');
    assert.equal(value('gatehouse_introspection_calls_total', 'deployment="reports",result="error"'), '1');
    assert.equal(value('gatehouse_introspection_cache_total', 'deployment="reports",result="hit"'), '2');
    assert.equal(value('gatehouse_introspection_cache_total', 'deployment="reports",result="miss"'), '4');
    assert.equal(value('gatehouse_introspection_cache_entries', 'deployment="reports"'), '3');
    const state = (await (await fetch(`${gw.adminUrl}/admin/auth`, { headers })).json()) as Record<string, unknown>;
    const [entry, ...more] = state['introspection'] as Record<string, unknown>[];
    assert.equal(more.length, 0);
    assert.equal(entry!['deployment'], 'reports');
    assert.equal(entry!['uri'], op.discoveryUri);
    assert.equal(entry!['introspectionEndpoint'], `${op.issuer}${INTROSPECTION}`);
    assert.equal(entry!['clientAuthentication'], 'client_secret_basic');
    assert.deepEqual(entry!['results'], { active: 1, inactive: 2, error: 1 });
    assert.deepEqual(entry!['cache'], { hits: 2, misses: 4 });
    assert.equal(entry!['cachedAnswers'], 3, 'the active answer and the two inactive ones');
    assert.match(String(entry!['lastError']), /introspection at http:\/\/127\.0\.0\.1:\d+\/token\/introspection failed/);
    assert.doesNotMatch(JSON.stringify(state), new RegExp(GW_SECRET), 'the secret is not shown');
  });
});

describe('token introspection against oidc-provider that accepts only client_secret_post (e2e)', () => {
  let op: RunningOidcProvider;
  let gw: RunningGatewayProcess;

  before(async () => {
    op = await startOidcProvider({
      clients: [
        { client_id: 'reporting-app', client_secret: APP_SECRET, grant_types: ['client_credentials'], redirect_uris: [], response_types: [], token_endpoint_auth_method: 'client_secret_post' },
        { client_id: 'gateway', client_secret: GW_SECRET, grant_types: [], redirect_uris: [], response_types: [], token_endpoint_auth_method: 'client_secret_post' },
      ],
      scopes: ['reports:read'],
      resourceServers: { [API]: { scope: 'reports:read' } },
      // The discovery document then lists client_secret_post alone, and a Basic header is refused.
      configuration: { clientAuthMethods: ['client_secret_post'] },
    });
    gw = await startGateway({ config: gatewayConfig(op) });
  });
  after(async () => {
    await gw?.stop();
    await op?.stop();
  });

  it('the gateway sends its credentials in the form (DESIGN: post when the document lists only post)', async () => {
    const res = await fetch(`${op.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'reporting-app', client_secret: APP_SECRET, scope: 'reports:read', resource: API }).toString(),
    });
    const t = (await res.json()) as Record<string, unknown>;
    assert.equal(res.status, 200, JSON.stringify(t));
    const ok = await get(gw, '/v1/read', String(t['access_token']));
    assert.deepEqual(ok, { status: 200, body: 'report' });
    assert.deepEqual(op.clientAuthentications(INTROSPECTION), ['body']);
  });
});
