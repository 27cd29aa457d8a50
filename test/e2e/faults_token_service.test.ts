/**
 * Key lifecycle against the local token service, end to end: `gatehouse serve` runs the provider
 * and a deployment that trusts its JWKS. Keys are rotated and revoked through the management API
 * and through `gatehouse idp keys`, while the gateway runs; the gateway must accept the new kid at
 * once and refuse tokens of a revoked key (cached decisions included) within its refresh interval.
 * `maxCacheDurationInHours: 0.001` (3.6 s) makes that interval 2.9 s instead of minutes.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { decodeProtectedHeader } from 'jose';
import { runCli, startGateway, type RunningGatewayProcess } from '../helpers/gateway.ts';
import { freePort, tokenRequest } from '../idp/idp_process.ts';
import { jwtPolicy } from '../helpers/policies.ts';
import { eventually } from '../helpers/eventually.ts';

const AUD = 'https://orders';
const MAX_CACHE_MS = 3600;
/** The gateway refreshes at 80 % of the cache age; polling and the provider's own 1 s poll add slack. */
const REFRESH_MS = MAX_CACHE_MS * 0.8;

describe('key lifecycle with the local token service (e2e)', () => {
  let gw: RunningGatewayProcess;
  let idpUrl: string;
  let issuer: string;

  before(async () => {
    const port = await freePort();
    issuer = `http://localhost:${port}/`;
    gw = await startGateway({
      config: {
        deployments: [
          {
            name: 'orders',
            pathPrefix: '/v1',
            specification: {
              requestPolicies: {
                authentication: jwtPolicy({
                  issuer,
                  audience: AUD,
                  jwksUri: `http://127.0.0.1:${port}/.well-known/jwks.json`,
                  publicKeys: { type: 'REMOTE_JWKS', uri: `http://127.0.0.1:${port}/.well-known/jwks.json`, maxCacheDurationInHours: MAX_CACHE_MS / 3_600_000 },
                }),
              },
              routes: [{ path: '/orders', backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'orders' } }],
            },
          },
          { name: 'open', pathPrefix: '/open', specification: { routes: [{ path: '/health', backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'ok' } }] } },
        ],
        identityProvider: {
          port,
          management: { clientId: 'mgmt', clientSecret: 'mgmt-secret-value' },
          apis: [{ name: 'Orders', identifier: AUD, scopes: ['read:orders'] }],
          applications: [{ name: 'Orders client', clientId: 'orders-client', clientSecret: 'orders-secret-value', grants: [{ audience: AUD, scopes: ['read:orders'] }] }],
        },
      },
    });
    idpUrl = gw.idpUrl!;
  });
  after(async () => {
    await gw?.stop();
  });

  async function token(audience = AUD, clientId = 'orders-client', secret = 'orders-secret-value'): Promise<string> {
    const r = await tokenRequest(idpUrl, { client_id: clientId, client_secret: secret, audience, grant_type: 'client_credentials' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return String(r.body['access_token']);
  }
  const kid = (t: string) => String(decodeProtectedHeader(t).kid);
  const status = async (t: string) => (await fetch(`${gw.url}/v1/orders`, { headers: { authorization: `Bearer ${t}` } })).status;
  async function healthy(): Promise<void> {
    assert.equal((await fetch(`${gw.url}/open/health`)).status, 200);
  }
  async function mgmt(method: string, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const t = await token(`${issuer}api/v2/`, 'mgmt', 'mgmt-secret-value');
    const res = await fetch(`${idpUrl}/api/v2${path}`, { method, headers: { authorization: `Bearer ${t}` } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }
  /** Polls until `t` is refused; returns how long that took. */
  async function refusedWithin(t: string, limitMs: number): Promise<number> {
    const started = Date.now();
    await eventually(
      'a token of the revoked key is refused',
      async () => {
        const s = await status(t);
        if (s === 401) return true;
        assert.equal(s, 200, 'a revoked key is either still cached (200) or refused (401), nothing else');
        return false;
      },
      { timeoutMs: limitMs, intervalMs: 100 },
    );
    return Date.now() - started;
  }

  it('rotation through the management API: the new kid is accepted at once; the old one still is', async () => {
    const before = await token();
    assert.equal(await status(before), 200);
    assert.equal(await status(before), 200, 'cached decision');
    const rotated = await mgmt('POST', '/keys/signing/rotate');
    assert.equal(rotated.status, 201);
    const after = await token();
    assert.notEqual(kid(after), kid(before));
    assert.equal(kid(after), rotated.body['kid']);
    assert.equal(await status(after), 200, 'the promoted key was published as next: no wait');
    assert.equal(await status(before), 200, 'the previous key stays published until revoked');
    await healthy();
  });

  it('revocation through the management API: tokens of that key, cached ones included, are refused within the refresh interval', async () => {
    const old = await token();
    assert.equal(await status(old), 200);
    await mgmt('POST', '/keys/signing/rotate');
    const current = await token();
    assert.equal(await status(current), 200);
    const revoke = await mgmt('PUT', `/keys/signing/${kid(old)}/revoke`);
    assert.equal(revoke.status, 200, JSON.stringify(revoke.body));
    const tookMs = await refusedWithin(old, REFRESH_MS + 1500);
    assert.ok(tookMs <= REFRESH_MS + 1500, `refused after ${tookMs} ms`);
    await gw.waitFor((r) => r['msg'] === 'access' && r['path'] === '/v1/orders' && r['status'] === 401 && r['auth'] === 'kid_unknown');
    assert.equal(await status(current), 200, 'other keys are unaffected');
    await healthy();
  });

  it('`gatehouse idp keys rotate` and `revoke` on the running provider are seen by the gateway the same way', async () => {
    const cli = (args: string[]) => runCli([...args, '--config', gw.configFile], { cwd: gw.dir });
    const old = await token();
    assert.equal(await status(old), 200);
    const rotate = await cli(['idp', 'keys', 'rotate']);
    assert.equal(rotate.code, 0, rotate.stderr);
    // The provider polls the store's revision every second.
    let current = await token();
    await eventually('the provider signs with the rotated key', async () => {
      current = await token();
      return kid(current) !== kid(old);
    }, { timeoutMs: 5000, intervalMs: 100 });
    assert.equal(await status(current), 200, 'accepted at once');
    const revoke = await cli(['idp', 'keys', 'revoke', kid(old)]);
    assert.equal(revoke.code, 0, revoke.stderr);
    // One more second for the provider to see the CLI's write.
    await refusedWithin(old, REFRESH_MS + 2500);
    assert.equal(await status(current), 200);
    await healthy();
    assert.equal((await fetch(`${gw.adminUrl}/health/ready`)).status, 200);
  });
});
