const JSON_TYPE = 'application/json';
/** Sends `{"code": status, "message": message}` unless the response has already started. */
export function sendError(res, status, message, headers) {
    if (res.headersSent) {
        // Too late for a status: cut the response so the client sees a failure, not a short body.
        res.destroy();
        return;
    }
    const body = JSON.stringify({ code: status, message });
    // A 413 is sent without reading the rest of the body, so the connection cannot carry another request.
    if (status === 413)
        res.setHeader('connection', 'close');
    if (headers !== undefined)
        for (const name in headers)
            res.setHeader(name, headers[name]);
    res.writeHead(status, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(body) });
    res.end(body);
}
/** Sends a JSON document with status 200 (admin plane). */
export function sendJson(res, status, value) {
    const body = JSON.stringify(value, null, 2);
    res.writeHead(status, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
    res.end(body);
}
