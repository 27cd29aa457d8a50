/**
 * A minimal self-signed X.509 v3 certificate for each signing key, published as the JWK's `x5c`
 * (Auth0 publishes one per key). Node can parse certificates but not make them, and
 * no trusted dependency here does; the DER below covers exactly the one certificate shape we need
 * (RFC 5280 §4.1) and tests parse the result with node:crypto's X509Certificate.
 */
import { createHash, createPublicKey, randomBytes, sign } from 'node:crypto';
function len(n) {
    if (n < 0x80)
        return Buffer.from([n]);
    const bytes = [];
    for (let v = n; v > 0; v >>= 8)
        bytes.unshift(v & 0xff);
    return Buffer.from([0x80 | bytes.length, ...bytes]);
}
function tlv(tag, body) {
    return Buffer.concat([Buffer.from([tag]), len(body.length), body]);
}
const seq = (...items) => tlv(0x30, Buffer.concat(items));
const set = (...items) => tlv(0x31, Buffer.concat(items));
function oid(dotted) {
    const parts = dotted.split('.').map(Number);
    const out = [40 * (parts[0] ?? 0) + (parts[1] ?? 0)];
    for (const p of parts.slice(2)) {
        const chunk = [p & 0x7f];
        for (let v = p >>> 7; v > 0; v >>>= 7)
            chunk.unshift((v & 0x7f) | 0x80);
        out.push(...chunk);
    }
    return tlv(0x06, Buffer.from(out));
}
function integer(bytes) {
    let b = bytes;
    while (b.length > 1 && b[0] === 0 && ((b[1] ?? 0) & 0x80) === 0)
        b = b.subarray(1);
    if (((b[0] ?? 0) & 0x80) !== 0)
        b = Buffer.concat([Buffer.from([0]), b]);
    return tlv(0x02, b);
}
function time(d) {
    const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
    // RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime after.
    return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(iso.slice(2), 'ascii')) : tlv(0x18, Buffer.from(iso, 'ascii'));
}
const name = (cn) => seq(set(seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(cn, 'utf8')))));
function signatureSpec(key) {
    switch (key.asymmetricKeyType) {
        case 'rsa':
            return { algorithm: seq(oid('1.2.840.113549.1.1.11'), tlv(0x05, Buffer.alloc(0))), digest: 'sha256' };
        case 'ec':
            return { algorithm: seq(oid('1.2.840.10045.4.3.2')), digest: 'sha256' };
        case 'ed25519':
            return { algorithm: seq(oid('1.3.101.112')), digest: null };
        default:
            throw new Error(`no certificate support for ${String(key.asymmetricKeyType)} keys`);
    }
}
/** Makes a self-signed certificate for `privateKey`; returns its DER. Valid `validDays` from `now`. */
export function selfSignedCertificate(privateKey, commonName, now, validDays = 3650) {
    const spec = signatureSpec(privateKey);
    const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
    const notAfter = new Date(now.getTime() + validDays * 86_400_000);
    const serial = randomBytes(16);
    serial[0] = (serial[0] ?? 0) & 0x7f;
    const tbs = seq(tlv(0xa0, integer(Buffer.from([2]))), // version v3
    integer(serial), spec.algorithm, name(commonName), seq(time(now), time(notAfter)), name(commonName), spki);
    const signature = sign(spec.digest, tbs, privateKey);
    return seq(tbs, spec.algorithm, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
}
/** `x5t`: base64url SHA-1 of the DER certificate (RFC 7517 §4.8). */
export function certThumbprint(der) {
    return createHash('sha1').update(der).digest('base64url');
}
