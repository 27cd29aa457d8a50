import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigText } from '../../src/config/load.ts';
import { ConfigError } from '../../src/errors.ts';
import { authAdminState, compileAuthentication, compileAuthorization } from '../../src/auth/compile.ts';
import { DEFAULT_MAX_TOKEN_CHARS } from '../../src/auth/authenticator.ts';
import { configSchema } from '../../src/config/schema/index.ts';
import { DEFAULTS } from '../../src/config/defaults.ts';
import { JwksServer, makeKey } from '../helpers/jwks_server.ts';
import { compileContext } from './helpers.ts';

let server: JwksServer;
before(async () => {
  server = await JwksServer.start();
  server.keys.push(await makeKey('RS256', 'k1'));
});
after(() => server.stop());

function load(authentication: unknown, authorization?: unknown): string[] {
  const config = {
    deployments: [
      {
        name: 'd',
        pathPrefix: '/v1',
        specification: {
          requestPolicies: { authentication },
          routes: [{ path: '/x', backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200 }, ...(authorization ? { requestPolicies: { authorization } } : {}) }],
        },
      },
    ],
  };
  try {
    loadConfigText(JSON.stringify(config), 'gatehouse.json');
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
}

/** Loads a config whose one deployment reads `spec` from a specificationFile (OCI's export as it is). */
function loadSpecFile(spec: unknown): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-auth-'));
  try {
    writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
    loadConfigText(JSON.stringify({ deployments: [{ name: 'd', pathPrefix: '/v1', specificationFile: 'spec.json' }] }), join(dir, 'gatehouse.json'));
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const jwt = { type: 'JWT_AUTHENTICATION', issuers: ['https://t/'], audiences: ['a'], publicKeys: { type: 'REMOTE_JWKS', uri: 'https://t/.well-known/jwks.json', maxCacheDurationInHours: 1 } };

test('schema: OCI shapes load, camelCase and the oci CLI kebab-case alike', () => {
  assert.deepEqual(load({ ...jwt, tokenHeader: 'Authorization', tokenAuthScheme: 'Bearer', isAnonymousAccessAllowed: false, maxClockSkewInSeconds: 60, verifyClaims: [{ key: 'gty', values: ['client-credentials'], isRequired: true }] }, { type: 'ANY_OF', allowedScope: ['read:hello'] }), []);
  assert.deepEqual(load({ type: 'JWT_AUTHENTICATION', 'token-header': 'Authorization', 'token-auth-scheme': 'Bearer', issuers: ['i'], audiences: ['a'], 'public-keys': { type: 'REMOTE_JWKS', uri: 'https://t/jwks', 'max-cache-duration-in-hours': 2, 'is-ssl-verify-disabled': false } }, { type: 'AUTHENTICATION_ONLY' }), []);
  assert.deepEqual(load({ type: 'TOKEN_AUTHENTICATION', tokenQueryParam: 'access_token', validationPolicy: { type: 'REMOTE_DISCOVERY', sourceUriDetails: { type: 'DISCOVERY_URI', uri: 'https://t/.well-known/openid-configuration' }, clientDetails: null, additionalValidationPolicy: { audiences: ['a'] } } }), []);
  assert.deepEqual(load({ type: 'TOKEN_AUTHENTICATION', validationPolicy: { type: 'STATIC_KEYS', keys: [{ format: 'PEM', kid: 'p', key: '-----BEGIN PUBLIC KEY-----' }] } }), [], 'PEM content is checked at compile, not by the schema');
});

test('schema: unsupported and invalid shapes are refused with their path', () => {
  assert.deepEqual(load({ type: 'CUSTOM_AUTHENTICATION', functionId: 'f', tokenHeader: 'X-Key' }), []);
  assert.ok(
    load({ type: 'CUSTOM_AUTHENTICATION', functionId: 'f', tokenHeader: 'X-Key', validationFailurePolicy: { type: 'OAUTH2' } }).includes(
      'deployments[0].specification.requestPolicies.authentication.validationFailurePolicy.clientDetails: is required',
    ),
  );
  assert.ok(load({ ...jwt, issuers: undefined }).includes('deployments[0].specification.requestPolicies.authentication.issuers: is required'));
  assert.ok(load({ ...jwt, publicKeys: { type: 'REMOTE_JWKS' } }).some((l) => l.endsWith('publicKeys.uri: is required')));
  assert.ok(load(jwt, { type: 'ANY_OF' }).some((l) => l.endsWith('authorization.allowedScope: is required')));
  assert.ok(load(jwt, { type: 'SOMETHING' }).some((l) => l.includes('authorization.type: must be one of')));
  assert.ok(load({ ...jwt, publicKeys: { type: 'STATIC_KEYS', keys: [{ format: 'JSON_WEB_KEY', kid: 'k', kty: 'RSA', n: 'x', e: 'AQAB', d: 'secret' }] } }).some((l) => l.endsWith('keys[0].d: unknown field')));
  assert.ok(load({ type: 'TOKEN_AUTHENTICATION', validationPolicy: { type: 'REMOTE_DISCOVERY', sourceUriDetails: { type: 'DISCOVERY_URI', uri: 'https://t/' }, clientDetails: { type: 'CUSTOM', clientId: 'x' } } }).some((l) => l.endsWith('clientDetails.clientSecretId: is required')));
  assert.ok(load({ type: 'TOKEN_AUTHENTICATION', validationPolicy: { type: 'REMOTE_DISCOVERY', sourceUriDetails: { type: 'DISCOVERY_URI', uri: 'https://t/' }, clientDetails: { type: 'VALIDATION_BLOCK' } } }).some((l) => l.endsWith('clientDetails.type: not supported yet')));
});

const AUTH_PATH = 'deployments[0].specification.requestPolicies.authentication';
const avp = { issuers: ['https://t/'], audiences: ['a'], verifyClaims: [{ key: 'tenant', values: ['acme'], isRequired: true }] };

test('regression: TOKEN_AUTHENTICATION loads with additionalValidationPolicy inside validationPolicy, for each type, in both spellings', () => {
  const remote = { type: 'REMOTE_JWKS', uri: 'https://t/jwks', additionalValidationPolicy: avp };
  const statics = { type: 'STATIC_KEYS', keys: [{ format: 'PEM', kid: 'p', key: 'x' }], additionalValidationPolicy: avp };
  const discovery = { type: 'REMOTE_DISCOVERY', sourceUriDetails: { type: 'DISCOVERY_URI', uri: 'https://t/.well-known/openid-configuration' }, additionalValidationPolicy: avp };
  for (const validationPolicy of [remote, statics, discovery]) assert.deepEqual(load({ type: 'TOKEN_AUTHENTICATION', validationPolicy }), [], validationPolicy.type);
  const kebab = {
    type: 'TOKEN_AUTHENTICATION',
    'token-header': 'Authorization',
    'token-auth-scheme': 'Bearer',
    'validation-policy': {
      type: 'REMOTE_JWKS',
      uri: 'https://t/jwks',
      'additional-validation-policy': { issuers: ['https://t/'], audiences: ['a'], 'verify-claims': [{ key: 'tenant', values: ['acme'], 'is-required': true }] },
    },
    'validation-failure-policy': null,
  };
  assert.deepEqual(loadSpecFile({ 'request-policies': { authentication: kebab }, routes: [{ path: '/x', backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200 } }] }), []);
  // additionalValidationPolicy is OCI's TOKEN_AUTHENTICATION field: JWT_AUTHENTICATION's publicKeys have no such member.
  assert.ok(load({ ...jwt, publicKeys: { ...jwt.publicKeys, additionalValidationPolicy: avp } }).some((l) => l.endsWith('publicKeys.additionalValidationPolicy: unknown field')));
});

