/**
 * Floor for the functions path: a bare node:http server that relays every request to one Fn
 * container's unix socket (FN_SOCKET) as an Fn call with fixed headers, over one undici Client
 * (keep-alive), and writes the answer back — no routing, no header mapping, no logging, no timer.
 * What any Node process in front of the container costs at least.
 */
import { createServer } from 'node:http';
import { Client } from 'undici';
import { announce } from './common.ts';

const socketPath = process.env['FN_SOCKET'] ?? '/nonexistent';
const client = new Client('http://localhost', { socketPath });
const headers = ['Fn-Call-Id', 'bench', 'Fn-Intent', 'httprequest', 'Fn-Http-Method', 'GET', 'Fn-Http-Request-Url', '/v1/hello', 'Fn-Http-H-Host', 'localhost'];
const server = createServer(async (req, res) => {
  try {
    req.resume();
    const r = await client.request({ path: '/call', method: 'POST', headers: [...headers, 'Fn-Deadline', new Date(Date.now() + 30_000).toISOString()] });
    const body = Buffer.from(await r.body.arrayBuffer());
    res.writeHead(Number(r.headers['fn-http-status'] ?? 200), { 'content-type': String(r.headers['content-type'] ?? 'application/octet-stream'), 'content-length': body.length });
    res.end(body);
  } catch {
    res.writeHead(502).end();
  }
});
server.listen(0, '127.0.0.1', () => announce((server.address() as { port: number }).port));
process.on('SIGTERM', () => process.exit(0)); // a benchmark target: no draining needed
