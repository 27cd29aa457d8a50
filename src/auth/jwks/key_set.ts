/**
 * An immutable set of verification keys, indexed by kid. Selection follows jose's local JWKS: by
 * `kid` when the token has one, else every key that may verify the token's `alg`.
 */
import type { VerificationKey } from './key_import.ts';

/** `find` results besides a list of candidates. */
export const NO_KEY = 0;
export const ALG_MISMATCH = 1;

export class KeySet {
  readonly keys: readonly VerificationKey[];
  /** Keys the source listed but Gatehouse refused, with why (admin API). */
  readonly refused: readonly { kid: string | null; reason: string }[];
  readonly #byKid = new Map<string, VerificationKey[]>();
  readonly #refusedKids = new Set<string>();

  constructor(keys: VerificationKey[], refused: { kid: string | null; reason: string }[] = []) {
    this.keys = keys;
    this.refused = refused;
    for (const r of refused) if (r.kid !== null) this.#refusedKids.add(r.kid);
    for (const k of keys) {
      if (k.kid === undefined) continue;
      const list = this.#byKid.get(k.kid);
      if (list === undefined) this.#byKid.set(k.kid, [k]);
      else list.push(k);
    }
  }

  hasKid(kid: string): boolean {
    return this.#byKid.has(kid);
  }

  /** True when the source lists `kid` but Gatehouse refused that key (use enc, too small, ...). */
  isRefused(kid: string): boolean {
    return this.#refusedKids.has(kid) && !this.#byKid.has(kid);
  }

  /** Candidates for a token with `kid` (or none) and `alg`; NO_KEY or ALG_MISMATCH when there are none. */
  find(kid: string | undefined, alg: string): readonly VerificationKey[] | typeof NO_KEY | typeof ALG_MISMATCH {
    const pool = kid === undefined ? this.keys : this.#byKid.get(kid);
    if (pool === undefined || pool.length === 0) return NO_KEY;
    if (pool.length === 1) return (pool[0] as VerificationKey).algs.has(alg) ? pool : ALG_MISMATCH;
    const out = pool.filter((k) => k.algs.has(alg));
    return out.length > 0 ? out : kid === undefined ? NO_KEY : ALG_MISMATCH;
  }
}