test('regression: additionalValidationPolicy beside validationPolicy (the old, wrong place) is refused with where it belongs', () => {
  const ctx = compileContext();
  const policy = { type: 'TOKEN_AUTHENTICATION', validationPolicy: { type: 'REMOTE_JWKS', uri: server.jwksUri }, additionalValidationPolicy: avp };
  assert.deepEqual(load(policy), [], 'the schema lets it through, so compile can say where it goes');
  assert.equal(compileAuthentication(policy, AUTH_PATH, ctx), null);
  assert.deepEqual(ctx.issues, [{ path: `${AUTH_PATH}.additionalValidationPolicy`, message: 'belongs inside validationPolicy (as in OCI): move it into validationPolicy' }]);
});

test('regression: TOKEN_AUTHENTICATION without audiences (or issuers) loads, with a warning naming the path', async () => {
  const ctx = compileContext();
  const vp = `${AUTH_PATH}.validationPolicy.additionalValidationPolicy`;
  assert.ok(compileAuthentication({ type: 'TOKEN_AUTHENTICATION', validationPolicy: { type: 'REMOTE_JWKS', uri: server.jwksUri } }, AUTH_PATH, ctx));
  assert.deepEqual(ctx.issues, []);
  assert.deepEqual(ctx.warnings.map((w) => w.path), [`${vp}.issuers`, `${vp}.audiences`]);
  assert.match(ctx.warnings[0]!.message, /^no issuers: the iss claim is not checked/);
  assert.match(ctx.warnings[1]!.message, /^no audiences: the aud claim is not checked/);
  // With discovery, iss is checked against the discovered issuer: only the audiences are missing.
  const d = compileContext();
  assert.ok(compileAuthentication({ type: 'TOKEN_AUTHENTICATION', validationPolicy: { type: 'REMOTE_DISCOVERY', sourceUriDetails: { type: 'DISCOVERY_URI', uri: server.discoveryUri } } }, AUTH_PATH, d));
  assert.deepEqual(d.warnings.map((w) => w.path), [`${vp}.audiences`]);
  const full = compileContext();
  assert.ok(compileAuthentication({ type: 'TOKEN_AUTHENTICATION', validationPolicy: { type: 'REMOTE_JWKS', uri: server.jwksUri, additionalValidationPolicy: avp } }, AUTH_PATH, full));
  assert.ok(compileAuthentication(jwt, AUTH_PATH, full));
  assert.deepEqual(full.warnings, []);
  await Promise.all([ctx.registry.closeAll(), d.registry.closeAll(), full.registry.closeAll()]);
});

