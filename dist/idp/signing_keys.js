/**
 * Signing keys with Auth0's rotation semantics (docs/token-service.md), one family per algorithm (a JWK
 * names one `alg`, and verifiers such as jose match on it, so PS256 cannot share RS256's key):
 *
 *   rotate:  next ──▶ current ──▶ previous        (and a fresh next)
 *   revoke:  previous ──▶ revoked                 (current and next cannot be revoked)
 *
 * Current, next and every unrevoked previous key are published in the JWKS; only current signs.
 * These functions are pure over KeyRecord lists: the caller persists what they return.
 */
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import { certThumbprint as thumbprintOf, selfSignedCertificate } from './x509.js';
function newKeyPair(alg) {
    switch (alg) {
        case 'RS256':
        case 'PS256':
            return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
        case 'ES256':
            return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
        case 'EdDSA':
            return generateKeyPairSync('ed25519').privateKey;
    }
}
/** Public JWK members of a private key, in a fixed order (no private members by construction). */
function publicMembers(key) {
    const jwk = key.export({ format: 'jwk' });
    if (jwk.kty === 'RSA')
        return { kty: 'RSA', n: String(jwk.n), e: String(jwk.e) };
    return { kty: String(jwk.kty), crv: String(jwk.crv), x: String(jwk.x), ...(jwk.y === undefined ? {} : { y: String(jwk.y) }) };
}
/** Generates a key of `alg` in `state`; `kid` is its RFC 7638 thumbprint. */
export async function generateSigningKey(alg, state, now, commonName) {
    const privateKey = newKeyPair(alg);
    const publicJwk = publicMembers(privateKey);
    const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
    const iso = now.toISOString();
    return {
        kid,
        alg,
        state,
        privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
        publicJwk,
        certDer: selfSignedCertificate(privateKey, commonName, now).toString('base64'),
        createdAt: iso,
        currentSince: state === 'current' ? iso : null,
        currentUntil: null,
        revokedAt: null,
    };
}
/** Keys to add so that `alg` has a current and a next key (first use of an algorithm). */
export async function ensureFamily(keys, alg, now, commonName) {
    const added = [];
    if (!keys.some((k) => k.alg === alg && k.state === 'current'))
        added.push(await generateSigningKey(alg, 'current', now, commonName));
    if (!keys.some((k) => k.alg === alg && k.state === 'next'))
        added.push(await generateSigningKey(alg, 'next', now, commonName));
    return added;
}
/** Rotates every family (or only `only`): returns the changed and the new records. */
export async function rotateKeys(keys, now, commonName, only) {
    const iso = now.toISOString();
    const families = new Set(keys.filter((k) => k.state !== 'revoked').map((k) => k.alg));
    if (only !== undefined) {
        families.clear();
        families.add(only);
    }
    const out = [];
    for (const alg of families) {
        const current = keys.find((k) => k.alg === alg && k.state === 'current');
        const next = keys.find((k) => k.alg === alg && k.state === 'next');
        if (current !== undefined)
            out.push({ ...current, state: 'previous', currentUntil: iso });
        if (next !== undefined)
            out.push({ ...next, state: 'current', currentSince: iso });
        else
            out.push(await generateSigningKey(alg, 'current', now, commonName));
        out.push(await generateSigningKey(alg, 'next', now, commonName));
    }
    return out;
}
/** Revokes a previous key; current and next keys cannot be revoked (rotate first), as in Auth0. */
export function revokeKey(keys, kid, now) {
    const key = keys.find((k) => k.kid === kid);
    if (key === undefined)
        return { ok: false, reason: 'not_found' };
    if (key.state === 'revoked')
        return { ok: true, key };
    if (key.state !== 'previous')
        return { ok: false, reason: 'not_previous' };
    return { ok: true, key: { ...key, state: 'revoked', revokedAt: now.toISOString() } };
}
const STATE_ORDER = { current: 0, next: 1, previous: 2, revoked: 3 };
const ALG_ORDER = { RS256: 0, PS256: 1, ES256: 2, EdDSA: 3 };
/** The keys a JWKS publishes: current, next, then unrevoked previous keys (newest first). */
export function publishedKeys(keys) {
    return keys
        .filter((k) => k.state !== 'revoked')
        .sort((a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state] || ALG_ORDER[a.alg] - ALG_ORDER[b.alg] || (b.currentUntil ?? '').localeCompare(a.currentUntil ?? ''));
}
/** The published JWK of a key: Auth0's members (`alg`, `kty`, `use`, key, `kid`, `x5t`, `x5c`). */
export function toPublicJwk(key) {
    const der = Buffer.from(key.certDer, 'base64');
    return { alg: key.alg, use: 'sig', ...key.publicJwk, kid: key.kid, x5t: thumbprintOf(der), x5c: [key.certDer] };
}
/** Imports a record's private key (done once per key, when the key ring is built). */
export function importPrivateKey(key) {
    return createPrivateKey(key.privateKey);
}
