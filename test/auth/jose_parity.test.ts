/**
 * The hot path checks signatures with node:crypto instead of jose's jwtVerify, for speed
 * (docs/token-validation.md, "Performance").
 * This test runs both on the same tokens and requires the same accept/refuse decision, so the
 * faster path cannot drift from jose's checks. Where Gatehouse is deliberately stricter than jose
 * (jku/x5u/jwk headers, exp required), the case says so.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { compileAuthentication } from '../../src/auth/compile.ts';
import type { Authenticator } from '../../src/auth/authenticator.ts';
import type { AuthVerdict } from '../../src/auth/types.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import { JwksServer, makeKey, signToken, type TestKey } from '../helpers/jwks_server.ts';
import { bearer, compileContext } from './helpers.ts';

const T0 = Date.UTC(2026, 0, 1);
const now = Math.floor(T0 / 1000);
const ISS = 'https://tenant.example.com/';
let server: JwksServer;
let gatehouse: Authenticator;
let joseVerify: (token: string) => Promise<boolean>;
const ctx = compileContext();
const keys: TestKey[] = [];

before(async () => {
  server = await JwksServer.start();
  for (const alg of ['RS256', 'PS256', 'ES256', 'EdDSA', 'ES384', 'RS512']) keys.push(await makeKey(alg, `k-${alg}`));
  server.keys = keys;
  gatehouse = compileAuthentication(
    { type: 'JWT_AUTHENTICATION', issuers: [ISS], audiences: ['api'], maxClockSkewInSeconds: 5, publicKeys: { type: 'REMOTE_JWKS', uri: server.jwksUri } },
    'deployments[0].specification.requestPolicies.authentication',
    ctx,
    'parity',
    { clock: new ManualClock(T0), jwksCooldownMs: 3_600_000 },
  ) as Authenticator;
  await gatehouse.ready();
  const jwks = createLocalJWKSet(server.document() as never);
  joseVerify = async (token) => {
    try {
      await jwtVerify(token, jwks, {
        issuer: [ISS],
        audience: ['api'],
        clockTolerance: 5,
        currentDate: new Date(T0),
        requiredClaims: ['exp'],
        algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'],
      });
      return true;
    } catch {
      return false;
    }
  };
});
after(async () => {
  await ctx.registry.closeAll();
  await server.stop();
});

async function ours(token: string): Promise<boolean> {
  return ((await gatehouse.authenticate(bearer(token))) as AuthVerdict).status === 0;
}

const base = { iss: ISS, aud: 'api', exp: now + 300, iat: now, sub: 'x' };

test('same decisions on valid tokens and on claim failures, for every algorithm', async () => {
  const variants: Record<string, unknown>[] = [
    base,
    { ...base, aud: ['other', 'api'] },
    { ...base, aud: 'other' },
    { ...base, aud: undefined },
    { ...base, iss: 'https://tenant.example.com' },
    { ...base, exp: now - 4 },
    { ...base, exp: now - 5 },
    { ...base, exp: now },
    { ...base, nbf: now + 5 },
    { ...base, nbf: now + 6 },
    { ...base, iat: 'yesterday' },
    { ...base, exp: 'later' },
  ];
  for (const key of keys) {
    for (const claims of variants) {
      const token = await signToken(key, claims as never);
      assert.equal(await ours(token), await joseVerify(token), `${key.alg} ${JSON.stringify(claims)}`);
    }
  }
});

test('same decisions on forged, cross-key and alg-confused tokens', async () => {
  const rs = keys[0]!;
  const es = keys[2]!;
  const forger = await makeKey('RS256', rs.kid);
  const tokens = [
    await signToken(forger, base),
    await signToken(es, base, { kid: rs.kid }),
    await signToken(keys[1]!, base, { kid: rs.kid }),
    await signToken(keys[4]!, base, { kid: es.kid }),
    await signToken(rs, base, { kid: 'nope' }),
    await signToken(rs, base, { kid: undefined }),
  ];
  for (const t of tokens) assert.equal(await ours(t), await joseVerify(t), t.slice(0, 60));
});

test('random single-character corruptions are decided the same way', async () => {
  const samples = await Promise.all(keys.map((k) => signToken(k, base)));
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.'.split('');
  await fc.assert(
    fc.asyncProperty(fc.nat(samples.length - 1), fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(...alphabet), async (which, where, ch) => {
      const t = samples[which]!;
      const i = Math.min(t.length - 1, Math.floor(where * t.length));
      const mutated = t.slice(0, i) + ch + t.slice(i + 1);
      assert.equal(await ours(mutated), await joseVerify(mutated), `${i}: ${mutated}`);
    }),
    { numRuns: 300 },
  );
});

test('deliberately stricter than jose: token-supplied key locations are refused', async () => {
  const rs = keys[0]!;
  for (const header of [{ jku: 'https://evil/jwks' }, { x5u: 'https://evil/x' }, { jwk: rs.publicJwk }]) {
    const t = await signToken(rs, base, header);
    assert.equal(await joseVerify(t), true, 'jose ignores the header');
    assert.equal(await ours(t), false, 'Gatehouse refuses it');
  }
});
