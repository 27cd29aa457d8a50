/**
 * Browser sign-in across two gateway instances sharing Redis (issue 17): with the same session key
 * (sessionKeys through secrets:), a session made by one instance is honoured by the other, and a
 * state used at one instance is refused at the other (the single-use record is in shared state,
 * not only in the process that served the callback).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type RunningGatewayProcess } from '../helpers/gateway.ts';
import { startOidcProvider } from '../helpers/oidc_provider.ts';
import { freePort } from '../helpers/net.ts';
import { redisOrSkip, startRedis } from '../helpers/redis.ts';
import { get, Jar, signInAtProvider } from '../helpers/oidc_login.ts';
import { loginRoute, signInPolicy, webAppProvider, webDeployment } from '../helpers/sign_in_config.ts';

const CLIENT_OCID = 'ocid1.vaultsecret.oc1..sharedclient';
const KEY_OCID = 'ocid1.vaultsecret.oc1..sharedkey';
const API = 'urn:gatehouse:shared';

describe('browser sign-in on two gateways sharing Redis (e2e)', () => {
  it('a session from one instance works on the other; a callback used at one is refused at the other', async (t) => {
    if (redisOrSkip(t) === null) return;
    const redis = await startRedis();
    t.after(() => redis.close());
    const [portA, portB] = [await freePort(), await freePort()];
    const a = `http://127.0.0.1:${portA}`;
    const b = `http://127.0.0.1:${portB}`;
    const op = await startOidcProvider(webAppProvider({ api: API, clientSecret: 'shared-client-secret', redirectUris: [`${a}/app/callback`, `${b}/app/callback`] }));
    t.after(() => op.stop());
    const config = {
      secrets: { [CLIENT_OCID]: 'shared-client-secret', [KEY_OCID]: 'a-session-key-both-instances-share-0123456789' },
      state: { redis: { url: redis.url, commandTimeoutMs: 500, connectTimeoutMs: 500 } },
      deployments: [
        webDeployment({
          authentication: signInPolicy({
            discoveryUri: op.discoveryUri,
            audience: API,
            clientSecretId: CLIENT_OCID,
            scopes: ['openid', 'read'],
            failure: { usePkce: true, loginPath: '/callback', sessionKeys: [{ secretId: KEY_OCID }] },
          }),
          routes: [
            { path: '/page', methods: ['GET'], backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'page' } },
            loginRoute,
          ],
        }),
      ],
    };
    const gwA: RunningGatewayProcess = await startGateway({ config, args: ['--port', String(portA)] });
    t.after(() => gwA.stop());
    const gwB: RunningGatewayProcess = await startGateway({ config, args: ['--port', String(portB)] });
    t.after(() => gwB.stop());

    const jar = new Jar();
    const start = await get(`${a}/app/page`, jar);
    assert.equal(start.status, 302);
    const txn = jar.header();
    const back = await signInAtProvider(op.issuer, start.headers.get('location')!, 'erin', new Jar());
    assert.ok(back.startsWith(`${a}/app/callback?`), back);
    const query = new URL(back).search;

    // The provider's answer reaches instance B (a load balancer's choice): B completes the sign-in.
    const atB = await get(`${b}/app/callback${query}`, jar);
    assert.equal(atB.status, 302, await atB.clone().text());
    assert.equal(atB.headers.get('location'), '/app/page');
    assert.equal((await get(`${a}/app/page`, jar)).status, 200, 'B\'s session works on A');

    // The same answer replayed to A, with the sign-in cookie: A never saw this state, Redis did.
    const replay = await fetch(`${a}/app/callback${query}`, { redirect: 'manual', headers: { cookie: txn } });
    assert.equal(replay.status, 400);
    await gwA.waitFor((r) => r['msg'] === 'browser sign-in refused' && r['reason'] === 'state replayed');
  });
});
