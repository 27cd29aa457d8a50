/**
 * The response cache's two byte-level jobs: recording an answer as a backend writes it, and the
 * entry format a recorded answer is stored in.
 *
 * Recording wraps `writeHead`, `write` and `end` of one ServerResponse instance — only the
 * response of a cacheable request on a caching route, so every other response keeps node's
 * prototype methods and pays nothing. The wrappers see every backend the same way: the stock and
 * function backends call `writeHead(status, object)` then `end(body)`; the HTTP backend's dispatch
 * handler calls `writeHead` with an object, then `write` per upstream chunk and `end`; the
 * gateway's own errors (lib/respond.ts) set headers, then `writeHead` and `end(string)`; a
 * `write`/`end` without `writeHead` goes through node's `_implicitHeader`, which calls
 * `this.writeHead` and so the wrapper too.
 *
 * Headers are read back from the response after the real `writeHead` has merged them: the cache
 * always sets `X-Cache-Status` with `setHeader` before the backend runs, and node documents that once
 * `setHeader` has been used, `writeHead` merges into the response's own header store (object or raw
 * array, with its precedence rules), which `getHeaders()` then returns. So what is recorded is what
 * was sent, after the route's response transformation, without re-implementing that merge.
 *
 * Entry format (a Buffer, so a Redis store keeps it as bytes): one version byte, the head's length
 * (uint32, big endian), the head as JSON `{"s":status,"t":storedAtMs,"h":[name,value,...]}`, then
 * the body bytes as sent.
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { HOP_BY_HOP } from '../lib/hop_by_hop.ts';
import { CORS_RESPONSE_HEADERS } from './cors.ts';
import { addHeader, type HeaderMap } from '../lib/header_map.ts';

/** A recorded answer. */
export interface CachedResponse {
  readonly status: number;
  /** When it was stored, ms since the epoch (for `Age`). */
  readonly storedAtMs: number;
  /** Header lines as `[name, value, name, value, ...]`, names lower case; a repeated header is repeated. */
  readonly headers: readonly string[];
  readonly body: Buffer;
}

const FORMAT_VERSION = 1;
const PREFIX_BYTES = 5;

/**
 * Response headers never stored: they belong to one request or one connection, are recomputed
 * when a stored answer is sent (`content-length`, `age`, `x-cache-status`), or depend on the
 * request's Origin (the CORS headers, which the route's CORS policy sets again on a hit).
 */
