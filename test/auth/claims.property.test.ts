/**
 * Property-based tests (fast-check) for the claim checks: arbitrary claim sets, correctly signed,
 * are accepted exactly when an independent oracle written from the documented rules
 * (docs/token-validation.md) says they meet the policy; the claim functions
 * never throw on any payload.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import fc from 'fast-check';
import { compileAuthentication } from '../../src/auth/compile.ts';
import type { Authenticator } from '../../src/auth/authenticator.ts';
import { audienceAllowed, buildAuthContext, checkTimes, claimsAllowed, compileClaimChecks, grantedScopes, issuerAllowed } from '../../src/auth/claims.ts';
import { ALL_REASONS } from '../../src/auth/verdicts.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import { bearer, compileContext } from './helpers.ts';

const T0 = Date.UTC(2026, 0, 1);
const NOW = Math.floor(T0 / 1000);
const SKEW = 30;
const ISSUERS = ['https://a/', 'https://b/'];
const AUDIENCES = ['api', 'urn:x'];
const VERIFY = [
  { key: 'gty', values: ['client-credentials'], isRequired: true },
  { key: 'tier', values: ['gold', '1', 'true'], isRequired: false },
  { key: 'tenant', isRequired: true },
];

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const anything = fc.anything({ maxDepth: 2 });
const time = fc.oneof(fc.integer({ min: NOW - 200, max: NOW + 200 }), fc.constantFrom(NOW - SKEW, NOW - SKEW + 1, NOW + SKEW, NOW + SKEW + 1, 0, -1, 1e15, 2 ** 53), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string(), anything);
const words = (xs: string[]) => fc.oneof(fc.constantFrom(...xs), fc.array(fc.oneof(fc.constantFrom(...xs), anything), { maxLength: 3 }), anything);
/** Mostly `good`, sometimes anything from `bad`, sometimes absent: so both verdicts are reached. */
const field = <T,>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 6, arbitrary: good }, { weight: 2, arbitrary: bad }, { weight: 1, arbitrary: fc.constant(undefined) });
const claimSet = fc.record({
  iss: field(fc.constantFrom(...ISSUERS), fc.oneof(fc.constantFrom('https://a', 'HTTPS://A/', 'https://a/ ', ''), anything)),
  aud: field(fc.oneof(fc.constantFrom(...AUDIENCES), fc.constant(['other', 'urn:x'])), words(['API', 'other', '', ...AUDIENCES])),
  exp: field(fc.integer({ min: NOW - SKEW + 1, max: NOW + 3600 }), time),
  nbf: field(fc.integer({ min: NOW - 3600, max: NOW + SKEW }), time),
  iat: field(fc.integer({ min: NOW - 3600, max: NOW + 3600 }), time),
  gty: field(fc.oneof(fc.constant('client-credentials'), fc.constant(['password', 'client-credentials'])), words(['password', 'Client-Credentials', 'client-credentials'])),
  tier: field(fc.constantFrom('gold', 1, true, ['silver', 'gold']), fc.oneof(words(['silver', '2']), fc.constantFrom(2, false, null))),
  tenant: field(fc.string(), fc.oneof(fc.constant(null), anything)),
  scope: fc.oneof(fc.string(), anything),
});

