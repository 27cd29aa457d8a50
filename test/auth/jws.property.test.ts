/**
 * Property-based tests (fast-check) for the token parser and the whole token path: arbitrary
 * strings and arbitrary mutations of a valid token never throw, and are never accepted unless the
 * mutation left the signed text and the signature bytes unchanged (base64url's spare trailing bits).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { KeyObject, generateKeyPairSync, sign } from 'node:crypto';
import fc from 'fast-check';
import { parseJws } from '../../src/auth/jws.ts';
import { ALGORITHMS } from '../../src/auth/algorithms.ts';
import { ALL_REASONS } from '../../src/auth/verdicts.ts';
import { compileAuthentication } from '../../src/auth/compile.ts';
import type { Authenticator } from '../../src/auth/authenticator.ts';
import type { AuthVerdict } from '../../src/auth/types.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import { bearer, compileContext, request } from './helpers.ts';

/** base64url of a string as is, or of any other value's JSON (`undefined` and functions as the text "undefined"). */
const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : (JSON.stringify(v) ?? 'undefined')).toString('base64url');
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const T0 = Date.UTC(2026, 0, 1);
const NOW_SEC = Math.floor(T0 / 1000);

/** Characters a token is made of, plus the ones that break it. */
const tokenChar = fc.constantFrom(...B64URL.split(''), '.', '=', '+', '/', ' ', '\t', '%', '\u00e9', '\u0000', '"', '{', '}');
const tokenLike = fc.string({ unit: tokenChar, maxLength: 200 });
/** Three segments of base64url-encoded arbitrary JSON or text. */
const segment = fc.oneof(fc.json().map(b64), fc.string().map(b64), fc.string({ unit: fc.constantFrom(...B64URL.split('')), maxLength: 40 }));
const threeSegments = fc.tuple(segment, segment, segment).map((s) => s.join('.'));
const header = fc.record(
  {
    alg: fc.oneof(fc.constantFrom(...Object.keys(ALGORITHMS), 'none', 'HS256', 'RS1', '', 'rs256'), fc.anything()),
    kid: fc.oneof(fc.string(), fc.anything()),
    typ: fc.string(),
    jku: fc.string(),
    x5u: fc.string(),
    jwk: fc.object(),
    crit: fc.array(fc.string()),
    b64: fc.boolean(),
  },
  { requiredKeys: [] },
);
const structured = fc.tuple(header, fc.oneof(fc.object(), fc.anything()), fc.uint8Array({ maxLength: 80 })).map(([h, p, s]) => `${b64(h)}.${b64(p)}.${Buffer.from(s).toString('base64url')}`);

