/**
 * The two issue-14 extensions on a compiled JWT policy: RFC 9068 mode (isAccessTokenTypeRequired)
 * and the revocation list, including decisions already in the decision cache.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { compileAuthentication } from '../../src/auth/compile.ts';
import { Authenticator } from '../../src/auth/authenticator.ts';
import { isAccessTokenType } from '../../src/auth/jws.ts';
import { ALL_REASONS } from '../../src/auth/verdicts.ts';
import { revocationList } from '../../src/auth/revocation_compile.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import { JwksServer, makeKey, signToken, type TestKey } from '../helpers/jwks_server.ts';
import { bearer, compileContext } from './helpers.ts';

let server: JwksServer;
let key: TestKey;
const ctx = compileContext();
const T0 = Date.UTC(2026, 0, 1);
const nowSec = Math.floor(T0 / 1000);

before(async () => {
  server = await JwksServer.start();
  key = await makeKey('ES256', 'kid-es');
  server.keys = [key];
});
after(async () => {
  await ctx.registry.closeAll();
  await server.stop();
});

let n = 0;
async function policy(extra: Record<string, unknown> = {}) {
  const clock = new ManualClock(T0);
  const p = compileAuthentication(
    { type: 'JWT_AUTHENTICATION', issuers: [server.issuer], audiences: ['https://api'], publicKeys: { type: 'REMOTE_JWKS', uri: server.jwksUri }, ...extra },
    `deployments[${n}].specification.requestPolicies.authentication`,
    ctx,
    `ext-${n}`,
    { clock, jwksCooldownMs: 40_000 + n++ },
  ) as Authenticator;
  assert.ok(p instanceof Authenticator, JSON.stringify(ctx.issues));
  assert.equal(await p.ready(), true);
  return p;
}
const claims = (over: Record<string, unknown> = {}) => ({ iss: server.issuer, aud: 'https://api', exp: nowSec + 600, iat: nowSec, sub: 'c@clients', ...over });
const run = async (p: Authenticator, token: string) => (await p.authenticate(bearer(token))).reason;

test('isAccessTokenType: at+jwt and application/at+jwt in any case; nothing else', () => {
  for (const ok of ['at+jwt', 'AT+JWT', 'application/at+jwt', 'Application/At+JWT']) assert.equal(isAccessTokenType(ok), true, ok);
  for (const no of ['JWT', 'jwt', 'at+jwt ', 'application/jwt', 'at%2Bjwt', 'application/at+jwt;x', '', undefined, null, 7, ['at+jwt']]) assert.equal(isAccessTokenType(no), false, String(no));
});

test('isAccessTokenTypeRequired: only typ at+jwt passes (token_type_invalid otherwise); off, any typ passes', async () => {
  const strict = await policy({ isAccessTokenTypeRequired: true });
  const lenient = await policy();
  const at = await signToken(key, claims(), { typ: 'at+jwt' });
  const media = await signToken(key, claims(), { typ: 'application/AT+JWT' });
  const jwt = await signToken(key, claims());
  const none = await signToken(key, claims(), { typ: undefined });
  const idToken = await signToken(key, claims(), { typ: 'JWT', kid: key.kid });
  assert.equal(await run(strict, at), 'ok');
  assert.equal(await run(strict, media), 'ok');
  assert.equal(await run(strict, jwt), 'token_type_invalid');
  assert.equal(await run(strict, none), 'token_type_invalid');
  assert.equal(await run(strict, idToken), 'token_type_invalid');
  for (const t of [at, media, jwt, none]) assert.equal(await run(lenient, t), 'ok');
  const v = await strict.authenticate(bearer(jwt));
  assert.equal(v.status, 401);
  assert.equal(v.challenge, 'Bearer error="invalid_token"');
});

test('isAccessTokenTypeRequired does not apply to introspection: refused at load with its path', () => {
  const c = compileContext();
  const p = compileAuthentication(
    {
      type: 'TOKEN_AUTHENTICATION',
      isAccessTokenTypeRequired: true,
      validationPolicy: { type: 'REMOTE_DISCOVERY', sourceUriDetails: { type: 'DISCOVERY_URI', uri: 'https://idp.example/.well-known/openid-configuration' }, clientDetails: { type: 'CUSTOM', clientId: 'gw', clientSecretId: 'ocid1.vaultsecret.x' } },
    },
    'deployments[0].specification.requestPolicies.authentication',
    c,
    'x',
    { secrets: { 'ocid1.vaultsecret.x': 's' } },
  );
  assert.equal(p, null);
  assert.ok(c.issues.some((i) => i.path === 'deployments[0].specification.requestPolicies.authentication.isAccessTokenTypeRequired' && /does not apply with clientDetails/.test(i.message)), JSON.stringify(c.issues));
});

test('regression: isAccessTokenTypeRequired with clientDetails is refused even when audiences are set (the check hung off the no-audiences warning)', () => {
  const c = compileContext();
  const p = compileAuthentication(
    {
      type: 'TOKEN_AUTHENTICATION',
      isAccessTokenTypeRequired: true,
      validationPolicy: {
        type: 'REMOTE_DISCOVERY',
        sourceUriDetails: { type: 'DISCOVERY_URI', uri: 'https://idp.example/.well-known/openid-configuration' },
        clientDetails: { type: 'CUSTOM', clientId: 'gw', clientSecretId: 'ocid1.vaultsecret.x' },
        additionalValidationPolicy: { audiences: ['https://api'] },
      },
    },
    'deployments[0].specification.requestPolicies.authentication',
    c,
    'x',
    { secrets: { 'ocid1.vaultsecret.x': 's' } },
  );
  assert.equal(p, null, 'an introspection policy that says RFC 9068 mode would silently check no typ');
  assert.ok(c.issues.some((i) => i.path === 'deployments[0].specification.requestPolicies.authentication.isAccessTokenTypeRequired'), JSON.stringify(c.issues));
});

test('regression: isAccessTokenTypeRequired on a key-based policy without audiences loads and is enforced (it was refused as if it had clientDetails)', async () => {
  const c = compileContext();
  const p = compileAuthentication(
    { type: 'JWT_AUTHENTICATION', issuers: [server.issuer], isAccessTokenTypeRequired: true, publicKeys: { type: 'REMOTE_JWKS', uri: server.jwksUri } },
    'deployments[0].specification.requestPolicies.authentication',
    c,
    'no-aud',
    { clock: new ManualClock(T0) },
  );
  try {
    assert.deepEqual(c.issues, []);
    assert.ok(p instanceof Authenticator);
    assert.equal(await p.ready(), true);
    assert.equal(await run(p, await signToken(key, claims(), { typ: 'at+jwt' })), 'ok');
    assert.equal(await run(p, await signToken(key, claims())), 'token_type_invalid');
  } finally {
    await c.registry.closeAll();
  }
});

test('a revoked jti is refused with token_revoked, even when its decision is cached; taken back, it passes again', async () => {
  const p = await policy();
  const list = revocationList(ctx);
  const token = await signToken(key, claims({ jti: 'jti-1' }));
  const other = await signToken(key, claims({ jti: 'jti-2' }));
  const noJti = await signToken(key, claims());
  assert.equal(await run(p, token), 'ok');
  assert.equal(p.cacheSize, 1);
  await list.revoke('jti-1', nowSec + 600);
  const hit = p.authenticate(bearer(token));
  assert.ok(!(hit instanceof Promise), 'still answered synchronously');
  assert.equal(hit.reason, 'token_revoked');
  assert.equal(hit.status, 401);
  assert.equal(hit.challenge, 'Bearer error="invalid_token"');
  assert.equal(await run(p, other), 'ok', 'another jti passes');
  assert.equal(await run(p, noJti), 'ok', 'a token without jti cannot be revoked');
  // A fresh verification (not cached) is refused too, and not cached.
  const again = await signToken(key, claims({ jti: 'jti-1', iat: nowSec + 1 }));
  const size = p.cacheSize;
  assert.equal(await run(p, again), 'token_revoked');
  assert.equal(p.cacheSize, size, 'a revoked token is not cached');
  await list.unrevoke('jti-1');
  assert.equal(await run(p, token), 'ok');
  assert.equal(await run(p, again), 'ok');
  // A forged token naming a revoked jti is a bad signature, not a revocation.
  await list.revoke('jti-2', nowSec + 600);
  const [h, pl] = other.split('.');
  const forged = `${h}.${pl}.${Buffer.alloc(64).toString('base64url')}`;
  assert.equal(await run(p, forged), 'signature_invalid');
  await list.unrevoke('jti-2');
  assert.equal(p.stats.counts[ALL_REASONS.indexOf('token_revoked')], 2, 'counted by reason (metrics, /admin/auth)');
});
