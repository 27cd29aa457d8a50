/**
 * Sealed cookies for browser sign-in (issue 17): the session the gateway keeps for a signed-in
 * browser and the short-lived record of a sign-in in progress. Both are JSON sealed with
 * AES-256-GCM (node:crypto): encrypted, so the tokens inside are not readable by the browser or a
 * proxy log, and authenticated, so a modified or forged cookie is refused. The purpose
 * ("session", "txn") is the GCM additional data, so one kind can never be replayed as the other.
 *
 * Keys rotate without signing every user out at once: the first key of the ring seals; every key
 * opens, an old one until its grace period ends. A sealed value names no key (a short id would
 * leak nothing, but trying the two or three keys of a ring costs a few microseconds).
 *
 * Browsers keep about 4 KB per cookie, and ID tokens with many groups are larger: a value above
 * CHUNK_CHARS is split into `name.0`, `name.1`, ... and joined back on read, up to MAX_CHUNKS.
 *
 * Lives in lib/ because the OAUTH2 policy (auth/) and the login and logout backends (backends/)
 * both read and write these cookies, and backends may not import auth. Nothing here logs.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Longest value kept in one cookie, in characters: browsers allow ~4096 bytes for name, value and attributes together. */
export const CHUNK_CHARS = 3800;
/**
 * Most chunks of one cookie: beyond this the value is refused (a session that large is a
 * misconfiguration). 3 × CHUNK_CHARS leaves room in the default 16 KB request head for a sign-in
 * cookie and the browser's other headers; more, and every request of that browser would get 431.
 */
export const MAX_CHUNKS = 3;
/** Derives the AES-256 key from a configured secret of any length (RFC 5869 HKDF-SHA-256). */
export function deriveKey(secret) {
    return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), 'gatehouse session cookie v1', 32));
}
/**
 * The keys of one sign-in policy: keys[0] seals; every key whose grace has not ended opens.
 */
export class KeyRing {
    #keys;
    #clock;
    /** Names the ring (its keys and their ends), not the keys: what a cache of opened values is tied to. */
    id;
    constructor(keys, clock) {
        if (keys.length === 0)
            throw new Error('a key ring needs a key');
        this.#keys = keys;
        this.#clock = clock;
        const h = createHash('sha256');
        for (const k of keys)
            h.update(k.key).update(String(k.openUntilMs));
        this.id = h.digest('base64url');
    }
    /** Seals `value` (JSON) for `purpose`: base64url(iv | ciphertext | tag). */
    seal(purpose, value) {
        const iv = randomBytes(IV_BYTES);
        const cipher = createCipheriv('aes-256-gcm', this.#keys[0].key, iv);
        cipher.setAAD(Buffer.from(purpose, 'utf8'));
        const ct = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
        return Buffer.concat([iv, ct, cipher.getAuthTag()]).toString('base64url');
    }
    /** Opens a sealed value for `purpose`; null when it is malformed, forged, or sealed under no key still open. */
    open(purpose, sealed) {
        if (!/^[A-Za-z0-9_-]+$/.test(sealed))
            return null;
        const raw = Buffer.from(sealed, 'base64url');
        if (raw.length < IV_BYTES + TAG_BYTES + 1)
            return null;
        const iv = raw.subarray(0, IV_BYTES);
        const tag = raw.subarray(raw.length - TAG_BYTES);
        const ct = raw.subarray(IV_BYTES, raw.length - TAG_BYTES);
        const aad = Buffer.from(purpose, 'utf8');
        const nowMs = this.#clock.nowMs();
        for (const k of this.#keys) {
            if (k.openUntilMs !== null && nowMs > k.openUntilMs)
                continue;
            try {
                const d = createDecipheriv('aes-256-gcm', k.key, iv);
                d.setAAD(aad);
                d.setAuthTag(tag);
                const text = Buffer.concat([d.update(ct), d.final()]).toString('utf8');
                return JSON.parse(text);
            }
            catch {
                // Not this key (or forged): try the next one.
            }
        }
        return null;
    }
}
/** Cookie name → value, from a request's Cookie header (RFC 6265 §5.4); the first of duplicate names wins. */
export function parseCookies(header) {
    const out = new Map();
    if (header === undefined || header === '')
        return out;
    for (const part of header.split(';')) {
        const eq = part.indexOf('=');
        if (eq <= 0)
            continue;
        const name = part.slice(0, eq).trim();
        let value = part.slice(eq + 1).trim();
        if (value.length >= 2 && value.startsWith('"') && value.endsWith('"'))
            value = value.slice(1, -1);
        if (name !== '' && !out.has(name))
            out.set(name, value);
    }
    return out;
}
/** One `Set-Cookie` value: `HttpOnly; Path=/; SameSite=Lax` always (Lax: the provider's redirect back is a top-level GET, which carries it). */
export function setCookie(name, value, attrs) {
    return `${name}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${Math.max(0, Math.floor(attrs.maxAgeSec))}${attrs.secure ? '; Secure' : ''}`;
}
/** The cookie `name` as sent: whole, or joined from `name.0`, `name.1`, ...; null when absent or incomplete. */
export function readChunked(cookies, name) {
    const whole = cookies.get(name);
    if (whole !== undefined)
        return whole;
    let out = '';
    for (let i = 0; i < MAX_CHUNKS; i++) {
        const part = cookies.get(`${name}.${i}`);
        if (part === undefined)
            break;
        out += part;
    }
    return out === '' ? null : out;
}
/**
 * The `Set-Cookie` values that store `value` under `name` (split into chunks above CHUNK_CHARS), and
 * delete whatever other pieces of `name` the browser sent. Null when the value needs more than
 * MAX_CHUNKS chunks.
 */
export function writeChunked(cookies, name, value, attrs) {
    const out = [];
    const written = new Set();
    if (value.length <= CHUNK_CHARS) {
        out.push(setCookie(name, value, attrs));
        written.add(name);
    }
    else {
        const n = Math.ceil(value.length / CHUNK_CHARS);
        if (n > MAX_CHUNKS)
            return null;
        for (let i = 0; i < n; i++) {
            out.push(setCookie(`${name}.${i}`, value.slice(i * CHUNK_CHARS, (i + 1) * CHUNK_CHARS), attrs));
            written.add(`${name}.${i}`);
        }
    }
    for (const stale of piecesOf(cookies, name))
        if (!written.has(stale))
            out.push(setCookie(stale, '', { secure: attrs.secure, maxAgeSec: 0 }));
    return out;
}
/** `Set-Cookie` values deleting every piece of `name` the browser sent. */
export function clearChunked(cookies, name, secure) {
    return piecesOf(cookies, name).map((n) => setCookie(n, '', { secure, maxAgeSec: 0 }));
}
function piecesOf(cookies, name) {
    const out = [];
    if (cookies.has(name))
        out.push(name);
    for (let i = 0; i < MAX_CHUNKS; i++)
        if (cookies.has(`${name}.${i}`))
            out.push(`${name}.${i}`);
    return out;
}
