/** Largest request body accepted by the token endpoint and the management API. */
export const MAX_BODY_BYTES = 64 * 1024;
/** Reads the body; resolves null when it exceeds `limit` bytes (the rest is drained, not buffered). */
export function readBody(req, limit = MAX_BODY_BYTES) {
    return new Promise((ok, fail) => {
        const declared = Number(req.headers['content-length'] ?? 0);
        if (declared > limit) {
            req.resume();
            ok(null);
            return;
        }
        const chunks = [];
        let size = 0;
        let tooLarge = false;
        req.on('data', (c) => {
            size += c.length;
            if (size > limit)
                tooLarge = true;
            if (!tooLarge)
                chunks.push(c);
        });
        req.on('end', () => ok(tooLarge ? null : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
        req.on('error', fail);
    });
}
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };
/** Writes a JSON answer; token responses must not be cached (RFC 6749 §5.1). */
export function sendJson(res, status, value, headers = NO_STORE) {
    const body = JSON.stringify(value);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
    res.end(body);
}
