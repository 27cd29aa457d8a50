import { parseJws } from '../jws.js';
import { verifySignature } from '../algorithms.js';
import { ALG_MISMATCH, NO_KEY } from '../jwks/key_set.js';
import { sameSecret } from './pkce.js';
/** Cheap claim checks; a reason or null. */
export function idTokenClaimsProblem(payload, x) {
    if (payload['iss'] !== x.issuer)
        return 'id_token iss is not the provider\'s issuer';
    const aud = payload['aud'];
    const auds = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
    if (!auds.includes(x.clientId))
        return 'id_token aud does not name the client';
    // §3.1.3.7 items 4-5: azp is required with several audiences, and when present must name this client.
    if ((auds.length > 1 || payload['azp'] !== undefined) && payload['azp'] !== x.clientId)
        return 'id_token azp is not the client';
    const exp = payload['exp'];
    const nowSec = Math.floor(x.nowMs / 1000);
    if (typeof exp !== 'number')
        return 'id_token has no exp';
    if (exp + x.clockSkewSec <= nowSec)
        return 'id_token expired';
    if (typeof payload['iat'] !== 'number')
        return 'id_token has no iat';
    if (x.nonce !== null) {
        const nonce = payload['nonce'];
        if (typeof nonce !== 'string' || !sameSecret(nonce, x.nonce))
            return 'id_token nonce does not match this sign-in';
    }
    return null;
}
async function keysFor(store, parsed, nowMs) {
    if (!store.isUsable(nowMs)) {
        await store.settled();
        if (!store.isUsable(nowMs)) {
            store.poke(nowMs);
            return 'provider keys unavailable';
        }
    }
    let found = store.keys().find(parsed.kid, parsed.alg);
    if (found === NO_KEY) {
        const refetch = store.refetchForMiss(parsed.kid ?? '', nowMs);
        if (refetch !== null) {
            await refetch;
            found = store.keys()?.find(parsed.kid, parsed.alg) ?? NO_KEY;
        }
    }
    return found;
}
/** Verifies `token` against `store` and `x`; resolves with its claims or the reason it is refused. */
export async function verifyIdToken(token, store, x) {
    const parsed = parseJws(token);
    if (typeof parsed === 'string')
        return `id_token ${parsed}`;
    const problem = idTokenClaimsProblem(parsed.payload, x);
    if (problem !== null)
        return problem;
    const found = await keysFor(store, parsed, x.nowMs);
    if (typeof found === 'string')
        return found;
    if (found === NO_KEY)
        return 'id_token kid unknown';
    if (found === ALG_MISMATCH)
        return 'id_token alg does not fit its key';
    for (const key of found) {
        const input = key.inputs.get(parsed.alg);
        if (verifySignature(parsed.alg, input, key.rsaBytes, parsed.signingInput, parsed.signature))
            return parsed.payload;
    }
    return 'id_token signature invalid';
}