const NEVER_STORED: ReadonlySet<string> = new Set([
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
export function encodeEntry(entry: CachedResponse): Buffer {
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
export function decodeEntry(value: Buffer): CachedResponse | null {
  if (value.length < PREFIX_BYTES || value[0] !== FORMAT_VERSION) return null;
  const headLength = value.readUInt32BE(1);
  if (PREFIX_BYTES + headLength > value.length) return null;
  let head: unknown;
  try {
    head = JSON.parse(value.toString('utf8', PREFIX_BYTES, PREFIX_BYTES + headLength));
  } catch {
    return null;
  }
  if (head === null || typeof head !== 'object') return null;
  const { s, t, h } = head as { s?: unknown; t?: unknown; h?: unknown };
  if (typeof s !== 'number' || typeof t !== 'number' || !Array.isArray(h) || h.length % 2 !== 0 || !h.every((x) => typeof x === 'string')) return null;
  return { status: s, storedAtMs: t, headers: h as string[], body: value.subarray(PREFIX_BYTES + headLength) };
}

/** Turns stored header lines into the object `writeHead` takes (repeated names become arrays). */
export function headerObject(lines: readonly string[]): OutgoingHttpHeaders {
  const out: HeaderMap = {};
  for (let i = 0; i < lines.length; i += 2) addHeader(out, lines[i] as string, lines[i + 1] as string);
  return out;
}

export interface CaptureOptions {
  /** Statuses worth storing; any other stops the recording at `writeHead`. */
  readonly statuses: ReadonlySet<number>;
  /** Largest body recorded, bytes; a longer body is passed on but not kept. */
  readonly maxBodyBytes: number;
  /** Keep `set-cookie` (private caching: the entry belongs to one principal). */
  readonly keepSetCookie: boolean;
  /**
   * Keep the sent `content-length` (a HEAD answer: it describes the body a GET would get, while
   * the recorded body is empty).
   */
  readonly keepContentLength: boolean;
  /** Record the body (false for HEAD, whose body node discards whatever the backend writes). */
  readonly recordBody: boolean;
}

/** How a recording ended. */
export type CaptureOutcome =
  | { readonly kind: 'complete'; readonly status: number; readonly headers: string[]; readonly body: Buffer }
  /** The status is not one that is stored. */
  | { readonly kind: 'not_storable' }
  /** The body went over `maxBodyBytes`. */
  | { readonly kind: 'too_large' }
  /** The connection closed before the answer was complete (client gone, upstream broke off). */
  | { readonly kind: 'aborted' };

type WriteHead = ServerResponse['writeHead'];
type Write = ServerResponse['write'];
type End = ServerResponse['end'];
type Chunk = string | Uint8Array;

function headerLines(res: ServerResponse, opts: CaptureOptions): string[] {
  const out: string[] = [];
  const sent = res.getHeaders();
  for (const name in sent) {
    if (NEVER_STORED.has(name) && !(name === 'content-length' && opts.keepContentLength)) continue;
    if (name === 'set-cookie' && !opts.keepSetCookie) continue;
    const v = sent[name];
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const line of v) out.push(name, line);
    else out.push(name, String(v));
  }
  return out;
}

function chunkBytes(chunk: Chunk, encoding: unknown): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * Records the answer written to `res` and calls `done` once with the outcome: `complete` only after
 * node reports the response finished (every byte handed to the connection); `aborted` when it
 * closed first. The wrappers pass every call through unchanged, with the same arguments.
 * The caller must have used `res.setHeader` before (the cache sets `X-Cache-Status`): only then
 * does `getHeaders()` return what `writeHead` sent.
 */
export function captureResponse(res: ServerResponse, opts: CaptureOptions, done: (outcome: CaptureOutcome) => void): void {
  const realWriteHead = res.writeHead;
  const realWrite = res.write;
  const realEnd = res.end;
  let status = 0;
  let headers: string[] | null = null;
  let chunks: Buffer[] | null = opts.recordBody ? [] : null;
  let bytes = 0;
  let refused: CaptureOutcome | null = null;

  function keep(chunk: unknown, encoding: unknown): void {
    if (chunks === null || chunk === undefined || chunk === null || typeof chunk === 'function') return;
    const b = chunkBytes(chunk as Chunk, encoding);
    if (b.length === 0) return;
    bytes += b.length;
    if (bytes > opts.maxBodyBytes) {
      chunks = null;
      refused = { kind: 'too_large' };
      return;
    }
    chunks.push(b);
  }

  res.writeHead = function recordHead(this: ServerResponse, ...args: Parameters<WriteHead>) {
    const r = (realWriteHead as (...a: unknown[]) => ServerResponse).apply(this, args);
    status = this.statusCode;
    if (!opts.statuses.has(status)) {
      chunks = null;
      refused ??= { kind: 'not_storable' };
    } else if (refused === null) headers = headerLines(this, opts);
    return r;
  } as WriteHead;

  // The bytes are kept before the real call: a write or end without writeHead sends node's
  // implicit head through recordHead, which drops what was kept when the status is not stored.
  res.write = function recordWrite(this: ServerResponse, chunk: unknown, encoding?: unknown, cb?: unknown) {
    keep(chunk, encoding);
    return (realWrite as (...a: unknown[]) => boolean).call(this, chunk, encoding, cb);
  } as Write;

  res.end = function recordEnd(this: ServerResponse, chunk?: unknown, encoding?: unknown, cb?: unknown) {
    if (!this.writableEnded) keep(chunk, encoding);
    return (realEnd as (...a: unknown[]) => ServerResponse).call(this, chunk, encoding, cb);
  } as End;

  let reported = false;
  const report = (outcome: CaptureOutcome): void => {
    if (reported) return;
    reported = true;
    chunks = null;
    done(outcome);
  };
  res.once('finish', () => {
    if (refused !== null) return report(refused);
    if (headers === null) return report({ kind: 'not_storable' });
    const body = chunks === null || chunks.length === 0 ? Buffer.alloc(0) : chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, bytes);
    report({ kind: 'complete', status, headers, body });
  });
  res.once('close', () => {
    if (!res.writableFinished) report({ kind: 'aborted' });
  });
}
