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
/** Lower-case names of the headers only the gateway may set. */
export const GATEWAY_OWNED = new Set([CLAIMS_HEADER.toLowerCase(), 'x-forwarded-proto', 'x-forwarded-host']);
