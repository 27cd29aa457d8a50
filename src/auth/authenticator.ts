/**
 * One compiled authentication policy: extraction, the decision cache, cheap checks, then keys and
 * signature, in Envoy jwt_authn's order: cache (then the revocation list) → size → parse (and the
 * policy's algorithm allow-list and RFC 9068 `typ`) → time → issuer → audience → claims → key
 * lookup → signature → revocation list. Denials are preallocated values (verdicts.ts).
 *
 * `authenticate` returns synchronously except when a fetch really happens: the first JWKS load, or
 * a refetch for an unknown kid. A cached decision costs a header read, a map lookup and two
 * comparisons: no Promise, no closure, no allocation beyond the token slice.
 */
import type { GatewayRequest } from '../types.ts';
import type { Clock } from '../lib/clock.ts';
import type { AuthenticationPolicy, AuthReason, AuthVerdict } from './types.ts';
import type { KeyStore } from './jwks/key_store.ts';
import type { Extractor } from './extract.ts';
import type { AuthStats } from './stats.ts';
import { TOKEN_MISSING, TOKEN_MALFORMED } from './extract.ts';
import { isAccessTokenType, parseJws, type ParsedToken } from './jws.ts';
import type { RevocationList } from './revocation.ts';
import { verifySignature } from './algorithms.ts';
import { ALG_MISMATCH, NO_KEY } from './jwks/key_set.ts';
import { DecisionCache } from './decision_cache.ts';
import { ANONYMOUS, allowed, denial } from './verdicts.ts';
import { audienceAllowed, buildAuthContext, checkTimes, claimsAllowed, issuerAllowed, type ClaimCheck } from './claims.ts';
import type { VerifyInput } from './algorithms.ts';

export interface AuthenticatorOptions {
  extractor: Extractor;
  store: KeyStore;
  /** Accepted `iss`; null: not checked here (see issuerFromDiscovery). */
  issuers: readonly string[] | null;
  /**
   * `iss` must equal the store's discovered issuer (REMOTE_DISCOVERY without configured issuers).
   * Fails closed: a store without a discovered issuer accepts no token.
   */
  issuerFromDiscovery: boolean;
  /** Accepted `aud` (any-of); null: not checked. */
  audiences: readonly string[] | null;
  claimChecks: readonly ClaimCheck[];
  clockSkewSec: number;
  allowsAnonymous: boolean;
  /** Longest token accepted, in characters (a valid token is ASCII, so also in bytes). */
  maxTokenChars: number;
  /** `alg` values accepted (the allowedAlgorithms extension), checked before any key lookup; null: any the key allows. */
  allowedAlgorithms: ReadonlySet<string> | null;
  /** RFC 9068 §4 (the isAccessTokenTypeRequired extension): the JOSE header `typ` must be `at+jwt`. Default false. */
  accessTokenTypeRequired?: boolean;
  /** The process's revocation list (revocation.ts), checked on cache hits too; absent: none. */
  revocations?: RevocationList;
  cache: DecisionCache;
  clock: Clock;
  stats: AuthStats;
}

/**
 * Default size limit on tokens: none of its own. A token arrives in the request head, which the
 * server caps at `server.maxHeaderBytes` (431 beyond), so the binding limit is that setting; this
 * is the largest value the schema allows for it. A fixed 8 KiB refused Entra ID and Okta tokens
 * carrying many groups (9-12 KiB, issue #11). `maxTokenSizeInBytes` sets a tighter limit per policy.
 */
export const DEFAULT_MAX_TOKEN_CHARS = 1024 * 1024;

export class Authenticator implements AuthenticationPolicy {
  readonly allowsAnonymous: boolean;
  readonly stats: AuthStats;
  readonly store: KeyStore;
  readonly #o: AuthenticatorOptions;
  readonly #cache: DecisionCache;
  readonly #clock: Clock;
  readonly #revocations: RevocationList | null;
  readonly #typRequired: boolean;

  constructor(opts: AuthenticatorOptions) {
    this.#o = opts;
    this.#revocations = opts.revocations ?? null;
    this.#typRequired = opts.accessTokenTypeRequired === true;
    this.allowsAnonymous = opts.allowsAnonymous;
    this.stats = opts.stats;
    this.store = opts.store;
    this.#cache = opts.cache;
    this.#clock = opts.clock;
  }

