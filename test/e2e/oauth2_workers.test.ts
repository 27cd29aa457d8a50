/**
 * Browser sign-in with `serve --workers 2` (issue 17): the workers generate or read one session key
 * (.gatehouse/session.key, created once), so a sign-in started on one worker completes on whichever
 * worker the callback reaches and the session works on both; states are single-use through the
 * primary's shared counters.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { startGateway } from '../helpers/gateway.ts';
import { startOidcProvider } from '../helpers/oidc_provider.ts';
import { freePort } from '../helpers/net.ts';
import { request } from 'node:http';
import { Jar, signInAtProvider } from '../helpers/oidc_login.ts';
import { loginRoute, signInPolicy, webAppProvider, webDeployment } from '../helpers/sign_in_config.ts';

const API = 'urn:gatehouse:workers';

/**
 * GET on a new connection every time (no agent): the cluster hands connections to the workers in
 * turn, so consecutive requests of one browser reach both workers.
 */
function get(url: string, jar: Jar, cookie = jar.header()): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers: { cookie } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(res.headers)) for (const v of [value ?? []].flat()) headers.append(name, v);
        const answer = new Response(Buffer.concat(chunks), { status: res.statusCode!, headers });
        jar.take(answer);
        resolve(answer);
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('browser sign-in with serve --workers 2 (e2e)', () => {
  it('sign-ins complete and sessions work whichever worker answers; one generated key; a replay is refused', async (t) => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const op = await startOidcProvider(webAppProvider({ api: API, clientSecret: 'workers-secret', redirectUris: [`${base}/app/callback`] }));
    t.after(() => op.stop());
    const gw = await startGateway({
      args: ['--port', String(port), '--workers', '2'],
      config: {
        secrets: { 'ocid1.vaultsecret.oc1..w': 'workers-secret' },
        deployments: [
          webDeployment({
            authentication: signInPolicy({
              discoveryUri: op.discoveryUri,
              audience: API,
              clientSecretId: 'ocid1.vaultsecret.oc1..w',
              scopes: ['openid', 'read'],
              failure: { usePkce: true, loginPath: '/callback' },
            }),
            routes: [
              { path: '/page', methods: ['GET'], backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'page' } },
              loginRoute,
            ],
          }),
        ],
      },
    });
    t.after(() => gw.stop());
    assert.equal(statSync(join(gw.dir, '.gatehouse', 'session.key')).mode & 0o777, 0o600);

    for (const user of ['u1', 'u2', 'u3', 'u4']) {
      const jar = new Jar();
      const start = await get(`${base}/app/page`, jar);
      assert.equal(start.status, 302);
      const txn = jar.header();
      const back = await signInAtProvider(op.issuer, start.headers.get('location')!, user, new Jar());
      const done = await get(back, jar);
      assert.equal(done.status, 302, `${user}: ${await done.clone().text()}`);
      for (let i = 0; i < 4; i++) assert.equal((await get(`${base}/app/page`, jar)).status, 200, `${user} request ${i}`);
      for (let i = 0; i < 2; i++) assert.equal((await get(back, new Jar(), txn)).status, 400, `${user}: replay ${i}`);
    }
  });
});
