/**
 * Turns JWKs and PEM keys into verification keys, refusing what must not verify a signature:
 * private or symmetric material, `use` other than `sig`, `key_ops` without `verify`, an `alg` that
 * does not suit the key, RSA under 2048 bits, unsupported curves.
 *
 * `inspectKey` is synchronous (node:crypto) so compile can report bad STATIC_KEYS with their path;
 * `importKey` imports through jose (importJWK / importSPKI / importX509) and keeps a KeyObject of
 * the result for the hot path (algorithms.ts).
 */
import { KeyObject, createPublicKey } from 'node:crypto';
import { importJWK, importSPKI, importX509 } from 'jose';
import { ALGORITHMS, allowedAlgorithms, verifyInputFor } from '../algorithms.js';
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];
const PUBLIC_MEMBERS = ['kty', 'crv', 'n', 'e', 'x', 'y'];
/** Checks a key without jose; returns what importKey needs, or why the key is refused. */
export function inspectKey(input) {
    if ('pem' in input) {
        if (/PRIVATE KEY/.test(input.pem))
            return 'private keys are refused: give the public key or certificate';
        let keyObject;
        try {
            keyObject = createPublicKey(input.pem);
        }
        catch {
            return 'not a PEM public key or certificate';
        }
        const algs = allowedAlgorithms(keyObject, input.alg);
        if (typeof algs === 'string')
            return algs;
        return { keyObject, algs, kid: input.kid, jwk: null, pem: input.pem };
    }
    const jwk = input.jwk;
    if (PRIVATE_MEMBERS.some((m) => m in jwk))
        return jwk['kty'] === 'oct' ? 'symmetric keys are refused' : 'private key material is refused';
    if (jwk['kty'] !== 'RSA' && jwk['kty'] !== 'EC' && jwk['kty'] !== 'OKP')
        return `kty ${String(jwk['kty'])} is not supported (RSA, EC, OKP)`;
    if (jwk['use'] !== undefined && jwk['use'] !== 'sig')
        return `use "${String(jwk['use'])}" is not "sig"`;
    const ops = jwk['key_ops'];
    if (ops !== undefined && (!Array.isArray(ops) || !ops.includes('verify')))
        return 'key_ops does not include "verify"';
    const kid = jwk['kid'];
    if (kid !== undefined && typeof kid !== 'string')
        return 'kid is not a string';
    const alg = jwk['alg'];
    if (alg !== undefined && (typeof alg !== 'string' || !Object.hasOwn(ALGORITHMS, alg)))
        return `alg ${String(alg)} is not an accepted signature algorithm`;
    const publicJwk = {};
    for (const m of PUBLIC_MEMBERS)
        if (jwk[m] !== undefined)
            publicJwk[m] = jwk[m];
    let keyObject;
    try {
        keyObject = createPublicKey({ key: publicJwk, format: 'jwk' });
    }
    catch {
        return 'invalid public key members';
    }
    const algs = allowedAlgorithms(keyObject, alg);
    if (typeof algs === 'string')
        return algs;
    return { keyObject, algs, kid, jwk: publicJwk, pem: null };
}
function summarize(keyObject, kid, algs) {
    const d = keyObject.asymmetricKeyDetails;
    return Object.freeze({
        kid: kid ?? null,
        type: keyObject.asymmetricKeyType,
        algs,
        ...(d?.modulusLength ? { bits: d.modulusLength } : {}),
        ...(d?.namedCurve ? { curve: d.namedCurve } : {}),
    });
}
/** Imports a key through jose; resolves to the key, or to the reason it is refused. */
export async function importKey(input) {
    const inspected = inspectKey(input);
    if (typeof inspected === 'string')
        return inspected;
    const importAlg = inspected.algs[0];
    let imported;
    try {
        if (inspected.jwk !== null)
            imported = await importJWK({ ...inspected.jwk, alg: importAlg }, importAlg);
        else if (/BEGIN CERTIFICATE/.test(inspected.pem ?? ''))
            imported = await importX509(inspected.pem ?? '', importAlg);
        else
            imported = await importSPKI(inspected.pem ?? '', importAlg);
    }
    catch (err) {
        return `jose refused the key: ${err.message}`;
    }
    if (imported instanceof Uint8Array)
        return 'symmetric keys are refused';
    const keyObject = KeyObject.from(imported);
    const inputs = new Map();
    for (const alg of inspected.algs)
        inputs.set(alg, verifyInputFor(keyObject, alg));
    const bits = keyObject.asymmetricKeyDetails?.modulusLength ?? 0;
    return {
        kid: inspected.kid,
        algs: new Set(inspected.algs),
        keyObject,
        inputs,
        rsaBytes: bits > 0 ? Math.ceil(bits / 8) : 0,
        summary: summarize(keyObject, inspected.kid, inspected.algs),
        active: true,
    };
}
