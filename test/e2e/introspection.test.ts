/**
 * TOKEN_AUTHENTICATION with REMOTE_DISCOVERY and clientDetails, end to end: the gateway introspects
 * tokens (RFC 7662) at the local token service's introspection_endpoint, authenticating with a
 * client secret named by a Vault OCID and resolved through the `secrets:` map. A secret the map
 * lacks makes the policy answer 503, `validate` warn, and `/health/ready` name it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, startGateway, type RunningGatewayProcess } from '../helpers/gateway.ts';
import { freePort, tokenRequest } from '../idp/idp_process.ts';
import { discoveryPolicy } from '../helpers/policies.ts';

const AUD = 'https://introspected-api';
const SECRET_OCID = 'ocid1.vaultsecret.oc1..introspector';

function configFor(port: number, secrets: Record<string, string> | undefined): object {
  const issuer = `http://localhost:${port}/`;
  return {
    ...(secrets === undefined ? {} : { secrets }),
    deployments: [
      {
        name: 'api',
        pathPrefix: '/v1',
        specification: {
          requestPolicies: {
            authentication: discoveryPolicy({
              discoveryUri: `${issuer}.well-known/openid-configuration`,
              audiences: [AUD],
              introspectionClient: { clientId: 'gw-introspector', clientSecretId: SECRET_OCID },
            }),
          },
          routes: [
            {
              path: '/hello',
              methods: ['GET'],
              backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'hello' },
              requestPolicies: { authorization: { type: 'ANY_OF', allowedScope: ['read:hello'] } },
            },
          ],
        },
      },
    ],
    identityProvider: {
      port,
      apis: [{ name: 'Introspected', identifier: AUD, scopes: ['read:hello'] }],
      applications: [
        { name: 'Client', clientId: 'client', clientSecret: 'client-secret', grants: [{ audience: AUD, scopes: ['read:hello'] }] },
        { name: 'Gateway introspector', clientId: 'gw-introspector', clientSecret: 'introspector-secret' },
      ],
    },
  };
}

describe('token introspection through the gateway (e2e)', () => {
  let gw: RunningGatewayProcess;
  let idp: string;

  before(async () => {
    const port = await freePort();
    gw = await startGateway({ config: configFor(port, { [SECRET_OCID]: 'introspector-secret' }) });
    idp = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    await gw?.stop();
  });

  it('a token the provider says is active passes, with its scopes; an unknown one is refused with 401', async () => {
    const t = await tokenRequest(idp, { client_id: 'client', client_secret: 'client-secret', audience: AUD, grant_type: 'client_credentials' });
    assert.equal(t.status, 200, JSON.stringify(t.body));
    const ok = await fetch(`${gw.url}/v1/hello`, { headers: { authorization: `Bearer ${String(t.body['access_token'])}` } });
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), 'hello');
    const opaque = await fetch(`${gw.url}/v1/hello`, { headers: { authorization: 'Bearer not-a-token-the-provider-issued' } });
    assert.equal(opaque.status, 401);
    await opaque.arrayBuffer();
    await gw.waitFor((r) => r['msg'] === 'access' && r['auth'] === 'token_inactive');
    const logs = gw.logs().join('\n');
    assert.doesNotMatch(logs, /introspector-secret|not-a-token-the-provider-issued/, 'neither the secret nor a token is logged');
  });
});

describe('token introspection with a secret the secrets: map lacks (e2e)', () => {
  let gw: RunningGatewayProcess;

  before(async () => {
    gw = await startGateway({ config: configFor(await freePort(), undefined), timeoutMs: 15_000 });
  });
  after(async () => {
    await gw?.stop();
  });

  it('the policy answers 503, /health/ready names the secret, and validate warns at its path', async () => {
    const res = await fetch(`${gw.url}/v1/hello`, { headers: { authorization: 'Bearer whatever' } });
    assert.equal(res.status, 503);
    await res.arrayBuffer();
    await gw.waitFor((r) => r['msg'] === 'access' && r['auth'] === 'introspection_unavailable');
    const ready = await fetch(`${gw.adminUrl}/health/ready`);
    assert.equal(ready.status, 503);
    assert.match(await ready.text(), /ocid1\.vaultsecret\.oc1\.\.introspector/);
    const v = await runCli(['validate', '--config', gw.configFile]);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout + v.stderr, /clientDetails\.clientSecretId/);
  });
});
