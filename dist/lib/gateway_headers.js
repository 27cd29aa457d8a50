/**
 * Request headers the gateway owns: it sets them itself on the way to a backend, so a copy sent by
 * the client is never forwarded, whatever the backend (HTTP proxy or function call). Otherwise a
 * client could send `X-Gatehouse-Claims: {"sub":"admin"}` to a route and the backend, which trusts
 * the gateway to have verified them, would read forged claims (issue #11).
 *
 * `X-Forwarded-For` is not here: it is a chain, and the gateway appends the client's address to
 * what came before (backends/http.ts).
 */
/** The header that carries the verified token's claims to a backend, as JSON (a Gatehouse extension). */
export const CLAIMS_HEADER = 'X-Gatehouse-Claims';
/** Names of the cookies browser sign-in sets (`gatehouse_<deployment>`, its chunks and `_txn`). */
export const GATEWAY_COOKIE_PREFIX = 'gatehouse_';
/**
 * A `Cookie` header value without the gateway's own cookies: a backend never sees a sealed
 * session, which it could otherwise replay at the gateway as that user (the cookie has `Path=/`, so
 * the browser sends it to every deployment on the host). The value itself when it holds none (one
 * `includes`), null when nothing is left.
 */
export function withoutGatewayCookies(value) {
    if (!value.includes(GATEWAY_COOKIE_PREFIX))
        return value;
    const kept = [];
    for (const part of value.split(';')) {
        const p = part.trim();
        if (p !== '' && !p.startsWith(GATEWAY_COOKIE_PREFIX))
            kept.push(p);
    }
    return kept.length === 0 ? null : kept.join('; ');
}
/** Lower-case names of the headers only the gateway may set. */
export const GATEWAY_OWNED = new Set([CLAIMS_HEADER.toLowerCase(), 'x-forwarded-proto', 'x-forwarded-host']);
