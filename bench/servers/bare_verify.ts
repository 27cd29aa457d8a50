/**
 * The crypto floor (issue 16): a bare node:http server that verifies every request's RS256 token
 * with `crypto.verify` on a KeyObject imported once (PUBLIC_PEM), then checks `exp` and answers
 * the stock body. No JWKS, no routing, no cache, no logging: what no JWT gateway can beat while
 * verifying every token.
 */
import { createPublicKey, verify } from 'node:crypto';
import { createServer } from 'node:http';
import { announce, STOCK } from './common.ts';

const key = createPublicKey(process.env['PUBLIC_PEM'] ?? '');

function valid(header: string | undefined): boolean {
  if (header === undefined || !header.startsWith('Bearer ')) return false;
  const dot1 = header.indexOf('.', 7);
  const dot2 = header.lastIndexOf('.');
  if (dot1 === -1 || dot2 <= dot1) return false;
  const ok = verify('sha256', Buffer.from(header.slice(7, dot2)), key, Buffer.from(header.slice(dot2 + 1), 'base64url'));
  if (!ok) return false;
  const claims = JSON.parse(Buffer.from(header.slice(dot1 + 1, dot2), 'base64url').toString('utf8')) as { exp?: number };
  return typeof claims.exp === 'number' && claims.exp * 1000 > Date.now();
}

const server = createServer((req, res) => {
  if (!valid(req.headers.authorization)) {
    res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': STOCK.length });
  res.end(STOCK);
});
server.listen(0, '127.0.0.1', () => announce((server.address() as { port: number }).port));
process.on('SIGTERM', () => process.exit(0)); // a benchmark target: no draining needed
