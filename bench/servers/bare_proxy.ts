/**
 * Peer for the proxy path: a bare node:http server forwarding every request to UPSTREAM with an
 * undici Pool (keep-alive), no routing and no auth — the least a Node proxy can do.
 */
import { createServer } from 'node:http';
import { Pool } from 'undici';

const upstream = process.env['UPSTREAM'] ?? 'http://127.0.0.1:1';
const pool = new Pool(upstream, { keepAliveTimeout: 4000 });
const server = createServer(async (req, res) => {
  try {
    const r = await pool.request({ path: req.url ?? '/', method: 'GET' });
    res.writeHead(r.statusCode, { 'content-type': String(r.headers['content-type'] ?? 'application/octet-stream') });
    for await (const chunk of r.body) res.write(chunk);
    res.end();
  } catch {
    res.writeHead(502).end();
  }
});
server.listen(0, '127.0.0.1', () => {
  const a = server.address() as { port: number };
  console.log(`listening http://127.0.0.1:${a.port}`);
});
process.on('SIGTERM', () => process.exit(0)); // a benchmark target: no draining needed
