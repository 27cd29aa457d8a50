/**
 * Validates an ID token from the token endpoint (OpenID Connect Core 1.0 §3.1.3.7): signed by a
 * key of the provider's JWKS (the same key stores, parser and signature check as access tokens:
 * asymmetric algorithms only, `jku`/`x5u`/`jwk`/`crit` refused), `iss` equal to the discovered
 * issuer, `aud` containing the client id (and `azp` equal to it when there are several
 * audiences or when present), `exp` in the future and `iat` present, and — at sign-in — the
 * `nonce` this flow sent.
 * The cheap checks run before any key lookup. Returns the claims, or a reason string.
 */
import type { KeyStore } from '../jwks/key_store.ts';
import { parseJws, type ParsedToken } from '../jws.ts';
import { verifySignature, type VerifyInput } from '../algorithms.ts';
import { ALG_MISMATCH, NO_KEY } from '../jwks/key_set.ts';
import { sameSecret } from './pkce.ts';

export interface IdTokenExpectations {
  issuer: string;
  clientId: string;
  /** The nonce sent with the authorization request; null on refresh (the provider need not repeat it). */
  nonce: string | null;
  nowMs: number;
  clockSkewSec: number;
}

/** Cheap claim checks; a reason or null. */
export function idTokenClaimsProblem(payload: Record<string, unknown>, x: IdTokenExpectations): string | null {
  if (payload['iss'] !== x.issuer) return 'id_token iss is not the provider\'s issuer';
  const aud = payload['aud'];
  const auds = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
  if (!auds.includes(x.clientId)) return 'id_token aud does not name the client';
  // §3.1.3.7 items 4-5: azp is required with several audiences, and when present must name this client.
  if ((auds.length > 1 || payload['azp'] !== undefined) && payload['azp'] !== x.clientId) return 'id_token azp is not the client';
  const exp = payload['exp'];
  const nowSec = Math.floor(x.nowMs / 1000);
  if (typeof exp !== 'number') return 'id_token has no exp';
  if (exp + x.clockSkewSec <= nowSec) return 'id_token expired';
  if (typeof payload['iat'] !== 'number') return 'id_token has no iat';
  if (x.nonce !== null) {
    const nonce = payload['nonce'];
    if (typeof nonce !== 'string' || !sameSecret(nonce, x.nonce)) return 'id_token nonce does not match this sign-in';
  }
  return null;
}

async function keysFor(store: KeyStore, parsed: ParsedToken, nowMs: number): Promise<ReturnType<NonNullable<ReturnType<KeyStore['keys']>>['find']> | string> {
  if (!store.isUsable(nowMs)) {
    await store.settled();
    if (!store.isUsable(nowMs)) {
      store.poke(nowMs);
      return 'provider keys unavailable';
    }
  }
  let found = store.keys()!.find(parsed.kid, parsed.alg);
  if (found === NO_KEY) {
    const refetch = store.refetchForMiss(parsed.kid ?? '', nowMs);
    if (refetch !== null) {
      await refetch;
      found = store.keys()?.find(parsed.kid, parsed.alg) ?? NO_KEY;
    }
  }
  return found;
}

/** Verifies `token` against `store` and `x`; resolves with its claims or the reason it is refused. */
export async function verifyIdToken(token: string, store: KeyStore, x: IdTokenExpectations): Promise<Record<string, unknown> | string> {
  const parsed = parseJws(token);
  if (typeof parsed === 'string') return `id_token ${parsed}`;
  const problem = idTokenClaimsProblem(parsed.payload, x);
  if (problem !== null) return problem;
  const found = await keysFor(store, parsed, x.nowMs);
  if (typeof found === 'string') return found;
  if (found === NO_KEY) return 'id_token kid unknown';
  if (found === ALG_MISMATCH) return 'id_token alg does not fit its key';
  for (const key of found) {
    const input = key.inputs.get(parsed.alg) as VerifyInput;
    if (verifySignature(parsed.alg, input, key.rsaBytes, parsed.signingInput, parsed.signature)) return parsed.payload;
  }
  return 'id_token signature invalid';
}
