/**
 * The random values of an authorization-code flow: `state` (CSRF, RFC 6749 §10.12), `nonce`
 * (OpenID Connect Core §3.1.2.1, binds the ID token to this sign-in) and the PKCE verifier with its
 * S256 challenge (RFC 7636 §4.1-4.2). 32 random bytes each, base64url: 256 bits, beyond guessing.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
/** 32 random bytes, base64url (43 characters): a state, a nonce, a PKCE verifier or a session id. */
export function randomToken() {
    return randomBytes(32).toString('base64url');
}
/** RFC 7636 §4.2: `BASE64URL(SHA256(ASCII(code_verifier)))`. */
export function s256Challenge(verifier) {
    return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}
/** Compares two secrets in time independent of where they differ. */
export function sameSecret(a, b) {
    const x = Buffer.from(a, 'utf8');
    const y = Buffer.from(b, 'utf8');
    return x.length === y.length && timingSafeEqual(x, y);
}