  /** Resolves once the first key load settled: true when keys are usable now (readiness). */
  ready(): Promise<boolean> {
    return this.store.ready().then(() => this.store.isUsable(this.#clock.nowMs()));
  }

  authenticate(ctx: GatewayRequest): AuthVerdict | Promise<AuthVerdict> {
    const token = this.#o.extractor(ctx);
    const nowMs = this.#clock.nowMs();
    if (token === TOKEN_MISSING) return this.allowsAnonymous ? this.#done(ANONYMOUS, nowMs) : this.#deny('token_missing', nowMs);
    if (token === TOKEN_MALFORMED) return this.#deny('token_malformed', nowMs);
    const cached = this.#cache.get(token, nowMs);
    if (cached !== null) {
      // Revocation is checked after the cache: a decision cached before the token was revoked must not outlive it.
      const revoked = this.#revocations;
      if (revoked !== null && revoked.size !== 0 && revoked.has(cached.auth!.claims['jti'])) return this.#deny('token_revoked', nowMs);
      if (!this.store.isUsable(nowMs)) return this.#unavailable(nowMs);
      this.stats.hit();
      return cached;
    }
    this.stats.cacheMisses++;
    return this.#verify(token, nowMs);
  }

  #verify(token: string, nowMs: number): AuthVerdict | Promise<AuthVerdict> {
    if (token.length > this.#o.maxTokenChars) return this.#deny('token_too_large', nowMs);
    const parsed = parseJws(token);
    if (typeof parsed === 'string') return this.#deny(parsed, nowMs);
    const algs = this.#o.allowedAlgorithms;
    if (algs !== null && !algs.has(parsed.alg)) return this.#deny('alg_not_allowed', nowMs);
    if (this.#typRequired && !isAccessTokenType(parsed.header['typ'])) return this.#deny('token_type_invalid', nowMs);
    const payload = parsed.payload;
    const reason =
      checkTimes(payload, Math.floor(nowMs / 1000), this.#o.clockSkewSec) ??
      (this.#o.issuers !== null && !issuerAllowed(payload, this.#o.issuers) ? 'issuer_invalid' : null) ??
      (this.#o.audiences !== null && !audienceAllowed(payload, this.#o.audiences) ? 'audience_invalid' : null) ??
      (!claimsAllowed(payload, this.#o.claimChecks) ? 'claim_invalid' : null);
    if (reason !== null) return this.#deny(reason, nowMs);
    return this.#withKeys(token, parsed, nowMs, false);
  }

  #withKeys(token: string, parsed: ParsedToken, nowMs: number, refetched: boolean): AuthVerdict | Promise<AuthVerdict> {
    const store = this.store;
    if (!store.isUsable(nowMs)) {
      if (store.loading && !refetched) return store.settled().then(() => this.#withKeys(token, parsed, this.#clock.nowMs(), true));
      return this.#unavailable(nowMs);
    }
    if (this.#o.issuerFromDiscovery) {
      const issuer = store.discoveredIssuer;
      if (issuer === undefined || parsed.payload['iss'] !== issuer) return this.#deny('issuer_invalid', nowMs);
    }
    const keys = store.keys()!; // usable implies loaded
    const found = keys.find(parsed.kid, parsed.alg);
    if (found === ALG_MISMATCH) return this.#deny('alg_not_allowed', nowMs);
    if (found === NO_KEY) {
      // The JWKS lists this kid but the key was refused: say so rather than "unknown", and do not refetch.
      if (parsed.kid !== undefined && keys.isRefused(parsed.kid)) return this.#deny('key_unusable', nowMs);
      const refetch = refetched ? null : store.refetchForMiss(parsed.kid ?? '', nowMs);
      if (refetch === null) return this.#deny('kid_unknown', nowMs);
      return refetch.then(() => this.#withKeys(token, parsed, this.#clock.nowMs(), true));
    }
    for (let i = 0; i < found.length; i++) {
      const key = found[i]!;
      const input = key.inputs.get(parsed.alg) as VerifyInput;
      if (!verifySignature(parsed.alg, input, key.rsaBytes, parsed.signingInput, parsed.signature)) continue;
      // After the signature, so the reason is only ever given for a token the issuer really made. Not cached: a revocation taken back lets it in again.
      const revoked = this.#revocations;
      if (revoked !== null && revoked.size !== 0 && revoked.has(parsed.payload['jti'])) return this.#deny('token_revoked', nowMs);
      const verdict = allowed(buildAuthContext(parsed.payload));
      const validUntilMs = ((parsed.payload['exp'] as number) + this.#o.clockSkewSec) * 1000;
      this.#cache.set(token, verdict, key, validUntilMs, nowMs, parsed.payloadChars);
      return this.#done(verdict, nowMs);
    }
    return this.#deny('signature_invalid', nowMs);
  }

  #unavailable(nowMs: number): AuthVerdict {
    this.store.poke(nowMs);
    return this.#deny('keys_unavailable', nowMs);
  }

  #deny(reason: AuthReason, nowMs: number): AuthVerdict {
    this.stats.record(reason, nowMs);
    return denial(reason);
  }

  #done(verdict: AuthVerdict, nowMs: number): AuthVerdict {
    this.stats.record(verdict.reason, nowMs);
    return verdict;
  }

  /** Cached decisions (tests, admin). */
  get cacheSize(): number {
    return this.#cache.size;
  }
}
