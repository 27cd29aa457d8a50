/**
 * The identity provider's JWKS endpoint for the benchmarks: serves bench/out/keys.json's public key
 * with Cache-Control, and counts fetches (GET /count).
 */
import { createServer } from 'node:http';
import { loadKeys } from '../fixtures.ts';

const body = JSON.stringify(loadKeys().jwks);
let fetches = 0;
const server = createServer((req, res) => {
  if (req.url === '/count') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ fetches }));
    return;
  }
  if (req.url === '/.well-known/openid-configuration') {
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: process.env['ISSUER'], jwks_uri: `${base}/.well-known/jwks.json` }));
    return;
  }
  fetches++;
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=600' }).end(body);
});
server.listen(0, '127.0.0.1', () => console.log(`listening http://127.0.0.1:${(server.address() as { port: number }).port}`));
process.on('SIGTERM', () => process.exit(0)); // a benchmark target: no draining needed
