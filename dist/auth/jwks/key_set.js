/** `find` results besides a list of candidates. */
export const NO_KEY = 0;
export const ALG_MISMATCH = 1;
/**
 * Keys a token without `kid` is tried against, at most: the first ones of the set, in the order
 * the source lists them, that suit the token's `alg`. Without a bound, one kid-less token would
 * cost one signature check per key of a large JWKS (issue #11). Sources that publish several keys
 * name them by kid, and tokens carry it; a kid-less token is the single-key (or few-keys) case.
 */
export const MAX_KIDLESS_CANDIDATES = 4;
export class KeySet {
    keys;
    /** Keys the source listed but Gatehouse refused, with why (admin API). */
    refused;
    #byKid = new Map();
    #refusedKids = new Set();
    constructor(keys, refused = []) {
        this.keys = keys;
        this.refused = refused;
        for (const r of refused)
            if (r.kid !== null)
                this.#refusedKids.add(r.kid);
        for (const k of keys) {
            if (k.kid === undefined)
                continue;
            const list = this.#byKid.get(k.kid);
            if (list === undefined)
                this.#byKid.set(k.kid, [k]);
            else
                list.push(k);
        }
    }
    hasKid(kid) {
        return this.#byKid.has(kid);
    }
    /** True when the source lists `kid` but Gatehouse refused that key (use enc, too small, ...). */
    isRefused(kid) {
        return this.#refusedKids.has(kid) && !this.#byKid.has(kid);
    }
    /**
     * Candidates for a token with `kid` (or none) and `alg`; NO_KEY or ALG_MISMATCH when there are
     * none. Without a kid, at most MAX_KIDLESS_CANDIDATES keys.
     */
    find(kid, alg) {
        if (kid === undefined)
            return this.#kidless(alg);
        const pool = this.#byKid.get(kid);
        if (pool === undefined || pool.length === 0)
            return NO_KEY;
        if (pool.length === 1)
            return pool[0].algs.has(alg) ? pool : ALG_MISMATCH;
        const out = pool.filter((k) => k.algs.has(alg));
        return out.length > 0 ? out : ALG_MISMATCH;
    }
    #kidless(alg) {
        const keys = this.keys;
        if (keys.length === 0)
            return NO_KEY;
        if (keys.length === 1)
            return keys[0].algs.has(alg) ? keys : ALG_MISMATCH;
        const out = [];
        for (let i = 0; i < keys.length && out.length < MAX_KIDLESS_CANDIDATES; i++) {
            const k = keys[i];
            if (k.algs.has(alg))
                out.push(k);
        }
        return out.length > 0 ? out : NO_KEY;
    }
}