test('extensions: allowedAlgorithms names are checked against the supported list; maxTokenSizeInBytes has bounds', () => {
  assert.deepEqual(load({ ...jwt, allowedAlgorithms: ['RS256', 'ES256'], maxTokenSizeInBytes: 16384 }), []);
  assert.deepEqual(load({ type: 'TOKEN_AUTHENTICATION', allowedAlgorithms: ['PS256'], validationPolicy: { type: 'REMOTE_JWKS', uri: 'https://t/jwks' } }), []);
  for (const bad of ['HS256', 'none', 'rs256']) {
    const lines = load({ ...jwt, allowedAlgorithms: ['RS256', bad] });
    assert.ok(lines.some((l) => l.startsWith(`${AUTH_PATH}.allowedAlgorithms[1]: must be one of "RS256"`)), lines.join('\n'));
  }
  assert.ok(load({ ...jwt, allowedAlgorithms: [] }).some((l) => l.startsWith(`${AUTH_PATH}.allowedAlgorithms:`)));
  assert.ok(load({ ...jwt, maxTokenSizeInBytes: 10 }).some((l) => l.startsWith(`${AUTH_PATH}.maxTokenSizeInBytes:`)));
  assert.ok(load({ ...jwt, maxTokenSizeInBytes: 8192.5 }).some((l) => l.startsWith(`${AUTH_PATH}.maxTokenSizeInBytes:`)));
});

test('regression: the default token size limit admits any token that fits in the largest request head the server accepts', () => {
  const server = (configSchema as unknown as { properties: { server: { properties: { maxHeaderBytes: { maximum: number } } } } }).properties.server;
  assert.ok(DEFAULT_MAX_TOKEN_CHARS >= server.properties.maxHeaderBytes.maximum);
  assert.ok(DEFAULT_MAX_TOKEN_CHARS >= DEFAULTS.server.maxHeaderBytes);
});

