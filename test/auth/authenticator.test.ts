import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { KeyObject, createHmac, createPublicKey, randomUUID, sign } from 'node:crypto';
import { compileAuthentication, compileAuthorization, type AuthCompileOptions } from '../../src/auth/compile.ts';
import { Authenticator } from '../../src/auth/authenticator.ts';
import type { RemoteJwksStore } from '../../src/auth/jwks/remote_jwks.ts';
import type { AuthVerdict } from '../../src/auth/types.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import { JwksServer, makeKey, signToken, type TestKey } from '../helpers/jwks_server.ts';
import { MAX_KIDLESS_CANDIDATES } from '../../src/auth/jwks/key_set.ts';
import { startDiscoveryServer } from '../helpers/discovery_server.ts';
import { bearer, compileContext, request } from './helpers.ts';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
let server: JwksServer;
const keys: Record<string, TestKey> = {};
const ctx = compileContext();
const T0 = Date.UTC(2026, 0, 1);

before(async () => {
  server = await JwksServer.start();
  for (const alg of ['RS256', 'PS256', 'ES256', 'EdDSA', 'RS384', 'ES384', 'PS512']) keys[alg] = await makeKey(alg, `kid-${alg}`);
  server.keys = Object.values(keys);
});
after(async () => {
  await ctx.registry.closeAll();
  await server.stop();
});

let n = 0;
async function policy(extra: Record<string, unknown> = {}, opts: AuthCompileOptions = {}) {
  const clock = new ManualClock(T0);
  // A distinct cooldown per policy gives each its own JWKS store (the registry key includes settings).
  const p = compileAuthentication(
    { type: 'JWT_AUTHENTICATION', issuers: [server.issuer], audiences: ['https://api'], publicKeys: { type: 'REMOTE_JWKS', uri: server.jwksUri }, ...extra },
    `deployments[${n}].specification.requestPolicies.authentication`,
    ctx,
    `test-${n}`,
    { clock, jwksCooldownMs: 30_000 + n++, ...opts },
  ) as Authenticator;
  assert.ok(p instanceof Authenticator, JSON.stringify(ctx.issues));
  assert.equal(await p.ready(), true);
  return { p, clock, store: p.store as RemoteJwksStore };
}

