/** Shared bits of the peer servers: settings from the environment, the stock body, the proxy call. */
import type { ServerResponse } from 'node:http';
import { Pool } from 'undici';

export const env = {
  jwksUri: process.env['JWKS_URI'] ?? '',
  issuer: process.env['ISSUER'] ?? '',
  audience: process.env['AUDIENCE'] ?? '',
  mode: process.env['MODE'] === 'proxy' ? 'proxy' : 'stock',
  upstream: process.env['UPSTREAM'] ?? 'http://127.0.0.1:1',
};

export const STOCK = Buffer.from('{"hello":"world"}');
const pool = new Pool(env.upstream, { keepAliveTimeout: 4000 });

/** Answers `res` with the stock body, or with the upstream's answer in proxy mode. */
export async function answer(res: ServerResponse): Promise<void> {
  if (env.mode === 'stock') {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': STOCK.length });
    res.end(STOCK);
    return;
  }
  const r = await pool.request({ path: '/', method: 'GET' });
  const body = Buffer.from(await r.body.arrayBuffer());
  res.writeHead(r.statusCode, { 'content-type': String(r.headers['content-type'] ?? 'application/json'), 'content-length': body.length });
  res.end(body);
}

export function announce(port: number): void {
  console.log(`listening http://127.0.0.1:${port}`);
}
