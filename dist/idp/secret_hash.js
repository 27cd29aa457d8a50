/**
 * Client secrets at rest: scrypt with a random salt, so a copied database does not hand out working
 * secrets. scrypt is slow on purpose (~50 ms), too slow for every token request, so a verified
 * secret's SHA-256 is remembered per client (and per stored hash, so a rotated secret is checked
 * afresh); a repeat request costs one SHA-256 and one constant-time compare. Wrong secrets always
 * pay the full scrypt.
 */
import { createHash, randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
const N = 16384;
const R = 8;
const P = 1;
const KEY_BYTES = 32;
/** Hashes a secret for storage: `scrypt$N$r$p$<salt b64>$<hash b64>`. */
export function hashSecret(secret) {
    const salt = randomBytes(16);
    const hash = scryptSync(secret, salt, KEY_BYTES, { N, r: R, p: P });
    return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${hash.toString('base64')}`;
}
function scryptAsync(secret, salt, bytes, cost) {
    return new Promise((ok, fail) => scrypt(secret, salt, bytes, { ...cost, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? fail(err) : ok(key))));
}
/** Checks `secret` against a stored hash, in constant time. Unknown formats never match. */
export async function verifySecret(secret, stored) {
    const parts = stored.split('$');
    if (parts.length !== 6 || parts[0] !== 'scrypt')
        return false;
    const expected = Buffer.from(parts[5] ?? '', 'base64');
    const actual = await scryptAsync(secret, Buffer.from(parts[4] ?? '', 'base64'), expected.length, {
        N: Number(parts[1]),
        r: Number(parts[2]),
        p: Number(parts[3]),
    });
    return actual.length === expected.length && timingSafeEqual(actual, expected);
}
/**
 * Verifies client secrets, remembering each client's last verified secret (see the file header).
 * scrypt runs on libuv's thread pool, which signing shares: at most `maxSlow` checks run at once
 * and `maxWaiting` wait, so a flood of wrong secrets cannot starve token signing.
 */
export class SecretVerifier {
    #verified = new Map();
    #maxSlow;
    #maxWaiting;
    #running = 0;
    #waiting = [];
    constructor(opts = {}) {
        this.#maxSlow = opts.maxSlow ?? 2;
        this.#maxWaiting = opts.maxWaiting ?? 64;
    }
    async verify(clientId, secret, stored) {
        const digest = createHash('sha256').update(secret).digest();
        const known = this.#verified.get(clientId);
        if (known !== undefined && known.stored === stored && timingSafeEqual(known.digest, digest))
            return true;
        if (this.#running >= this.#maxSlow) {
            if (this.#waiting.length >= this.#maxWaiting)
                return 'busy';
            await new Promise((go) => this.#waiting.push(go));
        }
        this.#running++;
        try {
            const ok = await verifySecret(secret, stored);
            if (ok)
                this.#verified.set(clientId, { stored, digest });
            return ok;
        }
        finally {
            this.#running--;
            this.#waiting.shift()?.();
        }
    }
    /** Forgets a client (deleted, or its secret rotated). */
    forget(clientId) {
        this.#verified.delete(clientId);
    }
}
/** A new client secret: 48 random bytes, base64url (64 characters, like Auth0's). */
export function generateSecret() {
    return randomBytes(48).toString('base64url');
}
/** A new client id: 32 characters of [A-Za-z0-9], like Auth0's. */
export function generateClientId() {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    const bytes = randomBytes(32);
    let out = '';
    for (const b of bytes)
        out += alphabet[b % alphabet.length];
    return out;
}
