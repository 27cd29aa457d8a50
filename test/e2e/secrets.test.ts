/**
 * Tokens, client secrets and Authorization values never appear in the logs (stdout and stderr),
 * the metrics or any admin response: exercised with good and bad secrets, tokens in headers and in
 * query strings, valid and refused tokens, and function calls.
 */
import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startGateway, type RunningGatewayProcess } from '../helpers/gateway.ts';
import { freePort } from '../helpers/net.ts';

const CLIENT_SECRET = 'sEcReT-client-value-7f3a9c';
const MGMT_SECRET = 'sEcReT-management-value-51be';
const WRONG_SECRET = 'sEcReT-wrong-guess-0042';

describe('secrets stay out of logs, metrics and admin answers (e2e)', () => {
  let gw: RunningGatewayProcess;
  let dir: string;
  let idp: string;
  before(async () => {
    mkdirSync(join(ROOT, '.gatehouse'), { recursive: true });
    dir = mkdtempSync(join(ROOT, '.gatehouse', 'test-secrets-'));
    cpSync(join(ROOT, 'examples/quickstart/functions'), join(dir, 'functions'), { recursive: true });
    const port = await freePort();
    idp = `http://localhost:${port}`;
    const auth = {
      type: 'JWT_AUTHENTICATION',
      tokenHeader: 'Authorization',
      tokenAuthScheme: 'Bearer',
      issuers: [`${idp}/`],
      audiences: ['https://api'],
      publicKeys: { type: 'REMOTE_JWKS', uri: `${idp}/.well-known/jwks.json` },
    };
    gw = await startGateway({
      cwd: dir,
      config: {
        server: { host: '127.0.0.1' },
        identityProvider: {
          port,
          issuer: `${idp}/`,
          management: { clientId: 'mgmt-client', clientSecret: '${MGMT_SECRET}' },
          apis: [{ name: 'API', identifier: 'https://api', scopes: ['read'] }],
          applications: [{ name: 'App', clientId: 'app-client', clientSecret: '${CLIENT_SECRET}', grants: [{ audience: 'https://api', scopes: ['read'] }] }],
        },
        functions: { hello: { path: './functions/hello' } },
        deployments: [
          { name: 'header', pathPrefix: '/h', specification: { requestPolicies: { authentication: auth }, routes: [{ path: '/fn', backend: { type: 'ORACLE_FUNCTIONS_BACKEND', functionId: 'hello' } }, { path: '/stock', backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'ok' } }] } },
          {
            name: 'query',
            pathPrefix: '/q',
            specification: { requestPolicies: { authentication: { ...auth, tokenHeader: undefined, tokenAuthScheme: undefined, tokenQueryParam: 'access_token' } }, routes: [{ path: '/stock', backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'ok' } }] },
          },
        ],
      },
      env: { CLIENT_SECRET, MGMT_SECRET, GATEHOUSE_LOG_LEVEL: 'debug' },
    });
  });
  after(async () => {
    await gw?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('never shows them', async () => {
    const post = (body: string, headers: Record<string, string>) => fetch(`${idp}/oauth/token`, { method: 'POST', body, headers });
    const ok = (await (await post(JSON.stringify({ client_id: 'app-client', client_secret: CLIENT_SECRET, audience: 'https://api', grant_type: 'client_credentials' }), { 'content-type': 'application/json' })).json()) as { access_token: string };
    const token = ok.access_token;
    assert.ok(token);
    assert.equal((await post(`client_id=app-client&client_secret=${WRONG_SECRET}&audience=https://api&grant_type=client_credentials`, { 'content-type': 'application/x-www-form-urlencoded' })).status, 401);
    const basic = Buffer.from(`app-client:${WRONG_SECRET}`).toString('base64');
    assert.equal((await post('audience=https://api&grant_type=client_credentials', { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` })).status, 401);
    const mgmt = (await (await post(JSON.stringify({ client_id: 'mgmt-client', client_secret: MGMT_SECRET, audience: `${idp}/api/v2/`, grant_type: 'client_credentials' }), { 'content-type': 'application/json' })).json()) as { access_token: string };
    assert.equal((await fetch(`${idp}/api/v2/clients`, { headers: { authorization: `Bearer ${mgmt.access_token}` } })).status, 200);

    const forged = `${token.slice(0, token.lastIndexOf('.') + 1)}AAAA${token.slice(token.lastIndexOf('.') + 5)}`;
    assert.equal((await fetch(`${gw.url}/h/fn`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
    assert.equal((await fetch(`${gw.url}/h/stock`, { headers: { authorization: `Bearer ${forged}` } })).status, 401);
    assert.equal((await fetch(`${gw.url}/h/stock`, { headers: { authorization: `Basic ${basic}` } })).status, 401);
    assert.equal((await fetch(`${gw.url}/q/stock?access_token=${token}`)).status, 200);
    assert.equal((await fetch(`${gw.url}/q/stock?access_token=${forged}`)).status, 401);
    assert.equal((await fetch(`${gw.url}/nowhere?access_token=${token}`, { headers: { authorization: `Bearer ${token}` } })).status, 404);

    await gw.waitFor((r) => r['msg'] === 'access' && r['status'] === 404);
    const surfaces: Record<string, string> = {
      stdout: gw.logs().join('\n'),
      stderr: gw.stderr(),
      metrics: await (await fetch(`${gw.adminUrl}/metrics`)).text(),
      plan: await (await fetch(`${gw.adminUrl}/admin/plan`)).text(),
      auth: await (await fetch(`${gw.adminUrl}/admin/auth`)).text(),
      info: await (await fetch(`${gw.adminUrl}/admin/info`)).text(),
    };
    assert.ok(surfaces['stdout']!.includes('"msg":"access"'), 'the logs were captured');
    const secrets = { token, forged, mgmtToken: mgmt.access_token, CLIENT_SECRET, MGMT_SECRET, WRONG_SECRET, basic, tokenSignature: token.slice(token.lastIndexOf('.') + 1) };
    for (const [where, text] of Object.entries(surfaces)) {
      for (const [what, value] of Object.entries(secrets)) assert.ok(!text.includes(value), `${what} appears in ${where}`);
    }
  });
});
