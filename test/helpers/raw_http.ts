/**
 * Raw HTTP/1.1 exchanges over a fresh socket, for what fetch would normalise away: malformed heads,
 * smuggling attempts, slow clients, non-ASCII bytes.
 */
import { connect } from 'node:net';

export interface RawAnswer {
  /** Everything received, decoded as latin1 (byte for byte). */
  data: string;
  /** Status of the first response, or 0. */
  status: number;
  /** The first response's head (status line and headers). */
  head: string;
  /** The server closed the connection (else the wait ran out). */
  closed: boolean;
  /** Time from connect to close or give-up. */
  ms: number;
}

/**
 * Sends `parts` (latin1 for strings) to `url`'s host and port, `gapMs` apart, optionally half-closing
 * after the last one (`end`); resolves when the server closes or after `waitMs` (default 3000).
 */
export function rawExchange(url: string, parts: string | Buffer | (string | Buffer)[], opts: { waitMs?: number; gapMs?: number; end?: boolean } = {}): Promise<RawAnswer> {
  const u = new URL(url);
  const started = Date.now();
  const list = Array.isArray(parts) ? parts : [parts];
  return new Promise((resolve) => {
    const sock = connect(Number(u.port), u.hostname);
    const chunks: Buffer[] = [];
    let settled = false;
    const settle = (closed: boolean) => {
      if (settled) return;
      settled = true;
      const data = Buffer.concat(chunks).toString('latin1');
      const head = data.split('\r\n\r\n')[0] ?? '';
      resolve({ data, head, status: Number(/^HTTP\/1\.1 (\d{3}) /.exec(head)?.[1] ?? 0), closed, ms: Date.now() - started });
    };
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('close', () => settle(true));
    sock.on('error', () => undefined);
    let i = 0;
    const next = (): void => {
      if (sock.destroyed) return;
      const p = list[i++] as string | Buffer;
      sock.write(typeof p === 'string' ? Buffer.from(p, 'latin1') : p);
      if (i < list.length) setTimeout(next, opts.gapMs ?? 0);
      else if (opts.end === true) sock.end();
    };
    sock.once('connect', next);
    setTimeout(() => {
      sock.destroy();
      settle(false);
    }, opts.waitMs ?? 3000).unref();
  });
}
