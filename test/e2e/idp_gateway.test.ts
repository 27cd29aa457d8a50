/**
 * End-to-end: `gatehouse serve` with an `identityProvider` section runs the provider next to the
 * gateway, and the seed flow works on one machine: a token from the provider's /oauth/token is
 * accepted by a deployment configured the way the Auth0 blog post configures OCI API Gateway
 * (issuer with its trailing slash, the provider's JWKS URI, gty and scope checks).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type RunningGatewayProcess } from '../helpers/gateway.ts';
import { freePort, tokenRequest } from '../idp/idp_process.ts';
import { jwtPolicy } from '../helpers/policies.ts';
import { eventually } from '../helpers/eventually.ts';

const AUD = 'https://auth0-jwt-authorizer';
let gw: RunningGatewayProcess;
let issuer: string;

before(async () => {
  const port = await freePort();
  issuer = `http://localhost:${port}/`;
  gw = await startGateway({
    config: {
      deployments: [
        {
          name: 'hello',
          pathPrefix: '/v1',
          specification: {
            requestPolicies: {
              authentication: jwtPolicy({
                issuer,
                audience: AUD,
                jwksUri: `${issuer}.well-known/jwks.json`,
                verifyClaims: [{ key: 'gty', values: ['client-credentials'], isRequired: true }],
                maxClockSkewInSeconds: 60,
              }),
            },
            routes: [
              {
                path: '/hello',
                methods: ['GET'],
                backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: '{"hello":"world"}', headers: [{ name: 'Content-Type', value: 'application/json' }] },
                requestPolicies: { authorization: { type: 'ANY_OF', allowedScope: ['read:hello'] } },
              },
              {
                path: '/admin',
                methods: ['GET'],
                backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'admin' },
                requestPolicies: { authorization: { type: 'ANY_OF', allowedScope: ['write:hello'] } },
              },
            ],
          },
        },
      ],
      identityProvider: {
        port,
        apis: [{ name: 'JWT Authorizer', identifier: AUD, scopes: ['read:hello', 'write:hello'] }],
        applications: [{ name: 'Test Application', clientId: 'gw-client', clientSecret: 'gw-secret', grants: [{ audience: AUD, scopes: ['read:hello'] }] }],
      },
    },
  });
});

after(async () => {
  await gw?.stop();
});

test('the gateway reports the provider it started, and its banner has a ready curl command', async () => {
  assert.equal(gw.idpUrl, `http://127.0.0.1:${new URL(issuer).port}`);
  // The banner goes to stderr, which may arrive after the ready line on stdout.
  await eventually('the banner is on stderr', () => /curl --request/.test(gw.stderr()), { timeoutMs: 5000 });
  assert.match(gw.stderr(), /client_id gw-client/);
  assert.match(gw.stderr(), /curl --request POST --url http:\/\/localhost:\d+\/oauth\/token/);
  assert.doesNotMatch(gw.stderr(), /gw-secret/, 'a configured secret is never printed');
});

test('a token from the provider opens the route its scope allows, and only that one', async () => {
  // Readiness waits for the deployment's JWKS, served by the provider in the same process.
  await eventually('the gateway is ready', async () => (await fetch(`${gw.adminUrl}/health/ready`)).status === 200, { timeoutMs: 10_000, intervalMs: 100 });
  const r = await tokenRequest(gw.idpUrl!, { client_id: 'gw-client', client_secret: 'gw-secret', audience: AUD, grant_type: 'client_credentials' });
  assert.equal(r.status, 200);
  const auth = { authorization: `Bearer ${String(r.body['access_token'])}` };
  const ok = await fetch(`${gw.url}/v1/hello`, { headers: auth });
  assert.equal(ok.status, 200, gw.logs().filter((l) => /jwks|JWKS|idp|identity/.test(l)).join('\n'));
  assert.deepEqual(await ok.json(), { hello: 'world' });
  assert.equal((await fetch(`${gw.url}/v1/admin`, { headers: auth })).status, 403);
  assert.equal((await fetch(`${gw.url}/v1/hello`)).status, 401);
});
