import { HOP_BY_HOP } from '../lib/hop_by_hop.js';
import { CORS_RESPONSE_HEADERS } from './cors.js';
import { addHeader } from '../lib/header_map.js';
const FORMAT_VERSION = 1;
const PREFIX_BYTES = 5;
/**
 * Response headers never stored: they belong to one request or one connection, are recomputed
 * when a stored answer is sent (`content-length`, `age`, `x-cache-status`), or depend on the
 * request's Origin (the CORS headers, which the route's CORS policy sets again on a hit).
 */
const NEVER_STORED = new Set([
    ...HOP_BY_HOP,
    ...CORS_RESPONSE_HEADERS,
    'opc-request-id',
    'fn-call-id',
    'date',
    'age',
    'x-cache-status',
    'content-length',
]);
/** Serialises `entry` into one Buffer (the body is copied once, after a small JSON head). */
export function encodeEntry(entry) {
    const head = Buffer.from(JSON.stringify({ s: entry.status, t: entry.storedAtMs, h: entry.headers }), 'utf8');
    const out = Buffer.allocUnsafe(PREFIX_BYTES + head.length + entry.body.length);
    out[0] = FORMAT_VERSION;
    out.writeUInt32BE(head.length, 1);
    head.copy(out, PREFIX_BYTES);
    entry.body.copy(out, PREFIX_BYTES + head.length);
    return out;
}
/**
 * Reads an entry back; null when the bytes are not one (another format version, a truncated or
 * foreign value under the key), which the cache treats as a miss. The body is a view, not a copy.
 */
export function decodeEntry(value) {
    if (value.length < PREFIX_BYTES || value[0] !== FORMAT_VERSION)
        return null;
    const headLength = value.readUInt32BE(1);
    if (PREFIX_BYTES + headLength > value.length)
        return null;
    let head;
    try {
        head = JSON.parse(value.toString('utf8', PREFIX_BYTES, PREFIX_BYTES + headLength));
    }
    catch {
        return null;
    }
    if (head === null || typeof head !== 'object')
        return null;
    const { s, t, h } = head;
    if (typeof s !== 'number' || typeof t !== 'number' || !Array.isArray(h) || h.length % 2 !== 0 || !h.every((x) => typeof x === 'string'))
        return null;
    return { status: s, storedAtMs: t, headers: h, body: value.subarray(PREFIX_BYTES + headLength) };
}
/** Turns stored header lines into the object `writeHead` takes (repeated names become arrays). */
export function headerObject(lines) {
    const out = {};
    for (let i = 0; i < lines.length; i += 2)
        addHeader(out, lines[i], lines[i + 1]);
    return out;
}
function headerLines(res, opts) {
    const out = [];
    const sent = res.getHeaders();
    for (const name in sent) {
        if (NEVER_STORED.has(name) && !(name === 'content-length' && opts.keepContentLength))
            continue;
        if (name === 'set-cookie' && !opts.keepSetCookie)
            continue;
        const v = sent[name];
        if (v === undefined)
            continue;
        if (Array.isArray(v))
            for (const line of v)
                out.push(name, line);
        else
            out.push(name, String(v));
    }
    return out;
}
function chunkBytes(chunk, encoding) {
    if (typeof chunk === 'string')
        return Buffer.from(chunk, typeof encoding === 'string' ? encoding : 'utf8');
    return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
/**
 * Records the answer written to `res` and calls `done` once with the outcome: `complete` only after
 * node reports the response finished (every byte handed to the connection); `aborted` when it
 * closed first. The wrappers pass every call through unchanged, with the same arguments.
 * The caller must have used `res.setHeader` before (the cache sets `X-Cache-Status`): only then
 * does `getHeaders()` return what `writeHead` sent.
 */
export function captureResponse(res, opts, done) {
    const realWriteHead = res.writeHead;
    const realWrite = res.write;
    const realEnd = res.end;
    let status = 0;
    let headers = null;
    let chunks = opts.recordBody ? [] : null;
    let bytes = 0;
    let refused = null;
    function keep(chunk, encoding) {
        if (chunks === null || chunk === undefined || chunk === null || typeof chunk === 'function')
            return;
        const b = chunkBytes(chunk, encoding);
        if (b.length === 0)
            return;
        bytes += b.length;
        if (bytes > opts.maxBodyBytes) {
            chunks = null;
            refused = { kind: 'too_large' };
            return;
        }
        chunks.push(b);
    }
    res.writeHead = function recordHead(...args) {
        const r = realWriteHead.apply(this, args);
        status = this.statusCode;
        if (!opts.statuses.has(status)) {
            chunks = null;
            refused ??= { kind: 'not_storable' };
        }
        else if (refused === null)
            headers = headerLines(this, opts);
        return r;
    };
    // The bytes are kept before the real call: a write or end without writeHead sends node's
    // implicit head through recordHead, which drops what was kept when the status is not stored.
    res.write = function recordWrite(chunk, encoding, cb) {
        keep(chunk, encoding);
        return realWrite.call(this, chunk, encoding, cb);
    };
    res.end = function recordEnd(chunk, encoding, cb) {
        if (!this.writableEnded)
            keep(chunk, encoding);
        return realEnd.call(this, chunk, encoding, cb);
    };
    let reported = false;
    const report = (outcome) => {
        if (reported)
            return;
        reported = true;
        chunks = null;
        done(outcome);
    };
    res.once('finish', () => {
        if (refused !== null)
            return report(refused);
        if (headers === null)
            return report({ kind: 'not_storable' });
        const body = chunks === null || chunks.length === 0 ? Buffer.alloc(0) : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, bytes);
        report({ kind: 'complete', status, headers, body });
    });
    res.once('close', () => {
        if (!res.writableFinished)
            report({ kind: 'aborted' });
    });
}
