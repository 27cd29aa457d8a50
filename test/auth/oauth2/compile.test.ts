/**
 * validationFailurePolicy OAUTH2 and the login and logout backends at load: what is accepted, and
 * every refusal with its path (compilePlan, offline: no provider is contacted).
 */
import { readMetadata } from '../../../src/auth/oauth2/provider.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfigText } from '../../../src/config/load.ts';
import { compilePlan } from '../../../src/config/compile.ts';
import { ConfigError } from '../../../src/errors.ts';
import { createLogger } from '../../../src/lib/log.ts';
import { SharedRegistry } from '../../../src/lib/shared_registry.ts';

const log = createLogger({ level: 'silent' });
const CLIENT = 'ocid1.vaultsecret.oc1..client';
const KEY = 'ocid1.vaultsecret.oc1..sessionkey';
const secrets = { [CLIENT]: 'client-secret', [KEY]: 'k'.repeat(40) };
const AUTH = 'deployments[0].specification.requestPolicies.authentication';
const FAILURE = `${AUTH}.validationFailurePolicy`;

function issues(config: object): string[] {
  const registry = new SharedRegistry();
  try {
    compilePlan(loadConfigText(JSON.stringify(config), '/tmp/g.json', {}), registry, log, { offline: true });
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.issues.map((i) => `${i.path}: ${i.message}`);
  } finally {
    void registry.closeAll();
  }
}

const oauth2 = {
  type: 'OAUTH2',
  clientDetails: { type: 'CUSTOM', clientId: 'web', clientSecretId: CLIENT, clientSecretVersionNumber: 1 },
  sourceUriDetails: { type: 'DISCOVERY_URI', uri: 'https://op.example/.well-known/openid-configuration' },
  scopes: ['openid'],
  responseType: 'CODE',
  sessionKeys: [{ secretId: KEY }],
};
const jwks = { type: 'REMOTE_JWKS', uri: 'https://op.example/jwks', additionalValidationPolicy: { issuers: ['https://op.example'], audiences: ['api'] } };
const discovery = { type: 'REMOTE_DISCOVERY', sourceUriDetails: { type: 'DISCOVERY_URI', uri: 'https://op.example/.well-known/openid-configuration' }, additionalValidationPolicy: { audiences: ['api'] } };

function config(authentication: object, routes: object[] = [{ path: '/x', backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200 } }]): object {
  return { secrets, deployments: [{ name: 'd', pathPrefix: '/d', specification: { requestPolicies: { authentication }, routes } }] };
}

test('OAUTH2 with every OCI field loads, camelCase and kebab-case, with the login and logout backends', () => {
  const full = {
    ...oauth2,
    scopes: ['openid', 'profile'],
    maxExpiryDurationInHours: 8,
    useCookiesForSession: true,
    useCookiesForIntermediateSteps: true,
    usePkce: true,
    fallbackRedirectPath: '/home',
    logoutPath: '/logout',
    loginPath: '/callback',
  };
  const routes = [
    { path: '/callback', backend: { type: 'OAUTH2_LOGIN_BACKEND' } },
    { path: '/logout', backend: { type: 'OAUTH2_LOGOUT_BACKEND', allowedPostLogoutUris: ['https://app.example/bye', '/d/bye', '${request.headers[x-back]}'], postLogoutState: '${request.query[state]}' } },
  ];
  assert.deepEqual(issues(config({ type: 'TOKEN_AUTHENTICATION', validationPolicy: jwks, validationFailurePolicy: full }, routes)), []);
  const kebab = {
    type: 'OAUTH2',
    'client-details': { type: 'CUSTOM', 'client-id': 'web', 'client-secret-id': CLIENT },
    'source-uri-details': { type: 'DISCOVERY_URI', uri: 'https://op.example/.well-known/openid-configuration' },
    scopes: ['openid'],
    'response-type': 'CODE',
    'use-pkce': true,
    'login-path': '/callback',
    'session-keys': [{ 'secret-id': KEY }],
  };
  assert.deepEqual(issues(config({ type: 'TOKEN_AUTHENTICATION', 'validation-policy': jwks, 'validation-failure-policy': kebab }, routes.slice(0, 1))), []);
  assert.deepEqual(
    issues(config({ type: 'TOKEN_AUTHENTICATION', validationPolicy: { ...discovery, clientDetails: { type: 'CUSTOM', clientId: 'web', clientSecretId: CLIENT } }, validationFailurePolicy: { ...oauth2, clientDetails: { type: 'VALIDATION_BLOCK' }, sourceUriDetails: { type: 'VALIDATION_BLOCK' } } })),
    [],
    'VALIDATION_BLOCK reads both from the REMOTE_DISCOVERY validation policy',
  );
});