test('compile: a tokenHeader that is not an HTTP field name is refused with its path', async () => {
  const ctx = compileContext();
  assert.equal(compileAuthentication({ ...jwt, tokenHeader: 'X Token' }, AUTH_PATH, ctx), null);
  assert.deepEqual(ctx.issues, [{ path: `${AUTH_PATH}.tokenHeader`, message: 'is not a valid header name' }]);
  assert.ok(compileAuthentication({ ...jwt, tokenHeader: 'X-Token' }, AUTH_PATH, ctx));
  await ctx.registry.closeAll();
});

test('compile: semantic problems are reported with their path', () => {
  const ctx = compileContext();
  const path = 'deployments[0].specification.requestPolicies.authentication';
  assert.equal(compileAuthentication({ ...jwt, publicKeys: { type: 'REMOTE_JWKS', uri: 'http://idp.example.com/jwks' } }, path, ctx), null);
  const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });
  assert.equal(compileAuthentication({ ...jwt, publicKeys: { type: 'STATIC_KEYS', keys: [{ format: 'JSON_WEB_KEY', kid: 'k', ...small }, { format: 'JSON_WEB_KEY', kid: 'e', use: 'enc', ...small }] } }, path, ctx), null);
  assert.deepEqual(ctx.issues.map((i) => i.path), [`${path}.publicKeys.uri`, `${path}.publicKeys.keys[0]`, `${path}.publicKeys.keys[1]`]);
  assert.match(ctx.issues[0]!.message, /https/);
  assert.match(ctx.issues[1]!.message, /1024 bits is too small/);
  assert.match(ctx.issues[2]!.message, /use "enc"/);
});

test('compile: http JWKS is fine on loopback or with isSslVerifyDisabled', async () => {
  const ctx = compileContext();
  assert.ok(compileAuthentication({ ...jwt, publicKeys: { type: 'REMOTE_JWKS', uri: server.jwksUri } }, 'p', ctx));
  assert.ok(compileAuthentication({ ...jwt, publicKeys: { type: 'REMOTE_JWKS', uri: 'http://idp.invalid/jwks', isSslVerifyDisabled: true } }, 'p', ctx));
  assert.deepEqual(ctx.issues, []);
  await ctx.registry.closeAll();
});

test('compile: ANONYMOUS needs isAnonymousAccessAllowed; ANY_OF needs authentication', async () => {
  const ctx = compileContext();
  const auth = compileAuthentication({ ...jwt, publicKeys: { type: 'REMOTE_JWKS', uri: server.jwksUri } }, 'p', ctx)!;
  compileAuthorization({ type: 'ANONYMOUS' }, 'routes[0].requestPolicies.authorization', ctx, auth);
  compileAuthorization({ type: 'ANY_OF', allowedScope: ['x'] }, 'routes[1].requestPolicies.authorization', ctx, null);
  assert.equal(compileAuthorization({ type: 'ANONYMOUS' }, 'routes[2]', ctx, null), null);
  assert.equal(compileAuthorization(undefined, 'routes[3]', ctx, null), null);
  assert.deepEqual(ctx.issues.map((i) => i.path), ['routes[0].requestPolicies.authorization.type', 'routes[1].requestPolicies.authorization']);
  await ctx.registry.closeAll();
});

test('one JWKS store per URI and settings, shared by deployments and kept across a reload', async () => {
  const ctx = compileContext();
  const cfg = { ...jwt, publicKeys: { type: 'REMOTE_JWKS', uri: server.jwksUri } };
  const a = compileAuthentication(cfg, 'deployments[0].x', ctx, 'a')!;
  const b = compileAuthentication(cfg, 'deployments[1].x', ctx, 'b')!;
  await Promise.all([a.ready(), b.ready()]);
  const fetches = server.fetches;
  await ctx.registry.commit();
  // Reload: same settings → same store, no new fetch.
  const c = compileAuthentication(cfg, 'deployments[0].x', ctx, 'a')!;
  await c.ready();
  await ctx.registry.commit();
  assert.equal(server.fetches, fetches);
  const state = authAdminState(ctx) as { jwks: { source: string; keys: unknown[] }[] };
  assert.equal(state.jwks.length, 1);
  assert.equal(state.jwks[0]!.source, server.jwksUri);
  assert.equal(state.jwks[0]!.keys.length, 1);
  // Different maxCacheDurationInHours → a store of its own.
  compileAuthentication({ ...jwt, publicKeys: { type: 'REMOTE_JWKS', uri: server.jwksUri, maxCacheDurationInHours: 2 } }, 'deployments[2].x', ctx, 'c');
  assert.equal((authAdminState(ctx) as { jwks: unknown[] }).jwks.length, 2);
  await ctx.registry.closeAll();
});

