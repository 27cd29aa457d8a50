import { ALGORITHMS } from './algorithms.js';
const utf8 = new TextDecoder('utf-8', { fatal: true });
/**
 * Three non-empty base64url parts (RFC 7515 §2: no padding) joined by two dots. One regular
 * expression over the whole token: a character loop in JavaScript cost four times as much (issue 16),
 * and the classes exclude the dot, so matching is linear.
 */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
/** A base64url part of `length` characters can encode whole bytes (a remainder of 1 cannot). */
function wholeBytes(length) {
    return length % 4 !== 1;
}
function decodeJsonObject(segment) {
    let value;
    try {
        value = JSON.parse(utf8.decode(Buffer.from(segment, 'base64url')));
    }
    catch {
        return null;
    }
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : null;
}
/**
 * RFC 9068 §4: an access token's `typ` is `at+jwt` or `application/at+jwt`. A media type, so
 * compared case-insensitively (RFC 7515 §4.1.9; RFC 9068 §2.1).
 */
export function isAccessTokenType(typ) {
    if (typeof typ !== 'string' || (typ.length !== 6 && typ.length !== 18))
        return false;
    const t = typ.toLowerCase();
    return t === 'at+jwt' || t === 'application/at+jwt';
}
/** Parses `token`; returns the parts, or the reason it is refused. */
export function parseJws(token) {
    if (!COMPACT_JWS.test(token))
        return 'token_malformed';
    const dot1 = token.indexOf('.');
    const dot2 = token.indexOf('.', dot1 + 1);
    if (!wholeBytes(dot1) || !wholeBytes(dot2 - dot1 - 1) || !wholeBytes(token.length - dot2 - 1))
        return 'token_malformed';
    const header = decodeJsonObject(token.slice(0, dot1));
    if (header === null)
        return 'token_malformed';
    const alg = header['alg'];
    if (typeof alg !== 'string' || alg === '')
        return 'token_malformed';
    if (!Object.hasOwn(ALGORITHMS, alg))
        return 'alg_not_allowed';
    if ('jku' in header || 'x5u' in header || 'jwk' in header)
        return 'header_forbidden';
    if ('crit' in header)
        return 'crit_unsupported';
    const kid = header['kid'];
    if (kid !== undefined && typeof kid !== 'string')
        return 'token_malformed';
    const payload = decodeJsonObject(token.slice(dot1 + 1, dot2));
    if (payload === null)
        return 'token_malformed';
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
