/** Peer: a bare node:http server verifying each token with jose (createRemoteJWKSet + jwtVerify). */
import { createServer } from 'node:http';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { announce, answer, env } from './common.ts';

const jwks = createRemoteJWKSet(new URL(env.jwksUri));
const server = createServer(async (req, res) => {
  const h = req.headers.authorization;
  try {
    if (h === undefined || !h.startsWith('Bearer ')) throw new Error('no token');
    await jwtVerify(h.slice(7), jwks, { issuer: env.issuer, audience: env.audience, algorithms: ['RS256'] });
  } catch {
    res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
    return;
  }
  await answer(res).catch(() => res.writeHead(502).end());
});
server.listen(0, '127.0.0.1', () => announce((server.address() as { port: number }).port));
process.on('SIGTERM', () => process.exit(0)); // a benchmark target: no draining needed