const nowSec = () => Math.floor(T0 / 1000);
const claims = (over: Record<string, unknown> = {}) => ({ iss: server.issuer, aud: 'https://api', exp: nowSec() + 600, iat: nowSec(), sub: 'c@clients', scope: 'read:hello', ...over });
/** RS256 over any header, bypassing jose's own checks (it refuses to sign unknown crit). */
function rawRs256(key: TestKey, header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${sign('sha256', Buffer.from(input), KeyObject.from(key.privateKey as never)).toString('base64url')}`;
}
const run = async (p: Authenticator, token: string): Promise<AuthVerdict> => p.authenticate(bearer(token));

test('valid tokens of RS256, PS256, ES256, EdDSA, RS384, ES384 and PS512 are accepted', async () => {
  const { p } = await policy();
  for (const [alg, key] of Object.entries(keys)) {
    const v = await run(p, await signToken(key, claims()));
    assert.equal(v.status, 0, alg);
    assert.equal(v.reason, 'ok');
    assert.equal(v.auth!.subject, 'c@clients');
    assert.ok(v.auth!.scopes.has('read:hello'));
    assert.equal(v.auth!.claims['iss'], server.issuer);
  }
});

test('a second request with the same token is a synchronous cache hit: no signature check', async () => {
  const { p } = await policy();
  const token = await signToken(keys['RS256']!, claims());
  const first = await run(p, token);
  const misses = p.stats.cacheMisses;
  const hits = p.stats.cacheHits;
  const second = p.authenticate(bearer(token));
  assert.ok(!(second instanceof Promise));
  assert.equal(second, first, 'the very same verdict object');
  assert.equal(p.stats.cacheMisses, misses);
  assert.equal(p.stats.cacheHits, hits + 1);
});

test('attacks and bad tokens are refused with their precise reason and a generic challenge', async () => {
  const { p } = await policy({ maxTokenSizeInBytes: 8192 });
  const rsa = keys['RS256']!;
  const good = await signToken(rsa, claims());
  const [h, pl, sig] = good.split('.') as [string, string, string];
  // HS256 signed with the RSA public key as the HMAC secret (the classic alg confusion).
  const pem = createPublicKey({ key: rsa.publicJwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string;
  const hsInput = `${b64({ alg: 'HS256', kid: rsa.kid })}.${pl}`;
  const hs = `${hsInput}.${createHmac('sha256', pem).update(hsInput).digest('base64url')}`;
  const cases: [string, string][] = [
    [`${b64({ alg: 'none', kid: rsa.kid })}.${pl}.`, 'token_malformed'],
    [`${b64({ alg: 'none', kid: rsa.kid })}.${pl}.${sig}`, 'alg_not_allowed'],
    [hs, 'alg_not_allowed'],
    [await signToken(keys['PS256']!, claims(), { alg: 'PS256', kid: rsa.kid }), 'alg_not_allowed'],
    [await signToken(await makeKey('RS256', 'forger'), claims(), { kid: rsa.kid }), 'signature_invalid'],
    [await signToken(keys['RS256']!, claims(), { kid: keys['PS256']!.kid }), 'alg_not_allowed'],
    [await signToken(keys['ES256']!, claims(), { kid: keys['ES384']!.kid }), 'alg_not_allowed'],
    [await signToken(rsa, claims(), { jku: `${server.url}/evil` }), 'header_forbidden'],
    [await signToken(rsa, claims(), { x5u: `${server.url}/evil` }), 'header_forbidden'],
    [await signToken(rsa, claims(), { jwk: rsa.publicJwk }), 'header_forbidden'],
    [rawRs256(rsa, { alg: 'RS256', kid: rsa.kid, crit: ['foo'], foo: 1 }, claims()), 'crit_unsupported'],
    [rawRs256(rsa, { alg: 'RS256', kid: rsa.kid }, claims()), 'ok'],
    [`${h}.${b64({ ...claims(), scope: 'admin' })}.${sig}`, 'signature_invalid'],
    [`${h}.${pl}.${Buffer.from('x'.repeat(256)).toString('base64url')}`, 'signature_invalid'],
    [`${h}.${pl}.${sig.slice(0, -4)}`, 'signature_invalid'],
    [await signToken(rsa, claims({ exp: nowSec() - 1 })), 'expired'],
    [await signToken(rsa, claims({ exp: undefined })), 'exp_missing'],
    [await signToken(rsa, claims({ nbf: nowSec() + 60 })), 'not_yet_valid'],
    [await signToken(rsa, claims({ iss: server.issuer.slice(0, -1) })), 'issuer_invalid'],
    [await signToken(rsa, claims({ aud: 'https://other' })), 'audience_invalid'],
    [await signToken(rsa, claims({ pad: 'x'.repeat(9000) })), 'token_too_large'],
    ['junk', 'token_malformed'],
  ];
  for (const [token, reason] of cases) {
    const v = await run(p, token);
    assert.equal(v.reason, reason, `expected ${reason}`);
    if (reason === 'ok') continue;
    assert.equal(v.status, 401);
    assert.equal(v.challenge, 'Bearer error="invalid_token"');
    assert.equal(v.auth, null);
  }
  const missing = p.authenticate(request([]));
  assert.deepEqual([(missing as AuthVerdict).status, (missing as AuthVerdict).reason, (missing as AuthVerdict).challenge], [401, 'token_missing', 'Bearer']);
});

test('clock skew widens exp and nbf; verifyClaims are enforced', async () => {
  const { p } = await policy({ maxClockSkewInSeconds: 30, verifyClaims: [{ key: 'gty', values: ['client-credentials'], isRequired: true }] });
  const rsa = keys['RS256']!;
  assert.equal((await run(p, await signToken(rsa, claims({ exp: nowSec() - 20, gty: 'client-credentials' })))).reason, 'ok');
  assert.equal((await run(p, await signToken(rsa, claims({ exp: nowSec() - 30, gty: 'client-credentials' })))).reason, 'expired');
  assert.equal((await run(p, await signToken(rsa, claims({ nbf: nowSec() + 25, gty: 'client-credentials' })))).reason, 'ok');
  assert.equal((await run(p, await signToken(rsa, claims()))).reason, 'claim_invalid');
  assert.equal((await run(p, await signToken(rsa, claims({ gty: 'password' })))).reason, 'claim_invalid');
});

test('cached decisions end at exp (plus skew) and at the cache cap', async () => {
  const { p, clock } = await policy({}, { decisionCacheCapMs: 60_000 });
  const rsa = keys['RS256']!;
  const short = await signToken(rsa, claims({ exp: nowSec() + 10 }));
  assert.equal((await run(p, short)).reason, 'ok');
  clock.advance(9_000);
  assert.equal((p.authenticate(bearer(short)) as AuthVerdict).reason, 'ok');
  clock.advance(1_000);
  assert.equal((await run(p, short)).reason, 'expired', 'not served from cache past exp');
  const long = await signToken(rsa, claims({ exp: nowSec() + 3600 }));
  assert.equal((await run(p, long)).reason, 'ok');
  const misses = p.stats.cacheMisses;
  clock.advance(61_000);
  assert.equal((await run(p, long)).reason, 'ok');
  assert.equal(p.stats.cacheMisses, misses + 1, 'reverified after the cap');
});

test('a key removed from the JWKS voids decisions cached with it at the next refresh', async () => {
  const { p, store } = await policy();
  const extra = await makeKey('RS256', 'removable');
  server.keys.push(extra);
  await store.refresh();
  const token = await signToken(extra, claims());
  assert.equal((await run(p, token)).reason, 'ok');
  assert.equal((p.authenticate(bearer(token)) as AuthVerdict).reason, 'ok', 'cached');
  server.keys = server.keys.filter((k) => k !== extra);
  await store.refresh();
  assert.equal((await run(p, token)).reason, 'kid_unknown');
});

test('a token naming a key the JWKS lists but Gatehouse refused (use enc) is key_unusable, without a refetch', async () => {
  const { p, store } = await policy();
  const enc = await makeKey('RS256', 'enc-key');
  server.extraJwks = [{ ...enc.publicJwk, use: 'enc' }];
  try {
    await store.refresh();
    const before = server.fetches;
    const v = await run(p, await signToken(enc, claims()));
    assert.deepEqual([v.status, v.reason], [401, 'key_unusable']);
    assert.equal(server.fetches, before);
  } finally {
    server.extraJwks = [];
  }
});

test('rotation: a token with a new kid triggers one refetch and is accepted at once', async () => {
  const { p } = await policy();
  const next = await makeKey('RS256', 'rotated-in');
  server.keys.push(next);
  const before = server.fetches;
  const pending = p.authenticate(bearer(await signToken(next, claims())));
  assert.ok(pending instanceof Promise, 'waits for the refetch');
  assert.equal((await pending).reason, 'ok');
  assert.equal(server.fetches, before + 1);
});

test('requests never wait on a background refresh while usable keys exist', async () => {
  const { p, store } = await policy();
  server.delayMs = 500;
  try {
    const refreshing = store.refresh();
    const v = p.authenticate(bearer(await signToken(keys['ES256']!, claims({ jti: 'fresh' }))));
    assert.ok(!(v instanceof Promise), 'answered synchronously');
    assert.equal(v.reason, 'ok');
    await refreshing;
  } finally {
    server.delayMs = 0;
  }
});

test('IdP down past maxCacheDurationInHours: 503 keys_unavailable, for cached decisions too', async () => {
  const { p, clock, store } = await policy({ publicKeys: { type: 'REMOTE_JWKS', uri: server.jwksUri, maxCacheDurationInHours: 1 } });
  const token = await signToken(keys['RS256']!, claims({ exp: nowSec() + 7200 }));
  assert.equal((await run(p, token)).reason, 'ok');
  server.mode = 'error';
  try {
    clock.advance(50 * 60_000);
    await store.refreshIfDue();
    assert.equal((p.authenticate(bearer(token)) as AuthVerdict).reason, 'ok', 'last good keys still serve');
    const fresh = await signToken(keys['PS256']!, claims({ exp: nowSec() + 7200 }));
    assert.equal((await run(p, fresh)).reason, 'ok');
    clock.advance(10 * 60_000 + 1);
    const v = await run(p, token);
    assert.deepEqual([v.status, v.reason, v.challenge], [503, 'keys_unavailable', null]);
    assert.equal((await run(p, await signToken(keys['ES256']!, claims({ exp: nowSec() + 7200 })))).status, 503);
  } finally {
    server.mode = 'ok';
  }
});

test('anonymous access: no token passes with auth null; a bad token is still refused', async () => {
  const { p } = await policy({ isAnonymousAccessAllowed: true });
  const v = p.authenticate(request([])) as AuthVerdict;
  assert.deepEqual([v.status, v.reason, v.auth], [0, 'anonymous', null]);
  assert.equal((await run(p, 'junk')).status, 401);
  const route = compileAuthorization(undefined, 'r', ctx, p);
  assert.ok(route !== null, 'AUTHENTICATION_ONLY must check when anonymous requests get through authentication');
  assert.equal(route.authorize(null)!.status, 401);
  assert.equal(compileAuthorization({ type: 'ANONYMOUS' }, 'r', ctx, p), null);
});

test('ANY_OF scopes: scope, scp and permissions shapes; 403 insufficient_scope', async () => {
  const { p } = await policy();
  const route = compileAuthorization({ type: 'ANY_OF', allowedScope: ['read:hello', 'admin'] }, 'r', ctx, p)!;
  const rsa = keys['RS256']!;
  for (const c of [{ scope: 'x read:hello' }, { scope: undefined, scp: ['admin'] }, { scope: undefined, scp: 'read:hello' }, { scope: undefined, permissions: ['read:hello'] }]) {
    const v = await run(p, await signToken(rsa, claims(c)));
    assert.equal(route.authorize(v.auth), null, JSON.stringify(c));
  }
  const v = await run(p, await signToken(rsa, claims({ scope: 'write:hello' })));
  const d = route.authorize(v.auth)!;
  assert.deepEqual([d.status, d.reason, d.challenge], [403, 'scope_insufficient', 'Bearer error="insufficient_scope"']);
  assert.equal(compileAuthorization(undefined, 'r', ctx, p), null, 'AUTHENTICATION_ONLY costs nothing when authentication already requires a token');
});

test('TOKEN_AUTHENTICATION with REMOTE_DISCOVERY checks iss against the discovered issuer by default', async () => {
  const c = compileContext();
  const p = compileAuthentication(
    { type: 'TOKEN_AUTHENTICATION', validationPolicy: { type: 'REMOTE_DISCOVERY', sourceUriDetails: { type: 'DISCOVERY_URI', uri: server.discoveryUri }, additionalValidationPolicy: { audiences: ['https://api'] } } },
    'deployments[0].x',
    c,
  )!;
  try {
    assert.equal(await p.ready(), true);
    const now = Math.floor(Date.now() / 1000);
    assert.equal((await p.authenticate(bearer(await signToken(keys['RS256']!, { ...claims(), exp: now + 60 })))).reason, 'ok');
    assert.equal((await p.authenticate(bearer(await signToken(keys['RS256']!, { ...claims(), exp: now + 60, iss: 'https://evil/' })))).reason, 'issuer_invalid');
    assert.equal((await p.authenticate(bearer(await signToken(keys['RS256']!, { ...claims(), exp: now + 60, iss: undefined })))).reason, 'issuer_invalid');
  } finally {
    await c.registry.closeAll();
  }
});

test('regression: a discovery document without issuer gives 503 keys_unavailable, never an unchecked iss', async () => {
  const discovery = await startDiscoveryServer({ jwks_uri: server.jwksUri });
  const c = compileContext();
  try {
    const p = compileAuthentication(
      { type: 'TOKEN_AUTHENTICATION', validationPolicy: { type: 'REMOTE_DISCOVERY', sourceUriDetails: { type: 'DISCOVERY_URI', uri: discovery.uri }, additionalValidationPolicy: { audiences: ['https://api'] } } },
      'deployments[0].x',
      c,
    ) as Authenticator;
    assert.equal(await p.ready(), false);
    const now = Math.floor(Date.now() / 1000);
    for (const iss of [undefined, 'https://anyone/']) {
      const v = await p.authenticate(bearer(await signToken(keys['RS256']!, { ...claims(), iss, exp: now + 60 })));
      assert.deepEqual([v.status, v.reason], [503, 'keys_unavailable'], String(iss));
    }
    assert.equal(p.store.adminState(Date.now())['lastError'], 'discovery document has no issuer');
  } finally {
    await c.registry.closeAll();
    await discovery.close();
  }
});

test('regression: TOKEN_AUTHENTICATION reads additionalValidationPolicy inside validationPolicy, for every validation policy type', async () => {
  const c = compileContext();
  const { kid: _k, use: _u, alg: _a, ...rsaMembers } = keys['RS256']!.publicJwk;
  const extra = { issuers: [server.issuer], audiences: ['https://api'], verifyClaims: [{ key: 'tenant', values: ['acme'], isRequired: true }] };
  const sources = {
    REMOTE_JWKS: { type: 'REMOTE_JWKS', uri: server.jwksUri, additionalValidationPolicy: extra },
    STATIC_KEYS: { type: 'STATIC_KEYS', keys: [{ format: 'JSON_WEB_KEY', kid: keys['RS256']!.kid, alg: 'RS256', ...rsaMembers }], additionalValidationPolicy: extra },
    REMOTE_DISCOVERY: { type: 'REMOTE_DISCOVERY', sourceUriDetails: { type: 'DISCOVERY_URI', uri: server.discoveryUri }, additionalValidationPolicy: extra },
  };
  try {
    for (const [type, validationPolicy] of Object.entries(sources)) {
      const p = compileAuthentication({ type: 'TOKEN_AUTHENTICATION', validationPolicy }, `deployments[0].${type}`, c, `token-${type}`)!;
      assert.ok(p, JSON.stringify(c.issues));
      assert.equal(await p.ready(), true, type);
      const now = Math.floor(Date.now() / 1000);
      const sign = (over: Record<string, unknown>) => signToken(keys['RS256']!, { ...claims(), exp: now + 60, tenant: 'acme', ...over });
      assert.equal((await p.authenticate(bearer(await sign({})))).reason, 'ok', type);
      assert.equal((await p.authenticate(bearer(await sign({ aud: 'https://other' })))).reason, 'audience_invalid', type);
      assert.equal((await p.authenticate(bearer(await sign({ iss: 'https://other/' })))).reason, 'issuer_invalid', type);
      assert.equal((await p.authenticate(bearer(await sign({ tenant: 'umbrella' })))).reason, 'claim_invalid', type);
    }
    assert.deepEqual(c.warnings, [], 'issuers and audiences are set: nothing to warn about');
  } finally {
    await c.registry.closeAll();
  }
});

test('regression: a token without kid is tried against at most MAX_KIDLESS_CANDIDATES keys of a large JWKS', async () => {
  const big = await JwksServer.start();
  const c = compileContext();
  try {
    for (let i = 0; i < 20; i++) big.keys.push(await makeKey('ES256', `big-${i}`));
    const p = compileAuthentication(
      { type: 'JWT_AUTHENTICATION', issuers: [server.issuer], audiences: ['https://api'], publicKeys: { type: 'REMOTE_JWKS', uri: big.jwksUri } },
      'deployments[0].x',
      c,
    )!;
    assert.equal(await p.ready(), true);
    const now = Math.floor(Date.now() / 1000);
    const sign = (i: number, header: Record<string, unknown>) => signToken(big.keys[i]!, { ...claims(), exp: now + 60 }, header);
    for (let i = 0; i < MAX_KIDLESS_CANDIDATES; i++) assert.equal((await p.authenticate(bearer(await sign(i, { kid: undefined })))).reason, 'ok', `key ${i}`);
    // Beyond the bound, a kid-less token is not verified against the key that signed it...
    const fetches = big.fetches;
    assert.equal((await p.authenticate(bearer(await sign(19, { kid: undefined })))).reason, 'signature_invalid');
    assert.equal(big.fetches, fetches, 'and causes no refetch');
    // ...while the same key named by its kid verifies at once.
    assert.equal((await p.authenticate(bearer(await sign(19, {})))).reason, 'ok');
  } finally {
    await c.registry.closeAll();
    await big.stop();
  }
});

test('regression: tokens of 9-12 KiB (Entra ID, Okta with many groups) pass by default; maxTokenSizeInBytes sets a tighter limit', async () => {
  const groups = Array.from({ length: 250 }, () => randomUUID());
  const large = await signToken(keys['RS256']!, claims({ groups }));
  assert.ok(large.length > 12 * 1024 && large.length < 14 * 1024, `${large.length} characters`);
  const { p } = await policy();
  assert.equal((await run(p, large)).reason, 'ok');
  const { p: tight } = await policy({ maxTokenSizeInBytes: 4096 });
  assert.equal((await run(tight, large)).reason, 'token_too_large');
  const small = await signToken(keys['RS256']!, claims());
  assert.equal((await run(tight, small)).reason, 'ok');
  assert.equal((await run(tight, small + 'x'.repeat(4096 - small.length))).reason, 'signature_invalid', 'exactly the limit is read');
  assert.equal((await run(tight, small + 'x'.repeat(4097 - small.length))).reason, 'token_too_large');
});

test('allowedAlgorithms: a token with another alg is alg_not_allowed before any key lookup', async () => {
  const { p, store } = await policy({ allowedAlgorithms: ['ES256', 'EdDSA'] });
  assert.equal((await run(p, await signToken(keys['ES256']!, claims()))).reason, 'ok');
  assert.equal((await run(p, await signToken(keys['EdDSA']!, claims()))).reason, 'ok');
  assert.equal((await run(p, await signToken(keys['RS256']!, claims()))).reason, 'alg_not_allowed', 'RS256 is what OCI accepts, but not this policy');
  // An unknown kid would make the store refetch; the alg check comes first, so nothing is fetched.
  const before = server.fetches;
  const v = await run(p, await signToken(keys['PS256']!, claims(), { kid: `never-seen-${randomUUID()}` }));
  assert.deepEqual([v.status, v.reason], [401, 'alg_not_allowed']);
  assert.equal(server.fetches, before);
  assert.equal(store.stats.missRefetches, 0);
  // Without the list, the same token is an unknown kid.
  const { p: open } = await policy();
  assert.equal((await run(open, await signToken(keys['PS256']!, claims(), { kid: `never-seen-${randomUUID()}` }))).reason, 'kid_unknown');
});

test('STATIC_KEYS: JWK and PEM keys verify; tokens with unknown kids are refused without any fetch', async () => {
  const c = compileContext();
  const pem = createPublicKey({ key: keys['ES256']!.publicJwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string;
  const { kid: _k, use: _u, alg: _a, ...rsaMembers } = keys['RS256']!.publicJwk;
  const p = compileAuthentication(
    {
      type: 'JWT_AUTHENTICATION',
      issuers: [server.issuer],
      audiences: ['https://api'],
      publicKeys: { type: 'STATIC_KEYS', keys: [{ format: 'JSON_WEB_KEY', kid: keys['RS256']!.kid, use: 'sig', alg: 'RS256', ...rsaMembers }, { format: 'PEM', kid: keys['ES256']!.kid, key: pem }] },
    },
    'deployments[0].x',
    c,
  )!;
  assert.deepEqual(c.issues, []);
  assert.equal(await p.ready(), true);
  const now = Math.floor(Date.now() / 1000);
  assert.equal((await p.authenticate(bearer(await signToken(keys['RS256']!, { ...claims(), exp: now + 60 })))).reason, 'ok');
  assert.equal((await p.authenticate(bearer(await signToken(keys['ES256']!, { ...claims(), exp: now + 60 })))).reason, 'ok');
  assert.equal((await p.authenticate(bearer(await signToken(keys['PS256']!, { ...claims(), exp: now + 60 })))).reason, 'kid_unknown');
  await c.registry.closeAll();
});
