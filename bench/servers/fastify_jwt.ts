/** Peer: fastify + @fastify/jwt, keys from the JWKS through get-jwks (the documented pairing). */
import Fastify from 'fastify';
import fastifyJwt from '@fastify/jwt';
import buildGetJwks from 'get-jwks';
import { announce, answer, env } from './common.ts';

const jwksBase = new URL(env.jwksUri).origin;
const getJwks = buildGetJwks({ providerDiscovery: false, jwksPath: new URL(env.jwksUri).pathname, ttl: 600000 });
const app = Fastify({ logger: false });
await app.register(fastifyJwt, {
  decode: { complete: true },
  secret: async (_req: unknown, token: unknown) => {
    const { header } = token as { header: { kid: string; alg: string } };
    return getJwks.getPublicKey({ kid: header.kid, alg: header.alg, domain: jwksBase });
  },
  verify: { allowedIss: env.issuer, allowedAud: env.audience, algorithms: ['RS256'] },
});
app.get('/', async (req, reply) => {
  try {
    await req.jwtVerify();
  } catch {
    return reply.code(401).header('www-authenticate', 'Bearer error="invalid_token"').send();
  }
  reply.hijack();
  await answer(reply.raw).catch(() => reply.raw.writeHead(502).end());
});
await app.listen({ port: 0, host: '127.0.0.1' });
announce((app.server.address() as { port: number }).port);
process.on('SIGTERM', () => process.exit(0)); // a benchmark target: no draining needed
