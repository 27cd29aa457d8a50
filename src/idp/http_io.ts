/** Body reading with a size limit, and JSON answers, for the identity provider's node:http server. */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

/** Largest request body accepted by the token endpoint and the management API. */
export const MAX_BODY_BYTES = 64 * 1024;

/** Reads the body; resolves null when it exceeds `limit` bytes (the rest is drained, not buffered). */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer | null> {
  return new Promise((ok, fail) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      req.resume();
      ok(null);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) tooLarge = true;
      if (!tooLarge) chunks.push(c);
    });
    req.on('end', () => ok(tooLarge ? null : chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    req.on('error', fail);
  });
}

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

/** Writes a JSON answer; token responses must not be cached (RFC 6749 §5.1). */
export function sendJson(res: ServerResponse, status: number, value: unknown, headers: OutgoingHttpHeaders = NO_STORE): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}
