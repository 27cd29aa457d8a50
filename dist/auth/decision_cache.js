/**
 * Verified tokens, per policy (docs/token-validation.md, "The decision cache"), found by the raw token as Envoy's
 * jwt_cache: a second request with the same token costs one map lookup and no signature check.
 * The map's key is the token's last KEY_CHARS characters (the end of its signature) and every hit
 * compares the whole token, so a lookup hashes 22 characters instead of ~800 (issue 16: the lookup
 * was the largest of Gatehouse's own frames on a protected route) and two tokens ending alike can
 * only cost each other a miss, never share a decision.
 *
 * An entry lives until `min(exp + skew, verifiedAt + cap)` and is void as soon as the key that
 * verified it leaves its JWKS (`key.active`), checked on every hit. Bounded in entries and bytes.
 *
 * Admission (issue 16): when tokens never repeat (every client a fresh token, or more tokens in
 * rotation than the cache holds), inserting each one only churns the cache: thousands of verdicts
 * kept alive for nothing, promoted and collected by the GC, for no hit. So the cache watches its
 * hit ratio over windows of WINDOW lookups; below MIN_HIT_RATIO it admits a token only on its
 * second verification (a doorkeeper, as in TinyLFU: a bounded set of signature tails), and
 * it admits every token again once a window's hit ratio is back above it. Normal traffic, where
 * clients reuse their token, never leaves the first mode: a second request is a hit, as always.
 */
import { Lru } from '../lib/lru.js';
/**
 * Characters from the token's end that key the map: 132 bits of an RSA, ECDSA or EdDSA signature
 * (only those algorithms are accepted), as good as random; and a token is cached only once its
 * signature verified, so nobody can choose them.
 */
const KEY_CHARS = 22;
function mapKey(token) {
    return token.length <= KEY_CHARS ? token : token.slice(-KEY_CHARS);
}
/** Rough cost of an entry beyond the token and claims: the maps, the verdict and the AuthContext. */
const ENTRY_OVERHEAD_BYTES = 400;
/** Lookups per admission window. */
const WINDOW = 4096;
/** Hits per lookup below which the cache only admits tokens seen before. */
const MIN_HIT_RATIO = 1 / 64;
/** Signature characters the doorkeeper remembers per token, as one number (7 × 7 bits < 2^53). */
const TAIL_CHARS = 7;
/** Tails remembered per doorkeeper generation (two generations). */
const DOORKEEPER_GENERATION = 8192;
export class DecisionCache {
    #lru;
    capMs;
    /** Lookups and hits in the current admission window. */
    #lookups = 0;
    #hits = 0;
    /** True while tokens are admitted only on their second verification (see the header). */
    #selective = false;
    #seen = new Set();
    #seenBefore = new Set();
    constructor(opts = {}) {
        this.#lru = new Lru({ maxEntries: opts.maxEntries ?? 10_000, maxBytes: opts.maxBytes ?? 32 * 1024 * 1024 });
        this.capMs = opts.capMs ?? 600_000;
    }
    /** The cached allow verdict for `token`, or null (absent, expired, or its key was removed). */
    get(token, nowMs) {
        if (++this.#lookups === WINDOW)
            this.#endWindow();
        const k = mapKey(token);
        const d = this.#lru.get(k);
        if (d === undefined || d.token !== token)
            return null;
        if (d.expiresAtMs > nowMs && d.key.active) {
            this.#hits++;
            return d.verdict;
        }
        this.#lru.delete(k);
        return null;
    }
    set(token, verdict, key, validUntilMs, nowMs, payloadChars) {
        const expiresAtMs = Math.min(validUntilMs, nowMs + this.capMs);
        if (expiresAtMs <= nowMs)
            return;
        if (this.#selective && !this.#admit(token))
            return;
        this.#lru.set(mapKey(token), { token, verdict, expiresAtMs, key }, 2 * token.length + 2 * payloadChars + ENTRY_OVERHEAD_BYTES);
    }
    /** True when tokens are admitted only on their second verification (for tests and the admin view). */
    get selective() {
        return this.#selective;
    }
    #endWindow() {
        this.#selective = this.#hits < WINDOW * MIN_HIT_RATIO;
        if (!this.#selective && this.#seen.size + this.#seenBefore.size !== 0) {
            this.#seen = new Set();
            this.#seenBefore = new Set();
        }
        this.#lookups = 0;
        this.#hits = 0;
    }
    /**
     * The doorkeeper: false the first time a token's signature tail is seen (and remembered), true
     * after. The tail is a number, not a slice, which would keep the whole token alive; two tokens
     * sharing one (~42 bits of signature) only make the second admitted early.
     */
    #admit(token) {
        let tail = 0;
        for (let i = Math.max(0, token.length - TAIL_CHARS); i < token.length; i++)
            tail = tail * 128 + (token.charCodeAt(i) & 127);
        if (this.#seen.has(tail) || this.#seenBefore.has(tail))
            return true;
        if (this.#seen.size >= DOORKEEPER_GENERATION) {
            this.#seenBefore = this.#seen;
            this.#seen = new Set();
        }
        this.#seen.add(tail);
        return false;
    }
    /** Drops entries verified with keys no longer active (after a refresh; not needed for correctness). */
    pruneInactive() {
        return this.#lru.prune((d) => !d.key.active);
    }
    clear() {
        this.#lru.clear();
    }
    get size() {
        return this.#lru.size;
    }
}