/** The documented rules, written independently of src/auth/claims.ts. */
function oracle(p: Record<string, unknown>): boolean {
  const has = (k: string) => Object.hasOwn(p, k) && p[k] !== undefined;
  const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  if (!num(p['exp']) || !(p['exp'] > NOW - SKEW)) return false;
  if (has('nbf') && (!num(p['nbf']) || p['nbf'] > NOW + SKEW)) return false;
  if (has('iat') && !num(p['iat'])) return false;
  if (typeof p['iss'] !== 'string' || !ISSUERS.includes(p['iss'])) return false;
  const aud = p['aud'];
  const audOk = typeof aud === 'string' ? AUDIENCES.includes(aud) : Array.isArray(aud) && aud.some((a) => typeof a === 'string' && AUDIENCES.includes(a));
  if (!audOk) return false;
  for (const c of VERIFY) {
    const v = p[c.key];
    const present = Object.hasOwn(p, c.key) && v !== null && v !== undefined;
    if (!present) {
      if (c.isRequired) return false;
      continue;
    }
    if (c.values === undefined) continue;
    const scalarOk = (x: unknown) => (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') && c.values.includes(String(x));
    if (!(Array.isArray(v) ? v.some(scalarOk) : scalarOk(v))) return false;
  }
  return true;
}

describe('claim checks (property)', () => {
  const ctx = compileContext();
  const clock = new ManualClock(T0);
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  let policy: Authenticator;
  const signed = (payload: unknown) => {
    const input = `${b64({ alg: 'ES256', kid: 'k' })}.${b64(payload)}`;
    return `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
  };

  before(() => {
    policy = compileAuthentication(
      {
        type: 'JWT_AUTHENTICATION',
        issuers: ISSUERS,
        audiences: AUDIENCES,
        verifyClaims: VERIFY,
        maxClockSkewInSeconds: SKEW,
        publicKeys: { type: 'STATIC_KEYS', keys: [{ format: 'JSON_WEB_KEY', kid: 'k', alg: 'ES256', use: 'sig', ...(publicKey.export({ format: 'jwk' }) as Record<string, unknown>) }] },
      },
      'deployments[0].specification.requestPolicies.authentication',
      ctx,
      'claims-prop',
      { clock },
    ) as Authenticator;
    assert.ok(policy, JSON.stringify(ctx.issues));
  });
  after(async () => {
    await ctx.registry.closeAll();
  });

  it('the oracle accepts a plain valid claim set, and so does the policy', async () => {
    const p = { iss: 'https://a/', aud: 'api', exp: NOW + 60, gty: 'client-credentials', tenant: 't' };
    assert.equal(oracle(p), true);
    assert.equal((await policy.authenticate(bearer(signed(p)))).status, 0);
    assert.equal(oracle({ ...p, tenant: null }), false);
    assert.equal((await policy.authenticate(bearer(signed({ ...p, tenant: null })))).status, 401);
  });

  it('a correctly signed claim set is accepted exactly when it meets the policy', async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(claimSet, async (claims) => {
        // What the gateway sees is the JSON round trip of what was signed.
        const payload = JSON.parse(JSON.stringify(claims)) as Record<string, unknown>;
        const v = await policy.authenticate(bearer(signed(claims)));
        const expected = oracle(payload);
        assert.equal(v.status === 0, expected, `${v.reason} for ${JSON.stringify(payload)}`);
        if (expected) accepted++;
        else assert.ok(v.status === 401 && ALL_REASONS.includes(v.reason), v.reason);
      }),
      { numRuns: 2000 },
    );
    assert.ok(accepted >= 100, `the generator reaches accepted claim sets too (${accepted} of 2000)`);
  });

  it('accepted claim sets are biased in: near-valid sets with one field varied', async () => {
    const base = { iss: 'https://b/', aud: ['x', 'urn:x'], exp: NOW + 100, gty: ['password', 'client-credentials'], tenant: 'acme', tier: 'gold' };
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...(Object.keys(base) as (keyof typeof base)[]), 'nbf', 'iat'), anything, async (field, value) => {
        const claims = { ...base, [field]: value };
        const payload = JSON.parse(JSON.stringify(claims)) as Record<string, unknown>;
        assert.equal((await policy.authenticate(bearer(signed(claims)))).status === 0, oracle(payload), `${field}=${JSON.stringify(value)}`);
      }),
      { numRuns: 1500 },
    );
  });

  it('the claim functions never throw on any JSON payload', () => {
    const checks = compileClaimChecks(VERIFY);
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), claimSet, (dict, claims) => {
        for (const p of [dict, JSON.parse(JSON.stringify(claims)) as Record<string, unknown>]) {
          checkTimes(p, NOW, SKEW);
          issuerAllowed(p, ISSUERS);
          audienceAllowed(p, AUDIENCES);
          claimsAllowed(p, checks);
          const scopes = grantedScopes(p);
          for (const s of scopes) assert.ok(typeof s === 'string' && s !== '');
          buildAuthContext(p);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
