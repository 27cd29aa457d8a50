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

/**
 * Three non-empty base64url parts (RFC 7515 §2: no padding) joined by two dots. One regular
 * expression over the whole token: a character loop in JavaScript cost four times as much (issue 16),
 * and the classes exclude the dot, so matching is linear.
 */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** A base64url part of `length` characters can encode whole bytes (a remainder of 1 cannot). */
function wholeBytes(length: number): boolean {
  return length % 4 !== 1;
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
  if (!COMPACT_JWS.test(token)) return 'token_malformed';
  const dot1 = token.indexOf('.');
  const dot2 = token.indexOf('.', dot1 + 1);
  if (!wholeBytes(dot1) || !wholeBytes(dot2 - dot1 - 1) || !wholeBytes(token.length - dot2 - 1)) return 'token_malformed';
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
