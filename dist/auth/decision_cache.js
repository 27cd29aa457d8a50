/**
 * Verified tokens, per policy (docs/token-validation.md, "The decision cache"), keyed by the raw token as Envoy's
 * jwt_cache: a second request with the same token costs one map lookup and no signature check.
 *
 * An entry lives until `min(exp + skew, verifiedAt + cap)` and is void as soon as the key that
 * verified it leaves its JWKS (`key.active`), checked on every hit. Bounded in entries and bytes.
 */
import { Lru } from '../lib/lru.js';
/** Rough cost of an entry beyond the token and claims: the maps, the verdict and the AuthContext. */
const ENTRY_OVERHEAD_BYTES = 400;
export class DecisionCache {
    #lru;
    capMs;
    constructor(opts = {}) {
        this.#lru = new Lru({ maxEntries: opts.maxEntries ?? 10_000, maxBytes: opts.maxBytes ?? 32 * 1024 * 1024 });
        this.capMs = opts.capMs ?? 600_000;
    }
    /** The cached allow verdict for `token`, or null (absent, expired, or its key was removed). */
    get(token, nowMs) {
        const d = this.#lru.get(token);
        if (d === undefined)
            return null;
        if (d.expiresAtMs > nowMs && d.key.active)
            return d.verdict;
        this.#lru.delete(token);
        return null;
    }
    set(token, verdict, key, validUntilMs, nowMs, payloadChars) {
        const expiresAtMs = Math.min(validUntilMs, nowMs + this.capMs);
        if (expiresAtMs <= nowMs)
            return;
        this.#lru.set(token, { verdict, expiresAtMs, key }, 2 * token.length + 2 * payloadChars + ENTRY_OVERHEAD_BYTES);
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
