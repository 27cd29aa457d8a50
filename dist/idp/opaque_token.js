/**
 * Opaque access tokens (`tokenDialect: opaque`, an extension: Auth0 has no such API setting). The
 * token carries its claims sealed with AES-256-GCM, so a resource server cannot read it and must
 * ask the token service (RFC 7662 introspection) — the flow OCI's REMOTE_DISCOVERY with
 * `clientDetails` is built for. Nothing is stored per token: every instance sharing the token
 * service's database derives the same key from the signing key that sealed it, so any of them can
 * introspect, and revoking that signing key ends its opaque tokens as it ends its JWTs.
 *
 * Format: `<kid>.<base64url(iv ‖ ciphertext ‖ tag)>`, the kid as additional data. One dot, so a
 * JWT policy refuses it as malformed instead of trying to verify it.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const INFO = 'gatehouse opaque access token v1';
/** Opaque tokens are short: a longer string is refused before any decoding. */
const MAX_TOKEN_CHARS = 4096;
const derived = new WeakMap();
/** The AES key sealing opaque tokens under signing key `k` (HKDF-SHA256 over its private key, salted with its kid). */
function sealingKey(k) {
    let key = derived.get(k);
    if (key === undefined) {
        key = Buffer.from(hkdfSync('sha256', k.privateKey, k.kid, INFO, 32));
        derived.set(k, key);
    }
    return key;
}
/** Seals `claims` under the current signing key of the API's algorithm family; null when there is none. */
export function sealOpaqueToken(snap, alg, claims) {
    const kid = snap.signers.get(alg)?.kid;
    const record = kid === undefined ? undefined : snap.keys.find((k) => k.kid === kid);
    if (record === undefined)
        return null;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', sealingKey(record), iv);
    cipher.setAAD(Buffer.from(record.kid));
    const body = Buffer.concat([iv, cipher.update(JSON.stringify(claims), 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${record.kid}.${body.toString('base64url')}`;
}
/**
 * The claims inside an opaque token this provider sealed with a key it still publishes (not
 * revoked); null for anything else (another format, a revoked or unknown key, a tampered body).
 * Expiry is the caller's check.
 */
export function openOpaqueToken(snap, token) {
    if (token.length > MAX_TOKEN_CHARS)
        return null;
    const dot = token.indexOf('.');
    if (dot <= 0 || token.indexOf('.', dot + 1) !== -1)
        return null;
    const kid = token.slice(0, dot);
    const record = snap.keys.find((k) => k.kid === kid && k.state !== 'revoked');
    if (record === undefined)
        return null;
    const body = Buffer.from(token.slice(dot + 1), 'base64url');
    if (body.length <= IV_BYTES + TAG_BYTES)
        return null;
    try {
        const decipher = createDecipheriv('aes-256-gcm', sealingKey(record), body.subarray(0, IV_BYTES));
        decipher.setAAD(Buffer.from(kid));
        decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
        const plain = Buffer.concat([decipher.update(body.subarray(IV_BYTES, body.length - TAG_BYTES)), decipher.final()]);
        const claims = JSON.parse(plain.toString('utf8'));
        return typeof claims === 'object' && claims !== null && !Array.isArray(claims) ? claims : null;
    }
    catch {
        return null; // tampered, truncated or sealed by another provider
    }
}