test('OAUTH2 refusals are reported at their paths', () => {
  assert.deepEqual(issues(config({ type: 'TOKEN_AUTHENTICATION', validationPolicy: jwks, validationFailurePolicy: { ...oauth2, clientDetails: { type: 'VALIDATION_BLOCK' }, sourceUriDetails: { type: 'VALIDATION_BLOCK' } } })), [
    `${FAILURE}.clientDetails: VALIDATION_BLOCK needs a REMOTE_DISCOVERY validationPolicy with clientDetails type CUSTOM`,
    `${FAILURE}.sourceUriDetails: VALIDATION_BLOCK needs a REMOTE_DISCOVERY validationPolicy`,
  ]);
  assert.deepEqual(issues(config({ type: 'TOKEN_AUTHENTICATION', validationPolicy: jwks, validationFailurePolicy: { ...oauth2, sourceUriDetails: { type: 'DISCOVERY_URI', uri: 'http://op.example/x' } } })), [
    `${FAILURE}.sourceUriDetails.uri: must use https (plain http is allowed for loopback hosts, or with isSslVerifyDisabled: true)`,
  ]);
  assert.deepEqual(issues(config({ type: 'CUSTOM_AUTHENTICATION', functionId: 'f', tokenHeader: 'X-Key', validationFailurePolicy: oauth2 })).filter((l) => l.startsWith(FAILURE)), [
    `${FAILURE}.type: OAUTH2 applies to TOKEN_AUTHENTICATION only`,
  ]);
  assert.ok(issues(config({ type: 'TOKEN_AUTHENTICATION', validationPolicy: jwks, validationFailurePolicy: { ...oauth2, responseType: 'TOKEN' } })).some((l) => l.startsWith(`${FAILURE}.responseType:`)));
  assert.ok(issues(config({ type: 'TOKEN_AUTHENTICATION', validationPolicy: jwks, validationFailurePolicy: { ...oauth2, loginPath: '//evil' } })).some((l) => l.startsWith(`${FAILURE}.loginPath:`)));
  assert.deepEqual(issues(config({ type: 'TOKEN_AUTHENTICATION', validationPolicy: jwks, validationFailurePolicy: { ...oauth2, loginPath: '/x', logoutPath: '/x' } })), [`${FAILURE}.loginPath: must differ from logoutPath`]);
  assert.deepEqual(issues(config({ type: 'TOKEN_AUTHENTICATION', validationPolicy: jwks, validationFailurePolicy: { ...oauth2, sessionKeys: [{ secretId: CLIENT }] } })), [
    `${FAILURE}.sessionKeys[0].secretId: the secret must be at least 32 characters (e.g. openssl rand -base64 32)`,
  ]);
});

test('OAUTH2 inside a dynamicAuthentication server is refused as not supported yet, never ignored', () => {
  const dyn = {
    secrets,
    deployments: [
      {
        name: 'd',
        pathPrefix: '/d',
        specification: {
          requestPolicies: {
            dynamicAuthentication: {
              selectionSource: { type: 'SINGLE', selector: 'request.headers[tenant]' },
              authenticationServers: [
                { key: { type: 'ANY_OF', values: ['a'], name: 'a', isDefault: true }, authenticationServerDetail: { type: 'TOKEN_AUTHENTICATION', validationPolicy: jwks, validationFailurePolicy: oauth2 } },
              ],
            },
          },
          routes: [{ path: '/x', backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200 } }],
        },
      },
    ],
  };
  assert.deepEqual(issues(dyn), [
    'deployments[0].specification.requestPolicies.dynamicAuthentication.authenticationServers[0].authenticationServerDetail.validationFailurePolicy.type: not supported yet: OAUTH2 inside dynamicAuthentication (use it in requestPolicies.authentication)',
  ]);
});

test('the login and logout backends need the deployment\'s OAUTH2 policy; post-logout URIs must be http(s) URLs or paths', () => {
  const plain = { type: 'TOKEN_AUTHENTICATION', validationPolicy: jwks };
  assert.deepEqual(issues(config(plain, [{ path: '/cb', backend: { type: 'OAUTH2_LOGIN_BACKEND' } }, { path: '/out', backend: { type: 'OAUTH2_LOGOUT_BACKEND' } }])), [
    'deployments[0].specification.routes[0].backend.type: OAUTH2_LOGIN_BACKEND needs the deployment\'s authentication to have validationFailurePolicy type OAUTH2',
    'deployments[0].specification.routes[1].backend.type: OAUTH2_LOGOUT_BACKEND needs the deployment\'s authentication to have validationFailurePolicy type OAUTH2',
  ]);
  const withOauth2 = { ...plain, validationFailurePolicy: oauth2 };
  assert.deepEqual(issues(config(withOauth2, [{ path: '/out', backend: { type: 'OAUTH2_LOGOUT_BACKEND', allowedPostLogoutUris: ['javascript:alert(1)', 'bye', '${request.nope[x]}'] } }])).map((l) => l.replace(/: .*/, '')), [
    'deployments[0].specification.routes[0].backend.allowedPostLogoutUris[0]',
    'deployments[0].specification.routes[0].backend.allowedPostLogoutUris[1]',
    'deployments[0].specification.routes[0].backend.allowedPostLogoutUris[2]',
  ]);
  assert.ok(
    issues({ deployments: [{ name: 'd', pathPrefix: '/d', specification: { routes: [{ path: '/x', backend: { type: 'DYNAMIC_ROUTING_BACKEND', selectionSource: { type: 'SINGLE', selector: 'request.headers[x]' }, routingBackends: [{ key: { type: 'ANY_OF', values: ['a'], name: 'a' }, backend: { type: 'OAUTH2_LOGOUT_BACKEND' } }] } }] } }] }).length > 0,
    'a dynamic routing backend cannot choose a logout backend',
  );
});

test('regression: isSslVerifyDisabled let the client secret go to a plain-http token_endpoint off loopback; the discovery document is refused', () => {
  const doc = (token: string) => ({ issuer: 'http://idp.example/', authorization_endpoint: 'http://idp.example/authorize', token_endpoint: token });
  assert.match(String(readMetadata(doc('http://idp.example/token'), true)), /^token_endpoint must use https: the client secret is sent there/);
  // The browser-facing endpoint may stay plain http with the switch; loopback and https always pass.
  assert.equal(typeof readMetadata(doc('http://127.0.0.1:9/token'), true), 'object');
  assert.equal(typeof readMetadata(doc('https://idp.example/token'), true), 'object');
});
