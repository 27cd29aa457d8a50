/** Thrown by `limitedBody` once the body exceeds its limit. */
export class BodyTooLarge extends Error {
    constructor(maxBytes) {
        super(`body over ${maxBytes} bytes`);
    }
}
const EMPTY = Buffer.alloc(0);
/** True when the request carries a body (a non-zero Content-Length, or Transfer-Encoding). */
export function requestHasBody(req) {
    const length = req.headers['content-length'];
    return length !== undefined ? Number(length) > 0 : req.headers['transfer-encoding'] !== undefined;
}
/**
 * Yields `stream`'s chunks and throws `BodyTooLarge` once more than `maxBytes` have arrived. A stream
 * that closes before its end rejects (the client or the upstream went away).
 */
export async function* limitedBody(stream, maxBytes) {
    let seen = 0;
    // destroyOnReturn: false, so leaving early on overflow leaves the stream to the caller.
    for await (const chunk of stream.iterator({ destroyOnReturn: false })) {
        seen += chunk.length;
        if (seen > maxBytes)
            throw new BodyTooLarge(maxBytes);
        yield chunk;
    }
}
/**
 * Reads the whole of `stream` into one Buffer, or resolves null when it exceeds `maxBytes`. On
 * overflow the stream is read to its end and discarded (`drain`: a client request, so an answer can
 * still be written) or destroyed (`destroy`: an upstream answer). A stream that closes early rejects.
 */
export async function readBody(stream, maxBytes, onOverflow) {
    const chunks = [];
    let size = 0;
    try {
        for await (const chunk of limitedBody(stream, maxBytes)) {
            chunks.push(chunk);
            size += chunk.length;
        }
    }
    catch (err) {
        if (!(err instanceof BodyTooLarge))
            throw err;
        if (onOverflow === 'drain')
            stream.resume();
        else
            stream.destroy();
        return null;
    }
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
}
/**
 * The body of a client request, at most `maxBytes`: null when it is larger (declared or counted),
 * and synchronously when there is none, so a bodiless request does not wait a turn.
 */
export function readRequestBody(req, maxBytes) {
    const length = req.headers['content-length'];
    if (length === undefined && req.headers['transfer-encoding'] === undefined)
        return EMPTY;
    if (length !== undefined && Number(length) > maxBytes)
        return null;
    if (length === '0')
        return EMPTY;
    return readBody(req, maxBytes, 'drain');
}
