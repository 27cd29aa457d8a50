/**
 * The JWS algorithms Gatehouse accepts, and the signature check on the hot path.
 *
 * Only asymmetric algorithms exist here, so `none` and HMAC-with-a-public-key cannot be expressed
 * (docs/token-validation.md). Which algorithms a key may verify is decided by the key (its type, curve and JWK
 * `alg`), never by the token's header alone: see `allowedAlgorithms`.
 *
 * Why node:crypto and not jose here: jose's `jwtVerify` goes through WebCrypto, about 2.5× the cost
 * of `crypto.verify` on a cached KeyObject (docs/token-validation.md, "Performance"). Keys are still imported by jose
 * (jwks/key_import.ts) and every check jose makes is kept; test/auth/jose_parity.test.ts runs both
 * on the same tokens.
 */
import { constants, verify } from 'node:crypto';
export const ALGORITHMS = Object.freeze({
    RS256: { family: 'RS', hash: 'sha256', hashBytes: 32 },
    RS384: { family: 'RS', hash: 'sha384', hashBytes: 48 },
    RS512: { family: 'RS', hash: 'sha512', hashBytes: 64 },
    PS256: { family: 'PS', hash: 'sha256', hashBytes: 32 },
    PS384: { family: 'PS', hash: 'sha384', hashBytes: 48 },
    PS512: { family: 'PS', hash: 'sha512', hashBytes: 64 },
    ES256: { family: 'ES', hash: 'sha256', hashBytes: 32, curve: 'prime256v1', signatureBytes: 64 },
    ES384: { family: 'ES', hash: 'sha384', hashBytes: 48, curve: 'secp384r1', signatureBytes: 96 },
    ES512: { family: 'ES', hash: 'sha512', hashBytes: 64, curve: 'secp521r1', signatureBytes: 132 },
    EdDSA: { family: 'EdDSA', hash: null, hashBytes: 0 },
    Ed25519: { family: 'EdDSA', hash: null, hashBytes: 0 },
});
/** Smallest RSA modulus accepted, in bits (RFC 7518 §3.3; jose and OCI agree). */
export const MIN_RSA_BITS = 2048;
const RSA_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
const PSS_ALGS = ['PS256', 'PS384', 'PS512'];
/**
 * Algorithms `key` may verify. With a JWK `alg`, exactly that one (if it suits the key); else every
 * algorithm of the key's family. Returns a problem string for keys that cannot be used at all.
 */
export function allowedAlgorithms(key, jwkAlg) {
    const type = key.asymmetricKeyType;
    let algs;
    if (type === 'rsa' || type === 'rsa-pss') {
        const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
        if (bits < MIN_RSA_BITS)
            return `RSA key of ${bits} bits is too small (at least ${MIN_RSA_BITS})`;
        algs = type === 'rsa' ? RSA_ALGS : PSS_ALGS;
    }
    else if (type === 'ec') {
        const curve = key.asymmetricKeyDetails?.namedCurve;
        const alg = Object.keys(ALGORITHMS).find((a) => ALGORITHMS[a]?.curve === curve);
        if (alg === undefined)
            return `EC curve ${String(curve)} is not supported (P-256, P-384, P-521)`;
        algs = [alg];
    }
    else if (type === 'ed25519') {
        algs = ['EdDSA', 'Ed25519'];
    }
    else if (type === 'ed448') {
        algs = ['EdDSA'];
    }
    else {
        return `key type ${String(type)} cannot verify JWS signatures`;
    }
    if (jwkAlg === undefined)
        return algs;
    if (!algs.includes(jwkAlg))
        return `alg ${jwkAlg} does not suit this ${type} key`;
    return [jwkAlg];
}
export function verifyInputFor(key, alg) {
    const spec = ALGORITHMS[alg];
    if (spec?.family === 'PS')
        return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: spec.hashBytes };
    if (spec?.family === 'ES')
        return { key, dsaEncoding: 'ieee-p1363' };
    return key;
}
/**
 * Checks `signature` over `signingInput` (ASCII). `rsaBytes` is the modulus length in bytes (0 for
 * other keys): RSA signatures must have exactly that length, EC ones the raw r‖s length, as
 * WebCrypto demands, so both paths refuse the same malformed signatures.
 */
export function verifySignature(alg, input, rsaBytes, signingInput, signature) {
    const spec = ALGORITHMS[alg];
    if (spec === undefined)
        return false;
    if ((spec.family === 'RS' || spec.family === 'PS') && signature.length !== rsaBytes)
        return false;
    if (spec.family === 'ES' && signature.length !== spec.signatureBytes)
        return false;
    try {
        return verify(spec.hash, Buffer.from(signingInput, 'latin1'), input, signature);
    }
    catch {
        return false;
    }
}
