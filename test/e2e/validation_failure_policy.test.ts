/**
 * validationFailurePolicy of type MODIFY_RESPONSE on TOKEN_AUTHENTICATION, against a real gateway
 * and a real JWKS server: a token authentication refuses gets the configured status, body and
 * headers (WWW-Authenticate removed when the policy filters it); a good token is unaffected; a 503
 * (keys unavailable) is not a validation failure and keeps the stock answer. Inside
 * dynamicAuthentication, the chosen server's policy answers.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type RunningGatewayProcess } from '../helpers/gateway.ts';
import { JwksServer, makeKey, signToken, type TestKey } from '../helpers/jwks_server.ts';

const now = () => Math.floor(Date.now() / 1000);
const stock = { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'hello', headers: [{ name: 'content-type', value: 'text/plain' }] };

describe('validationFailurePolicy MODIFY_RESPONSE replaces 401 answers (e2e)', () => {
  let idp: JwksServer;
  let down: JwksServer;
  let key: TestKey;
  let gw: RunningGatewayProcess;

  before(async () => {
    idp = await JwksServer.start();
    down = await JwksServer.start();
    down.mode = 'error';
    key = await makeKey('RS256', 'k1');
    idp.keys = [key];
    const token = (uri: string, failure: unknown) => ({
      type: 'TOKEN_AUTHENTICATION',
      validationPolicy: { type: 'REMOTE_JWKS', uri, additionalValidationPolicy: { issuers: [idp.issuer], audiences: ['api'] } },
      validationFailurePolicy: failure,
    });
    const spec = (authentication: unknown) => ({ requestPolicies: { authentication }, routes: [{ path: '/r', backend: stock }] });
    gw = await startGateway({
      config: {
        deployments: [
          {
            name: 'modify',
            pathPrefix: '/m',
            specification: spec(
              token(idp.jwksUri, {
                type: 'MODIFY_RESPONSE',
                responseCode: '403',
                responseMessage: 'Access denied',
                responseHeaderTransformations: {
                  setHeaders: { items: [{ name: 'X-Denied', values: ['yes'] }] },
                  filterHeaders: { type: 'BLOCK', items: [{ name: 'WWW-Authenticate' }] },
                },
              }),
            ),
          },
          {
            name: 'dynamic',
            pathPrefix: '/d',
            specification: spec(token(idp.jwksUri, { type: 'MODIFY_RESPONSE', responseCode: '${request.headers[x-code]}', responseMessage: 'nope' })),
          },
          { name: 'down', pathPrefix: '/down', specification: spec(token(down.jwksUri, { type: 'MODIFY_RESPONSE', responseCode: '403', responseMessage: 'Access denied' })) },
          {
            // Each dynamicAuthentication server answers its own 401s with its own policy (or none).
            name: 'tenants',
            pathPrefix: '/t',
            specification: {
              requestPolicies: {
                dynamicAuthentication: {
                  selectionSource: { type: 'SINGLE', selector: 'request.headers[x-tenant]' },
                  authenticationServers: [
                    { key: { type: 'ANY_OF', name: 'a', values: ['a'] }, authenticationServerDetail: token(idp.jwksUri, { type: 'MODIFY_RESPONSE', responseCode: '403', responseMessage: 'Tenant A says no' }) },
                    { key: { type: 'ANY_OF', name: 'b', values: ['b'] }, authenticationServerDetail: token(idp.jwksUri, undefined) },
                  ],
                },
              },
              routes: [{ path: '/r', backend: stock }],
            },
          },
        ],
      },
    });
  });
  after(async () => {
    await gw?.stop();
    await idp?.stop();
    await down?.stop();
  });

  const good = () => signToken(key, { iss: idp.issuer, aud: 'api', exp: now() + 600 });

  it('a bad or missing token gets the configured status, body and headers, without WWW-Authenticate', async () => {
    for (const headers of [{ authorization: 'Bearer not.a.token' }, {} as Record<string, string>]) {
      const res = await fetch(`${gw.url}/m/r`, { headers });
      assert.equal(res.status, 403);
      assert.equal(await res.text(), 'Access denied');
      assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
      assert.equal(res.headers.get('x-denied'), 'yes');
      assert.equal(res.headers.get('www-authenticate'), null);
    }
  });

  it('a good token is unaffected', async () => {
    const res = await fetch(`${gw.url}/m/r`, { headers: { authorization: `Bearer ${await good()}` } });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'hello');
  });

  it('a responseCode with context variables is rendered per request; a result that is no status falls back to 401 and keeps WWW-Authenticate', async () => {
    const teapot = await fetch(`${gw.url}/d/r`, { headers: { 'x-code': '418' } });
    assert.equal(teapot.status, 418);
    assert.equal(await teapot.text(), 'nope');
    assert.match(teapot.headers.get('www-authenticate') ?? '', /^Bearer/);
    const bad = await fetch(`${gw.url}/d/r`, { headers: { 'x-code': 'abc' } });
    assert.equal(bad.status, 401);
    assert.equal(await bad.text(), 'nope');
    await gw.waitFor((r) => r['level'] !== undefined && typeof r['msg'] === 'string' && (r['msg'] as string).startsWith('validationFailurePolicy responseCode'));
  });

  it('503 (keys unavailable) is not a validation failure: the stock answer stays', async () => {
    const res = await fetch(`${gw.url}/down/r`, { headers: { authorization: `Bearer ${await good()}` } });
    assert.equal(res.status, 503);
    assert.equal(((await res.json()) as { code: number }).code, 503);
  });

  it('the chosen server\'s policy answers its 401s; a server without one, and no match, keep the stock answer', async () => {
    const a = await fetch(`${gw.url}/t/r`, { headers: { 'x-tenant': 'a', authorization: 'Bearer not.a.token' } });
    assert.equal(a.status, 403);
    assert.equal(await a.text(), 'Tenant A says no');
    const b = await fetch(`${gw.url}/t/r`, { headers: { 'x-tenant': 'b', authorization: 'Bearer not.a.token' } });
    assert.equal(b.status, 401);
    assert.deepEqual(await b.json(), { code: 401, message: 'Unauthorized' });
    const none = await fetch(`${gw.url}/t/r`, { headers: { 'x-tenant': 'c' } });
    assert.equal(none.status, 401);
    assert.deepEqual(await none.json(), { code: 401, message: 'Unauthorized' });
    const ok = await fetch(`${gw.url}/t/r`, { headers: { 'x-tenant': 'a', authorization: `Bearer ${await good()}` } });
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), 'hello');
  });
});