describe('parseJws (property)', () => {
  it('never throws on any input; refuses with a known reason or returns parts that obey the header rules', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), tokenLike, threeSegments, structured), (token) => {
        const out = parseJws(token);
        if (typeof out === 'string') {
          assert.ok(ALL_REASONS.includes(out), out);
          return;
        }
        assert.equal(token.split('.').length, 3);
        assert.ok(Object.hasOwn(ALGORITHMS, out.alg), `alg ${out.alg}`);
        for (const forbidden of ['jku', 'x5u', 'jwk', 'crit']) assert.ok(!(forbidden in out.header), forbidden);
        assert.ok(out.kid === undefined || typeof out.kid === 'string');
        assert.ok(out.payload !== null && typeof out.payload === 'object' && !Array.isArray(out.payload));
        assert.equal(out.signingInput, token.slice(0, token.lastIndexOf('.')));
        assert.match(token, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
      }),
      { numRuns: 5000 },
    );
  });

  it('refuses every header that names its own key, asks for extensions, or uses a non-allowed alg', () => {
    fc.assert(
      fc.property(header, fc.object(), (h, p) => {
        const out = parseJws(`${b64(h)}.${b64(p)}.${b64('sig')}`);
        const allowedAlg = typeof h.alg === 'string' && Object.hasOwn(ALGORITHMS, h.alg);
        const selfKeyed = 'jku' in h || 'x5u' in h || 'jwk' in h || 'crit' in h;
        const badKid = 'kid' in h && typeof h.kid !== 'string';
        assert.equal(typeof out !== 'string', allowedAlg && !selfKeyed && !badKid, JSON.stringify(h));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('the token path end to end (property): mutated tokens are never accepted', () => {
  const ctx = compileContext();
  const clock = new ManualClock(T0);
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let policy: Authenticator;
  let valid: string[];

  function signRaw(alg: 'ES256' | 'RS256', kid: string, payload: Record<string, unknown>): string {
    const input = `${b64({ alg, kid, typ: 'JWT' })}.${b64(payload)}`;
    const sig = alg === 'ES256' ? sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }) : sign('sha256', Buffer.from(input), rsa.privateKey);
    return `${input}.${sig.toString('base64url')}`;
  }

  before(() => {
    const jwk = (k: KeyObject) => k.export({ format: 'jwk' }) as Record<string, unknown>;
    policy = compileAuthentication(
      {
        type: 'JWT_AUTHENTICATION',
        issuers: ['https://issuer/'],
        audiences: ['api'],
        publicKeys: { type: 'STATIC_KEYS', keys: [{ format: 'JSON_WEB_KEY', kid: 'ec', alg: 'ES256', use: 'sig', ...jwk(publicKey) }, { format: 'JSON_WEB_KEY', kid: 'rsa', alg: 'RS256', use: 'sig', ...jwk(rsa.publicKey) }] },
      },
      'deployments[0].specification.requestPolicies.authentication',
      ctx,
      'prop',
      { clock },
    ) as Authenticator;
    assert.ok(policy, JSON.stringify(ctx.issues));
    const claims = { iss: 'https://issuer/', aud: 'api', exp: NOW_SEC + 600, sub: 'x', scope: 'a b' };
    valid = [signRaw('ES256', 'ec', claims), signRaw('RS256', 'rsa', claims)];
  });
  after(async () => {
    await ctx.registry.closeAll();
  });

  async function decide(value: string | [string, string][]): Promise<AuthVerdict> {
    const req = typeof value === 'string' ? bearer(value) : request(value);
    return await policy.authenticate(req);
  }

  it('both valid tokens are accepted (the oracle below can fail)', async () => {
    for (const t of valid) assert.equal((await decide(t)).status, 0);
  });

  type Mutation = { kind: 'replace' | 'insert' | 'delete'; at: number; ch: string } | { kind: 'swap'; a: number; b: number } | { kind: 'truncate'; at: number };
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    fc.record({ kind: fc.constantFrom('replace' as const, 'insert' as const, 'delete' as const), at: fc.nat(), ch: tokenChar }),
    fc.record({ kind: fc.constant('swap' as const), a: fc.nat(2), b: fc.nat(2) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  );
  function apply(token: string, ms: Mutation[]): string {
    let t = token;
    for (const m of ms) {
      if (m.kind === 'swap') {
        const parts = t.split('.');
        if (parts.length === 3) [parts[m.a], parts[m.b]] = [parts[m.b]!, parts[m.a]!];
        t = parts.join('.');
      } else if (m.kind === 'truncate') t = t.slice(0, m.at % (t.length + 1));
      else {
        const at = t.length === 0 ? 0 : m.at % t.length;
        if (m.kind === 'replace') t = t.slice(0, at) + m.ch + t.slice(at + 1);
        else if (m.kind === 'insert') t = t.slice(0, at) + m.ch + t.slice(at);
        else t = t.slice(0, at) + t.slice(at + 1);
      }
    }
    return t;
  }
  /** The only harmless change: same signed text, same signature bytes (spare bits of the last base64url char). */
  function sameToken(a: string, b: string): boolean {
    const [ia, ib] = [a.lastIndexOf('.'), b.lastIndexOf('.')];
    if (a.slice(0, ia) !== b.slice(0, ib)) return false;
    const sb = b.slice(ib + 1);
    return /^[A-Za-z0-9_-]+$/.test(sb) && Buffer.from(a.slice(ia + 1), 'base64url').equals(Buffer.from(sb, 'base64url'));
  }

  it('arbitrary mutations of a valid token never throw and are refused unless they changed nothing that is signed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(0, 1), fc.array(mutation, { minLength: 1, maxLength: 4 }), async (which, ms) => {
        const original = valid[which]!;
        const mutated = apply(original, ms);
        const v = await decide(mutated);
        if (v.status === 0) assert.ok(sameToken(original, mutated), `accepted a changed token: ${JSON.stringify(ms)}`);
        else assert.ok([401, 503].includes(v.status) && ALL_REASONS.includes(v.reason), `${v.status} ${v.reason}`);
      }),
      { numRuns: 1500 },
    );
  });

  it('arbitrary Authorization values and repeated headers never throw and are never accepted', async () => {
    const value = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), tokenLike.map((t) => `Bearer ${t}`), fc.constantFrom(...valid).map((t) => `Basic ${t}`));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom('Authorization', 'authorization', 'AUTHORIZATION', 'X-Other'), value), { maxLength: 4 }), async (headers) => {
        const v = await decide(headers);
        assert.notEqual(v.status, 0, JSON.stringify(headers));
        assert.ok(ALL_REASONS.includes(v.reason));
      }),
      { numRuns: 2000 },
    );
    // A valid token after any single repeat of the header is refused too (RFC 6750 §2).
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...valid), value, fc.boolean(), async (t, other, first) => {
        const pair: [string, string][] = first ? [['Authorization', `Bearer ${t}`], ['Authorization', other]] : [['Authorization', other], ['Authorization', `Bearer ${t}`]];
        assert.notEqual((await decide(pair)).status, 0);
      }),
      { numRuns: 300 },
    );
  });

  it('tokens signed by a key the policy does not trust are never accepted, whatever they claim', async () => {
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('ec', 'rsa', 'other', ''), fc.object(), async (kid, extra) => {
        const input = `${b64({ alg: 'ES256', kid })}.${b64({ iss: 'https://issuer/', aud: 'api', exp: NOW_SEC + 600, ...extra })}`;
        const t = `${input}.${sign('sha256', Buffer.from(input), { key: stranger.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
        assert.notEqual((await decide(t)).status, 0);
      }),
      { numRuns: 500 },
    );
  });
});
