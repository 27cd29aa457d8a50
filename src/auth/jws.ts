/**
 * Parses a compact JWS (RFC 7515 §7.1) into its parts and applies the header rules that do not
 * depend on a key. Returns a reason string instead of throwing: a bad token is an expected value.
 *
 * Rules (docs/token-validation.md, "What is checked" 4): only the asymmetric algorithms of algorithms.ts (so `none` and
 * every HMAC are refused before a key is looked at); `jku`, `x5u` and `jwk` headers are refused
 * rather than ignored, since a token naming its own key source is an attack or a misconfigured
 * issuer; `crit` is refused whatever it lists, because Gatehouse understands no extension
 * (RFC 7515 §4.1.11 requires rejecting unknown ones, and `b64` would change the signing input).
 */
import type { AuthReason } from './types.ts';
import { ALGORITHMS } from './algorithms.ts';

export interface ParsedToken {
  readonly alg: string;
  readonly kid: string | undefined;
  readonly header: Readonly<Record<string, unknown>>;
  readonly payload: Record<string, unknown>;
  /** `base64url(header) "." base64url(payload)`: what the signature covers. */
  readonly signingInput: string;
  readonly signature: Buffer;
  /** Length of the encoded payload, for cache accounting. */
  readonly payloadChars: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** True when `s[from, to)` is non-empty base64url without padding (RFC 7515 §2). */
function isBase64url(s: string, from: number, to: number): boolean {
  if (to <= from || (to - from) % 4 === 1) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    const ok = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 95;
    if (!ok) return false;
  }
  return true;
}

function decodeJsonObject(segment: string): Record<string, unknown> | null {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(Buffer.from(segment, 'base64url')));
  } catch {
    return null;
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/**
 * RFC 9068 §4: an access token's `typ` is `at+jwt` or `application/at+jwt`. A media type, so
 * compared case-insensitively (RFC 7515 §4.1.9; RFC 9068 §2.1).
 */
export function isAccessTokenType(typ: unknown): boolean {
  if (typeof typ !== 'string' || (typ.length !== 6 && typ.length !== 18)) return false;
  const t = typ.toLowerCase();
  return t === 'at+jwt' || t === 'application/at+jwt';
}

/** Parses `token`; returns the parts, or the reason it is refused. */
export function parseJws(token: string): ParsedToken | AuthReason {
  const dot1 = token.indexOf('.');
  const dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
  if (dot2 < 0 || token.indexOf('.', dot2 + 1) >= 0) return 'token_malformed';
  if (!isBase64url(token, 0, dot1) || !isBase64url(token, dot1 + 1, dot2) || !isBase64url(token, dot2 + 1, token.length)) {
    return 'token_malformed';
  }
  const header = decodeJsonObject(token.slice(0, dot1));
  if (header === null) return 'token_malformed';
  const alg = header['alg'];
  if (typeof alg !== 'string' || alg === '') return 'token_malformed';
  if (!Object.hasOwn(ALGORITHMS, alg)) return 'alg_not_allowed';
  if ('jku' in header || 'x5u' in header || 'jwk' in header) return 'header_forbidden';
  if ('crit' in header) return 'crit_unsupported';
  const kid = header['kid'];
  if (kid !== undefined && typeof kid !== 'string') return 'token_malformed';
  const payload = decodeJsonObject(token.slice(dot1 + 1, dot2));
  if (payload === null) return 'token_malformed';
  return {
    alg,
    kid,
    header,
    payload,
    signingInput: token.slice(0, dot2),
    signature: Buffer.from(token.slice(dot2 + 1), 'base64url'),
    payloadChars: dot2 - dot1 - 1,
  };
}
