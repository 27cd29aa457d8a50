import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { IdpState } from '../../src/idp/idp_state.ts';
import { createKeyEnvelope } from '../../src/idp/key_envelope.ts';
import { ops } from '../../src/idp/operations.ts';
import { seedFromConfig } from '../../src/idp/seed.ts';
import { createIdpServer } from '../../src/idp/server.ts';
import { IdpStore, openDriver } from '../../src/idp/store/store.ts';
import { createLogger } from '../../src/lib/log.ts';

// The provider's clock, moved by the tests (expiry is judged at the provider's time).
let nowMs = Date.parse('2026-01-01T00:00:00Z');
let dir = '';
let state: IdpState;
let server: Server;
let base = '';

const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

async function post(path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

async function tokenFor(audience: string, clientId = 'api-client', secret = 'api-secret'): Promise<string> {
  const r = await post('/oauth/token', { grant_type: 'client_credentials', client_id: clientId, client_secret: secret, audience });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return String(r.body['access_token']);
}

const introspect = (token: string, auth = basic('resource', 'resource-secret')) => post('/oauth/introspect', { token }, { authorization: auth });

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'idp-introspect-'));
  state = new IdpState(new IdpStore(openDriver('.gatehouse/idp.sqlite', dir), createKeyEnvelope(undefined)), 'http://127.0.0.1:1/', {
    now: () => new Date(nowMs),
  });
  await state.store.migrate();
  await state.refresh(true);
  server = createIdpServer(state, { log: createLogger({ level: 'silent' }), defaultAudience: undefined });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await state.setIssuer(`${base}/`);
  await seedFromConfig(
    state,
    {
      apis: [
        { identifier: 'https://orders', scopes: ['read:orders', 'write:orders'], tokenLifetime: 600 },
        { identifier: 'https://hs', signingAlg: 'HS256', signingSecret: 'h'.repeat(40) },
        { identifier: 'https://rfc9068', tokenDialect: 'rfc9068' },
        { identifier: 'https://opaque', tokenDialect: 'opaque', scopes: ['read:opaque'], tokenLifetime: 300 },
      ],
      applications: [
        {
          name: 'API client',
          clientId: 'api-client',
          clientSecret: 'api-secret',
          grants: [
            { audience: 'https://orders', scopes: ['read:orders'] },
            { audience: 'https://hs' },
            { audience: 'https://rfc9068' },
            { audience: 'https://opaque', scopes: ['read:opaque'] },
          ],
        },
        { name: 'Resource server', clientId: 'resource', clientSecret: 'resource-secret' },
      ],
    },
    dir,
  );
});

after(async () => {
  await new Promise<void>((ok) => server.close(() => ok()));
  await state.close();
  rmSync(dir, { recursive: true, force: true });
});

