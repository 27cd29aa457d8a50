import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { loadConfigText } from '../../src/config/load.ts';
import { ConfigError } from '../../src/errors.ts';
import { authAdminState, compileAuthentication, compileAuthorization } from '../../src/auth/compile.ts';
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

const jwt = { type: 'JWT_AUTHENTICATION', issuers: ['https://t/'], audiences: ['a'], publicKeys: { type: 'REMOTE_JWKS', uri: 'https://t/.well-known/jwks.json', maxCacheDurationInHours: 1 } };

test('schema: OCI shapes load, camelCase and the oci CLI kebab-case alike', () => {
  assert.deepEqual(load({ ...jwt, tokenHeader: 'Authorization', tokenAuthScheme: 'Bearer', isAnonymousAccessAllowed: false, maxClockSkewInSeconds: 60, verifyClaims: [{ key: 'gty', values: ['client-credentials'], isRequired: true }] }, { type: 'ANY_OF', allowedScope: ['read:hello'] }), []);
  assert.deepEqual(load({ type: 'JWT_AUTHENTICATION', 'token-header': 'Authorization', 'token-auth-scheme': 'Bearer', issuers: ['i'], audiences: ['a'], 'public-keys': { type: 'REMOTE_JWKS', uri: 'https://t/jwks', 'max-cache-duration-in-hours': 2, 'is-ssl-verify-disabled': false } }, { type: 'AUTHENTICATION_ONLY' }), []);
  assert.deepEqual(load({ type: 'TOKEN_AUTHENTICATION', tokenQueryParam: 'access_token', validationPolicy: { type: 'REMOTE_DISCOVERY', sourceUriDetails: { type: 'DISCOVERY_URI', uri: 'https://t/.well-known/openid-configuration' }, clientDetails: null }, additionalValidationPolicy: { audiences: ['a'] } }), []);
  assert.deepEqual(load({ type: 'TOKEN_AUTHENTICATION', validationPolicy: { type: 'STATIC_KEYS', keys: [{ format: 'PEM', kid: 'p', key: '-----BEGIN PUBLIC KEY-----' }] } }), [], 'PEM content is checked at compile, not by the schema');
});

test('schema: unsupported and invalid shapes are refused with their path', () => {
  assert.deepEqual(load({ type: 'CUSTOM_AUTHENTICATION', functionId: 'f' }), ['deployments[0].specification.requestPolicies.authentication.type: not supported yet']);
  assert.ok(load({ ...jwt, issuers: undefined }).includes('deployments[0].specification.requestPolicies.authentication.issuers: is required'));
  assert.ok(load({ ...jwt, publicKeys: { type: 'REMOTE_JWKS' } }).some((l) => l.endsWith('publicKeys.uri: is required')));
  assert.ok(load(jwt, { type: 'ANY_OF' }).some((l) => l.endsWith('authorization.allowedScope: is required')));
  assert.ok(load(jwt, { type: 'SOMETHING' }).some((l) => l.includes('authorization.type: must be one of')));
  assert.ok(load({ ...jwt, publicKeys: { type: 'STATIC_KEYS', keys: [{ format: 'JSON_WEB_KEY', kid: 'k', kty: 'RSA', n: 'x', e: 'AQAB', d: 'secret' }] } }).some((l) => l.endsWith('keys[0].d: unknown field')));
  assert.ok(load({ type: 'TOKEN_AUTHENTICATION', validationPolicy: { type: 'REMOTE_DISCOVERY', sourceUriDetails: { type: 'DISCOVERY_URI', uri: 'https://t/' }, clientDetails: { type: 'CUSTOM', clientId: 'x' } } }).some((l) => l.endsWith('clientDetails: not supported yet')));
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
