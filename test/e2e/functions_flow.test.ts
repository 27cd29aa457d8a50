/**
 * The seed flow end to end, the one the README's quickstart walks through: a client gets a token
 * from the gateway's local identity provider, calls a JWT-protected route, the gateway verifies the
 * token and calls a real @fnproject/fdk function, which sees the token (and so its claims) as OCI
 * passes it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { freePort } from '../idp/idp_process.ts';
import { ROOT, startGateway, type RunningGatewayProcess } from '../helpers/gateway.ts';
import { jwtPolicy } from '../helpers/policies.ts';

const AUD = 'https://auth0-jwt-authorizer';
let gw: RunningGatewayProcess;
let issuer = '';

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
                jwksUri: `http://127.0.0.1:${port}/.well-known/jwks.json`,
                verifyClaims: [{ key: 'gty', values: ['client-credentials'], isRequired: true }],
              }),
            },
            routes: [
              {
                path: '/hello',
                methods: ['GET'],
                backend: { type: 'ORACLE_FUNCTIONS_BACKEND', functionId: 'hello' },
                requestPolicies: { authorization: { type: 'ANY_OF', allowedScope: ['read:hello'] } },
              },
            ],
          },
        },
      ],
      functions: { hello: { path: join(ROOT, 'test/fixtures/functions/echo') } },
      identityProvider: {
        port,
        issuer,
        database: ':memory:',
        apis: [{ name: 'JWT Authorizer', identifier: AUD, signingAlg: 'RS256', scopes: ['read:hello'] }],
        applications: [{ name: 'Test Application', clientId: 'test-client', clientSecret: 'test-secret-123', grants: [{ audience: AUD, scopes: ['read:hello'] }] }],
      },
    },
  });
});

after(async () => {
  await gw?.stop();
});

test('token from the IdP → gateway verifies → function gets the token and its claims', async () => {
  const tokenRes = await fetch(`${gw.idpUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: 'test-client', client_secret: 'test-secret-123', audience: AUD, grant_type: 'client_credentials' }),
  });
  assert.equal(tokenRes.status, 200);
  const { access_token: token } = (await tokenRes.json()) as { access_token: string };

  // The IdP starts before the plan compiles, so the gateway is ready at once.
  assert.equal((await fetch(`${gw.adminUrl}/health/ready`)).status, 200);
  // A client cannot forge the claims header: the gateway drops it and sets its own.
  const r = await fetch(`${gw.url}/v1/hello`, { headers: { authorization: `Bearer ${token}`, 'x-gatehouse-claims': '{"sub":"admin"}' } });
  assert.equal(r.status, 200, gw.logs().slice(-8).join('\n'));
  const body = (await r.json()) as { claims: Record<string, unknown>; headers: Record<string, string[]> };
  assert.equal(body.claims['sub'], 'test-client@clients');
  assert.equal(body.claims['scope'], 'read:hello');
  assert.equal(body.claims['iss'], issuer);
  assert.equal(body.claims['aud'], AUD);
  assert.deepEqual(body.headers['Authorization'], [`Bearer ${token}`]);
  // The verified claims also arrive as JSON in X-Gatehouse-Claims (one value: the forged one is gone).
  const forwarded = body.headers['X-Gatehouse-Claims'];
  assert.equal(forwarded?.length, 1);
  assert.deepEqual(JSON.parse(forwarded[0]!), body.claims);
  // The gateway never logs the token, even though function calls carry it.
  assert.ok(!(await gw.settledLogs()).some((l) => l.includes(token)));

  const denied = await fetch(`${gw.url}/v1/hello`);
  assert.equal(denied.status, 401);
});