test('discovery advertises the introspection endpoint and its client authentication methods', async () => {
  const doc = (await (await fetch(`${base}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
  assert.equal(doc['introspection_endpoint'], `${base}/oauth/introspect`);
  assert.deepEqual(doc['introspection_endpoint_auth_methods_supported'], ['client_secret_basic', 'client_secret_post']);
});

test('an issued, unexpired token is active with its claims (client_secret_basic)', async () => {
  const token = await tokenFor('https://orders');
  const r = await introspect(token);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  const iat = Math.floor(nowMs / 1000);
  assert.deepEqual(r.body, {
    active: true,
    scope: 'read:orders',
    client_id: 'api-client',
    exp: iat + 600,
    iat,
    sub: 'api-client@clients',
    aud: 'https://orders',
    iss: `${base}/`,
    token_type: 'Bearer',
  });
});

test('client_secret_post works too; HS256 and RFC 9068 tokens are active', async () => {
  for (const audience of ['https://hs', 'https://rfc9068']) {
    const token = await tokenFor(audience);
    const r = await post('/oauth/introspect', { token, client_id: 'resource', client_secret: 'resource-secret' });
    assert.equal(r.status, 200);
    assert.equal(r.body['active'], true, audience);
    assert.equal(r.body['client_id'], 'api-client');
    assert.equal(r.body['aud'], audience);
  }
});

test('an expired token is inactive, at the provider clock', async () => {
  const token = await tokenFor('https://orders');
  nowMs += 599_000;
  try {
    assert.equal((await introspect(token)).body['active'], true);
    nowMs += 1_000; // exp reached
    assert.deepEqual((await introspect(token)).body, { active: false });
  } finally {
    nowMs -= 600_000;
  }
});

test('foreign, tampered and opaque tokens are inactive', async () => {
  const foreignKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const kid = state.snapshot.signers.get('RS256')!.kid;
  const iat = Math.floor(nowMs / 1000);
  const foreign = await new SignJWT({ iss: `${base}/`, aud: 'https://orders', sub: 'x@clients', iat, exp: iat + 60, scope: 'write:orders' })
    .setProtectedHeader({ alg: 'RS256', kid })
    .sign(foreignKey);
  assert.deepEqual((await introspect(foreign)).body, { active: false });
  const real = await tokenFor('https://orders');
  const [h, , s] = real.split('.');
  const forged = `${h}.${Buffer.from(JSON.stringify({ iss: `${base}/`, aud: 'https://orders', sub: 'x', iat, exp: iat + 60, scope: 'write:orders' })).toString('base64url')}.${s}`;
  assert.deepEqual((await introspect(forged)).body, { active: false });
  assert.deepEqual((await introspect('opaque-and-unknown')).body, { active: false });
  // A header rewritten to alg none never verifies.
  assert.deepEqual((await introspect(real.replace(/^[^.]+/, Buffer.from('{"alg":"none"}').toString('base64url')))).body, { active: false });
});

test('a token whose signing key was revoked is inactive', async () => {
  const token = await tokenFor('https://orders');
  assert.equal((await introspect(token)).body['active'], true);
  const kid = state.snapshot.signers.get('RS256')!.kid;
  await ops.rotateKeys(state, 'RS256');
  assert.equal((await introspect(token)).body['active'], true, 'a previous key still verifies');
  await ops.revokeKey(state, kid);
  assert.deepEqual((await introspect(token)).body, { active: false });
});

test('bad client authentication is 401 invalid_client; a missing token is 400 invalid_request', async () => {
  const token = await tokenFor('https://orders');
  const wrong = await introspect(token, basic('resource', 'nope'));
  assert.equal(wrong.status, 401);
  assert.deepEqual(wrong.body, { error: 'invalid_client', error_description: 'Client authentication failed' });
  assert.match(wrong.headers.get('www-authenticate') ?? '', /^Basic /);
  assert.equal((await introspect(token, basic('nobody', 'x'))).status, 401);
  const none = await post('/oauth/introspect', { token });
  assert.equal(none.status, 401);
  assert.equal(none.body['error'], 'invalid_client');
  const missing = await post('/oauth/introspect', {}, { authorization: basic('resource', 'resource-secret') });
  assert.equal(missing.status, 400);
  assert.deepEqual(missing.body, { error: 'invalid_request', error_description: 'Missing required parameter: token' });
  const both = await post('/oauth/introspect', { token, client_secret: 'resource-secret' }, { authorization: basic('resource', 'resource-secret') });
  assert.equal(both.status, 400);
  assert.equal(both.body['error'], 'invalid_request');
  const json = await fetch(`${base}/oauth/introspect`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basic('resource', 'resource-secret') }, body: JSON.stringify({ token }) });
  assert.equal(json.status, 400);
  const get = await fetch(`${base}/oauth/introspect`);
  assert.equal(get.status, 405);
  assert.equal(get.headers.get('allow'), 'POST');
});

test('an opaque token (tokenDialect opaque) is unreadable without the provider and active through introspection', async () => {
  const token = await tokenFor('https://opaque');
  assert.equal(token.split('.').length, 2, 'not a JWT: a kid and a sealed body');
  assert.ok(!Buffer.from(token.split('.')[1]!, 'base64url').toString('latin1').includes('read:opaque'), 'the claims are not readable');
  const iat = Math.floor(nowMs / 1000);
  const r = await introspect(token);
  assert.equal(r.status, 200);
  assert.deepEqual({ ...r.body, jti: typeof r.body['jti'] }, {
    active: true,
    scope: 'read:opaque',
    client_id: 'api-client',
    exp: iat + 300,
    iat,
    sub: 'api-client@clients',
    aud: 'https://opaque',
    iss: `${base}/`,
    jti: 'string',
    token_type: 'Bearer',
  });
  // Each token is sealed with a fresh IV and jti: two tokens never match.
  assert.notEqual(await tokenFor('https://opaque'), token);
});

test('opaque tokens: tampered, truncated, expired or sealed by a revoked key are inactive', async () => {
  const token = await tokenFor('https://opaque');
  const [kid, body] = token.split('.') as [string, string];
  const bytes = Buffer.from(body, 'base64url');
  bytes[20] = bytes[20]! ^ 1;
  assert.deepEqual((await introspect(`${kid}.${bytes.toString('base64url')}`)).body, { active: false });
  assert.deepEqual((await introspect(`${kid}.${body.slice(0, 30)}`)).body, { active: false });
  assert.deepEqual((await introspect(`other-kid.${body}`)).body, { active: false });
  assert.deepEqual((await introspect(`${kid}.${body}.x`)).body, { active: false });
  nowMs += 300_000; // exp reached
  try {
    assert.deepEqual((await introspect(token)).body, { active: false });
  } finally {
    nowMs -= 300_000;
  }
  assert.equal((await introspect(token)).body['active'], true);
  await ops.rotateKeys(state, 'RS256');
  assert.equal((await introspect(token)).body['active'], true, 'a previous key still opens its tokens');
  await ops.revokeKey(state, kid);
  assert.deepEqual((await introspect(token)).body, { active: false });
});

test('an opaque dialect on an HS256 API is refused with the reason', async () => {
  await assert.rejects(
    ops.createApi(state, { identifier: 'https://opaque-hs', signingAlg: 'HS256', tokenDialect: 'opaque' }, { withTestApplication: false }),
    /token_dialect opaque needs an asymmetric signing_alg/,
  );
});