test('a hot reload with an unchanged policy keeps the decision cache warm', async () => {
  const { signToken } = await import('../helpers/jwks_server.ts');
  const { bearer } = await import('./helpers.ts');
  const ctx = compileContext();
  const cfg = { ...jwt, issuers: [server.issuer], publicKeys: { type: 'REMOTE_JWKS', uri: server.jwksUri } };
  const first = compileAuthentication(cfg, 'deployments[0].x', ctx, 'reload')!;
  await first.ready();
  const token = await signToken(server.keys[0]!, { iss: server.issuer, aud: 'a', exp: Math.floor(Date.now() / 1000) + 60 });
  assert.equal((await first.authenticate(bearer(token))).status, 0);
  await ctx.registry.commit();
  const second = compileAuthentication(cfg, 'deployments[0].x', ctx, 'reload')!;
  await ctx.registry.commit();
  const v = second.authenticate(bearer(token));
  assert.ok(!(v instanceof Promise) && v.status === 0, 'served from the cache kept across the reload');
  const changed = compileAuthentication({ ...cfg, audiences: ['b'] }, 'deployments[0].x', ctx, 'reload')!;
  assert.equal((await changed.authenticate(bearer(token))).reason, 'audience_invalid', 'a changed policy starts a fresh cache');
  await ctx.registry.closeAll();
});

test('validationFailurePolicy MODIFY_RESPONSE loads on TOKEN and CUSTOM authentication; problems are reported at their paths; OAUTH2 is checked by its own schema', () => {
  const token = { type: 'TOKEN_AUTHENTICATION', validationPolicy: { type: 'REMOTE_JWKS', uri: server.jwksUri, additionalValidationPolicy: { issuers: ['https://t/'], audiences: ['a'] } } };
  assert.deepEqual(load({ ...token, validationFailurePolicy: { type: 'MODIFY_RESPONSE', responseCode: '403', responseMessage: 'no' } }), []);
  assert.deepEqual(load({ type: 'CUSTOM_AUTHENTICATION', functionId: 'f', tokenHeader: 'X-Key', validationFailurePolicy: { type: 'MODIFY_RESPONSE', responseCode: '401' } }), []);
  assert.ok(load({ ...token, validationFailurePolicy: { type: 'OAUTH2' } }).some((l) => l.endsWith('validationFailurePolicy.scopes: is required')));

  const at = `${AUTH_PATH}.validationFailurePolicy`;
  const compile = (failure: unknown) => {
    const ctx = compileContext();
    const policy = compileAuthentication({ ...token, validationFailurePolicy: failure }, AUTH_PATH, ctx);
    return { policy, issues: ctx.issues.map((i) => `${i.path}: ${i.message}`) };
  };
  const ok = compile({ type: 'MODIFY_RESPONSE', responseCode: '${request.headers[x-code]}', responseMessage: 'no' });
  assert.deepEqual(ok.issues, []);
  assert.ok(ok.policy?.failureResponse, 'the compiled policy carries its failure response');
  assert.equal(compile(undefined).policy?.failureResponse, undefined);
  const bad = compile({ type: 'MODIFY_RESPONSE', responseCode: '42', responseHeaderTransformations: { setHeaders: { items: [{ name: 'content-length', values: ['1'] }] } } });
  assert.equal(bad.policy, null);
  assert.ok(bad.issues.includes(`${at}.responseCode: must be an HTTP status code from 200 to 599`), bad.issues.join('\n'));
  assert.ok(bad.issues.some((l) => l.startsWith(`${at}.responseHeaderTransformations.setHeaders.items[0].name:`)), bad.issues.join('\n'));
  assert.ok(compile({ type: 'MODIFY_RESPONSE', responseCode: '${request.nope[x]}' }).issues.some((l) => l.startsWith(`${at}.responseCode:`)));
});
