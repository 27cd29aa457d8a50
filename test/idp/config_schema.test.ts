import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfigText } from '../../src/config/load.ts';

const load = (idp: string, env: NodeJS.ProcessEnv = {}) => loadConfigText(`deployments: []\nidentityProvider:\n${idp}`, '/tmp/gatehouse.yaml', env);

test('the documented identityProvider section loads, secrets from the environment', () => {
  const { config } = load(
    `  port: 4000
  issuer: http://localhost:4000/
  database: .gatehouse/idp.sqlite
  management: { clientId: m, clientSecret: "\${MGMT}" }
  apis: [{ name: JWT Authorizer, identifier: https://auth0-jwt-authorizer, signingAlg: RS256, tokenLifetime: 3600, tokenDialect: rfc9068, scopes: [read:hello, { value: write:hello, description: Write }] }]
  applications: [{ name: Test Application, clientId: "\${CLIENT_ID}", clientSecret: "\${CLIENT_SECRET}", grants: [{ audience: https://auth0-jwt-authorizer, scopes: [read:hello] }] }]
`,
    { CLIENT_ID: 'id', CLIENT_SECRET: 'secret', MGMT: 'ms' },
  );
  const idp = config.identityProvider as { applications: { clientId: string; clientSecret: string }[] };
  assert.equal(idp.applications[0]?.clientId, 'id');
  assert.equal(idp.applications[0]?.clientSecret, 'secret');
});

test('mistakes are errors with their paths', () => {
  const cases: [string, RegExp][] = [
    ['  apis: [{ identifier: x, signingAlg: HS512 }]', /identityProvider\.apis\[0\]\.signingAlg: must be one of/],
    ['  apis: [{ identifer: x }]', /identityProvider\.apis\[0\]\.identifer: unknown field/],
    ['  issuer: http://localhost:4000', /identityProvider\.issuer/],
    ['  apis: [{ identifier: x, tokenLifetime: 2592001 }]', /identityProvider\.apis\[0\]\.tokenLifetime/],
    ['  applications: [{ clientId: a }]', /identityProvider\.applications\[0\]\.name: is required/],
    ['  apis: [{ identifier: x, scopes: ["two words"] }]', /identityProvider\.apis\[0\]\.scopes\[0\]/],
    ['  port: 70000', /identityProvider\.port/],
  ];
  for (const [text, expected] of cases) assert.throws(() => load(`${text}\n`), expected, text);
});
