import { TOKEN_MISSING, TOKEN_MALFORMED } from './extract.js';
import { isAccessTokenType, parseJws } from './jws.js';
import { verifySignature } from './algorithms.js';
import { ALG_MISMATCH, NO_KEY } from './jwks/key_set.js';
import { DecisionCache } from './decision_cache.js';
import { ANONYMOUS, allowed, denial } from './verdicts.js';
import { audienceAllowed, buildAuthContext, checkTimes, claimsAllowed, issuerAllowed } from './claims.js';
/**
 * Default size limit on tokens: none of its own. A token arrives in the request head, which the
 * server caps at `server.maxHeaderBytes` (431 beyond), so the binding limit is that setting; this
 * is the largest value the schema allows for it. A fixed 8 KiB refused Entra ID and Okta tokens
 * carrying many groups (9-12 KiB, issue #11). `maxTokenSizeInBytes` sets a tighter limit per policy.
 */
export const DEFAULT_MAX_TOKEN_CHARS = 1024 * 1024;
export class Authenticator {
    allowsAnonymous;
    stats;
    store;
    #o;
    #cache;
    #clock;
    #revocations;
    #typRequired;
    constructor(opts) {
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
    ready() {
        return this.store.ready().then(() => this.store.isUsable(this.#clock.nowMs()));
    }
    authenticate(ctx) {
        const token = this.#o.extractor(ctx);
        const nowMs = this.#clock.nowMs();
        if (token === TOKEN_MISSING)
            return this.allowsAnonymous ? this.#done(ANONYMOUS, nowMs) : this.#deny('token_missing', nowMs);
        if (token === TOKEN_MALFORMED)
            return this.#deny('token_malformed', nowMs);
        const cached = this.#cache.get(token, nowMs);
        if (cached !== null) {
            // Revocation is checked after the cache: a decision cached before the token was revoked must not outlive it.
            const revoked = this.#revocations;
            if (revoked !== null && revoked.size !== 0 && revoked.has(cached.auth.claims['jti']))
                return this.#deny('token_revoked', nowMs);
            if (!this.store.isUsable(nowMs))
                return this.#unavailable(nowMs);
            this.stats.hit();
            return cached;
        }
        this.stats.cacheMisses++;
        return this.#verify(token, nowMs);
    }
    #verify(token, nowMs) {
        if (token.length > this.#o.maxTokenChars)
            return this.#deny('token_too_large', nowMs);
        const parsed = parseJws(token);
        if (typeof parsed === 'string')
            return this.#deny(parsed, nowMs);
        const algs = this.#o.allowedAlgorithms;
        if (algs !== null && !algs.has(parsed.alg))
            return this.#deny('alg_not_allowed', nowMs);
        if (this.#typRequired && !isAccessTokenType(parsed.header['typ']))
            return this.#deny('token_type_invalid', nowMs);
        const payload = parsed.payload;
        const reason = checkTimes(payload, Math.floor(nowMs / 1000), this.#o.clockSkewSec) ??
            (this.#o.issuers !== null && !issuerAllowed(payload, this.#o.issuers) ? 'issuer_invalid' : null) ??
            (this.#o.audiences !== null && !audienceAllowed(payload, this.#o.audiences) ? 'audience_invalid' : null) ??
            (!claimsAllowed(payload, this.#o.claimChecks) ? 'claim_invalid' : null);
        if (reason !== null)
            return this.#deny(reason, nowMs);
        return this.#withKeys(token, parsed, nowMs, false);
    }
    #withKeys(token, parsed, nowMs, refetched) {
        const store = this.store;
        if (!store.isUsable(nowMs)) {
            if (store.loading && !refetched)
                return store.settled().then(() => this.#withKeys(token, parsed, this.#clock.nowMs(), true));
            return this.#unavailable(nowMs);
        }
        if (this.#o.issuerFromDiscovery) {
            const issuer = store.discoveredIssuer;
            if (issuer === undefined || parsed.payload['iss'] !== issuer)
                return this.#deny('issuer_invalid', nowMs);
        }
        const keys = store.keys(); // usable implies loaded
        const found = keys.find(parsed.kid, parsed.alg);
        if (found === ALG_MISMATCH)
            return this.#deny('alg_not_allowed', nowMs);
        if (found === NO_KEY) {
            // The JWKS lists this kid but the key was refused: say so rather than "unknown", and do not refetch.
            if (parsed.kid !== undefined && keys.isRefused(parsed.kid))
                return this.#deny('key_unusable', nowMs);
            const refetch = refetched ? null : store.refetchForMiss(parsed.kid ?? '', nowMs);
            if (refetch === null)
                return this.#deny('kid_unknown', nowMs);
            return refetch.then(() => this.#withKeys(token, parsed, this.#clock.nowMs(), true));
        }
        for (let i = 0; i < found.length; i++) {
            const key = found[i];
            const input = key.inputs.get(parsed.alg);
            if (!verifySignature(parsed.alg, input, key.rsaBytes, parsed.signingInput, parsed.signature))
                continue;
            // After the signature, so the reason is only ever given for a token the issuer really made. Not cached: a revocation taken back lets it in again.
            const revoked = this.#revocations;
            if (revoked !== null && revoked.size !== 0 && revoked.has(parsed.payload['jti']))
                return this.#deny('token_revoked', nowMs);
            const verdict = allowed(buildAuthContext(parsed.payload));
            const validUntilMs = (parsed.payload['exp'] + this.#o.clockSkewSec) * 1000;
            this.#cache.set(token, verdict, key, validUntilMs, nowMs, parsed.payloadChars);
            return this.#done(verdict, nowMs);
        }
        return this.#deny('signature_invalid', nowMs);
    }
    #unavailable(nowMs) {
        this.store.poke(nowMs);
        return this.#deny('keys_unavailable', nowMs);
    }
    #deny(reason, nowMs) {
        this.stats.record(reason, nowMs);
        return denial(reason);
    }
    #done(verdict, nowMs) {
        this.stats.record(verdict.reason, nowMs);
        return verdict;
    }
    /** Cached decisions (tests, admin). */
    get cacheSize() {
        return this.#cache.size;
    }
}
