/**
 * A real HTTP server on loopback standing in for a backend. Its behaviour is chosen per request
 * by path: `/echo` answers JSON describing what it received; `/slow-headers?ms=N`, `/slow-body?ms=N`,
 * `/reset` (destroys the socket mid-response), `/big?bytes=N`, `/status/N`, `/own-cors` (answers with
 * its own Access-Control-Allow-Origin and Vary), `/connection-listed` (a header its Connection names,
 * two Set-Cookie lines, and a header named `constructor`), `/hang` (never answers).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  /** The header lines as received, `[name, value, ...]`: repeated lines stay apart. */
  rawHeaders: string[];
  body: string;
}

export interface Upstream {
  url: string;
  port: number;
  received: Received[];
  close(): Promise<void>;
}

export async function startUpstream(): Promise<Upstream> {
  const received: Received[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const u = new URL(req.url ?? '/', 'http://x');
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, body });
      const ms = Number(u.searchParams.get('ms') ?? '0');
      const p = u.pathname;
      if (p.startsWith('/status/')) {
        res.writeHead(Number(p.slice(8)), { 'content-type': 'text/plain', 'x-upstream': 'yes' });
        res.end(`status ${p.slice(8)}`);
      } else if (p === '/slow-headers') {
        setTimeout(() => res.end('late'), ms);
      } else if (p === '/slow-body') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('first;');
        setTimeout(() => res.end('second'), ms);
      } else if (p === '/reset') {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100000' });
        res.write('partial');
        setTimeout(() => req.socket.destroy(), 20);
      } else if (p === '/big') {
        const total = Number(u.searchParams.get('bytes') ?? '1048576');
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(total) });
        const block = Buffer.alloc(65536, 97);
        let sent = 0;
        const pump = (): void => {
          while (sent < total) {
            const n = Math.min(block.length, total - sent);
            sent += n;
            if (!res.write(n === block.length ? block : block.subarray(0, n))) return void res.once('drain', pump);
          }
          res.end();
        };
        pump();
      } else if (p === '/own-cors') {
        // A backend that sets CORS headers of its own (a gateway CORS policy must win).
        res.writeHead(200, { 'content-type': 'text/plain', 'access-control-allow-origin': '*', vary: 'Accept-Encoding' });
        res.end('own cors');
      } else if (p === '/connection-listed') {
        // Names a header of its own in Connection, which makes it hop-by-hop: it must not reach the client.
        res.writeHead(200, { connection: 'keep-alive, X-Private', 'x-private': 'hop', 'x-public': 'end', 'set-cookie': ['a=1', 'b=2'], constructor: 'a header like any other' });
        res.end('ok');
      } else if (p === '/hang') {
        // never answers
      } else {
        const out = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body });
        res.writeHead(200, { 'content-type': 'application/json', connection: 'keep-alive', 'keep-alive': 'timeout=5', 'x-upstream': 'yes' });
        res.end(out);
      }
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
