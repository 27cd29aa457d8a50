/** Peer: express + express-oauth2-jwt-bearer (Auth0's own middleware). */
import express from 'express';
import { auth } from 'express-oauth2-jwt-bearer';
import { announce, answer, env } from './common.ts';

const app = express();
app.use(auth({ issuer: env.issuer, audience: env.audience, jwksUri: env.jwksUri, tokenSigningAlg: 'RS256' }));
app.get('/', (_req, res) => {
  answer(res).catch(() => res.status(502).end());
});
app.use((err: { status?: number }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
  res.status(err.status ?? 401).end();
});
const server = app.listen(0, '127.0.0.1', () => announce((server.address() as { port: number }).port));
process.on('SIGTERM', () => process.exit(0)); // a benchmark target: no draining needed
