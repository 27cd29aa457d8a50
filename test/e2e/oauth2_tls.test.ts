/**
 * Browser sign-in over TLS (issue 17): the gateway reached over https marks its cookies `Secure`
 * and names an https redirect_uri; the same gateway's plain-HTTP answers (other tests) do not.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCa, hasOpenssl } from '../helpers/certs.ts';
import { startGateway } from '../helpers/gateway.ts';
import { startOidcProvider } from '../helpers/oidc_provider.ts';
import { httpsGet } from '../helpers/https_get.ts';
import { loginRoute, signInPolicy, webDeployment } from '../helpers/sign_in_config.ts';

describe('browser sign-in behind the gateway\'s own TLS (e2e)', () => {
  it('the sign-in cookie is Secure, and redirect_uri is https', async (t) => {
    if (!hasOpenssl()) return t.skip('openssl not installed');
    const ca = createCa();
    t.after(() => ca.dispose());
    const server = ca.issueServer();
    const op = await startOidcProvider({ clients: [{ client_id: 'web', client_secret: 'tls-client-secret', redirect_uris: ['https://localhost/app/callback'] }] });
    t.after(() => op.stop());
    const gw = await startGateway({
      config: {
        server: { host: '127.0.0.1', tls: { certificates: [{ certFile: 'gw.pem', keyFile: 'gw-key.pem' }] } },
        secrets: { 'ocid1.vaultsecret.oc1..tls': 'tls-client-secret' },
        deployments: [
          webDeployment({
            authentication: signInPolicy({
              discoveryUri: op.discoveryUri,
              audience: 'api',
              clientSecretId: 'ocid1.vaultsecret.oc1..tls',
              scopes: ['openid'],
              failure: { usePkce: true, loginPath: '/callback' },
            }),
            routes: [
              { path: '/page', methods: ['GET'], backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200 } },
              loginRoute,
            ],
          }),
        ],
      },
      files: { 'gw.pem': server.cert, 'gw-key.pem': server.key },
    });
    t.after(() => gw.stop());
    const res = await httpsGet(`${gw.url}/app/page`, { ca: ca.cert });
    assert.equal(res.status, 302);
    const location = new URL(res.headers['location'] as string);
    assert.equal(location.searchParams.get('redirect_uri'), `${gw.url}/app/callback`);
    const cookie = (res.headers['set-cookie'] ?? [])[0] ?? '';
    assert.match(cookie, /^gatehouse_web_txn=[A-Za-z0-9_-]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=600; Secure$/);
  });
});
