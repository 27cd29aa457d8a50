/**
 * JWT gateway benchmark (issues #3 and #7): Gatehouse against the peers, in one run, interleaved,
 * targets on core 0 and wrk on core 1. Scenarios:
 *   - protected stock response, 1000 distinct valid RS256 tokens cycling (warm decisions);
 *   - protected proxy to a trivial upstream, same tokens;
 *   - unique tokens: 20,000 tokens cycling, twice Gatehouse's decision-cache size, so every
 *     request verifies a signature;
 *   - invalid tokens (bad signatures);
 *   - random-kid flood: 10,000 requests naming unknown kids; JWKS fetches counted.
 * Baseline: a bare node:http server with no authentication.
 */
import { Pool } from 'undici';
import { ensureWrk, interleave, machineDescription, runWrk, spawnGatehouse, spawnTarget, table, type Target, type WrkResult } from './harness.ts';
import { AUDIENCE, ISSUER, invalidTokens, loadKeys, randomKidTokens, validTokens, wrkTokenScript } from './fixtures.ts';
import { ensureHaproxy, startHaproxy } from './servers/haproxy.ts';

const TSX = ['--import', 'tsx'];

/** The JWT benchmarks' gateway: /p/stock and /p/proxy behind JWT_AUTHENTICATION, /o/stock open. */
export function gatehouseConfig(jwksUri: string, upstream: string): object {
  const auth = {
    type: 'JWT_AUTHENTICATION',
    tokenHeader: 'Authorization',
    tokenAuthScheme: 'Bearer',
    issuers: [ISSUER],
    audiences: [AUDIENCE],
    publicKeys: { type: 'REMOTE_JWKS', uri: jwksUri, maxCacheDurationInHours: 1 },
  };
  const stock = { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: '{"hello":"world"}', headers: [{ name: 'content-type', value: 'application/json' }] };
  return {
    server: { host: '127.0.0.1' },
    deployments: [
      { name: 'protected', pathPrefix: '/p', specification: { requestPolicies: { authentication: auth }, routes: [{ path: '/stock', methods: ['GET'], backend: stock }, { path: '/proxy', methods: ['GET'], backend: { type: 'HTTP_BACKEND', url: `${upstream}/` } }] } },
      { name: 'open', pathPrefix: '/o', specification: { routes: [{ path: '/stock', methods: ['GET'], backend: stock }] } },
    ],
  };
}

/** Sends `tokens` once each (concurrency 64) and returns the statuses seen. */
async function flood(url: string, tokens: string[]): Promise<Record<number, number>> {
  const u = new URL(url);
  const pool = new Pool(u.origin, { connections: 64 });
  const statuses: Record<number, number> = {};
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < tokens.length) {
        const t = tokens[next++]!;
        const r = await pool.request({ path: u.pathname, method: 'GET', headers: { authorization: `Bearer ${t}` } }).catch(() => null);
        const s = r?.statusCode ?? 0;
        await r?.body.dump();
        statuses[s] = (statuses[s] ?? 0) + 1;
      }
    }),
  );
  await pool.close();
  return statuses;
}

export async function benchJwt(opts: { seconds: number; rounds: number; connections: number }): Promise<string> {
  ensureWrk();
  const haveHaproxy = ensureHaproxy();
  const keys = loadKeys();
  console.error('preparing tokens (cached in bench/out) ...');
  const warm = validTokens(1000, 'warm');
  const unique = validTokens(20000, 'unique');
  const invalid = invalidTokens(1000);
  const targets: Target[] = [];
  const start = async (t: Promise<Target & { match: string }>) => {
    const x = await t;
    targets.push(x);
    return x;
  };
  try {
    const jwks = await start(spawnTarget('jwks', 1, process.execPath, [...TSX, 'bench/servers/jwks_server.ts'], /listening (\S+)/, { ISSUER }));
    const jwksUri = `${jwks.match}/.well-known/jwks.json`;
    const upstream = await start(spawnTarget('upstream', 1, process.execPath, [...TSX, 'bench/servers/bare_stock.ts'], /listening (\S+)/));
    const peerEnv = { JWKS_URI: jwksUri, ISSUER, AUDIENCE };
    const bare = await start(spawnTarget('bare', 0, process.execPath, [...TSX, 'bench/servers/bare_stock.ts'], /listening (\S+)/));
    const bareProxy = await start(spawnTarget('bare-proxy', 0, process.execPath, [...TSX, 'bench/servers/bare_proxy.ts'], /listening (\S+)/, { UPSTREAM: upstream.match }));
    const jose = await start(spawnTarget('jose', 0, process.execPath, [...TSX, 'bench/servers/bare_jose.ts'], /listening (\S+)/, peerEnv));
    const fastify = await start(spawnTarget('fastify', 0, process.execPath, [...TSX, 'bench/servers/fastify_jwt.ts'], /listening (\S+)/, peerEnv));
    const express = await start(spawnTarget('express', 0, process.execPath, [...TSX, 'bench/servers/express_jwt.ts'], /listening (\S+)/, peerEnv));
    const hap = haveHaproxy ? await start(startHaproxy({ publicPem: keys.publicPem, issuer: ISSUER, audience: AUDIENCE, mode: 'stock' })) : null;
    const hapProxy = haveHaproxy ? await start(startHaproxy({ publicPem: keys.publicPem, issuer: ISSUER, audience: AUDIENCE, mode: 'proxy', upstream: upstream.match })) : null;
    const gw = await start(spawnGatehouse(gatehouseConfig(jwksUri, upstream.match)));

    const w = { seconds: opts.seconds, connections: opts.connections };
    const warmScript = wrkTokenScript(warm);
    const run = (url: string, tokens: string[] | null): (() => WrkResult) => {
      const script = tokens === null ? undefined : wrkTokenScript(tokens);
      return () => runWrk(url, { ...w, ...(script !== undefined ? { script } : {}) });
    };
    console.error('warming up ...');
    for (const u of [`${gw.match}/p/stock`, `${gw.match}/p/proxy`, jose.match, fastify.match, express.match]) runWrk(u, { ...w, seconds: 2, script: warmScript });
    runWrk(bare.match, { ...w, seconds: 2 });

    const sections: string[] = [];
    const baseline = 'bare node:http, no auth (baseline)';
    const stockRows = await interleave(
      [
        { name: baseline, run: run(bare.match, null) },
        { name: 'Gatehouse, no auth route', run: run(`${gw.match}/o/stock`, null) },
        { name: 'Gatehouse, protected (warm decisions)', run: run(`${gw.match}/p/stock`, warm) },
        { name: 'bare node:http + jose', run: run(jose.match, warm) },
        { name: 'fastify + @fastify/jwt', run: run(fastify.match, warm) },
        { name: 'express + express-oauth2-jwt-bearer', run: run(express.match, warm) },
        ...(hap ? [{ name: 'HAProxy 2.6 jwt_verify', run: run(hap.match, warm) }] : []),
      ],
      opts.rounds,
    );
    sections.push(`#### Protected stock response, 1000 valid RS256 tokens cycling\n\n${table(stockRows, baseline)}`);

    const proxyRows = await interleave(
      [
        { name: baseline, run: run(bare.match, null) },
        { name: 'bare node:http + undici proxy, no auth', run: run(bareProxy.match, null) },
        { name: 'Gatehouse, protected proxy (warm decisions)', run: run(`${gw.match}/p/proxy`, warm) },
        ...(hapProxy ? [{ name: 'HAProxy 2.6 jwt_verify, proxy', run: run(hapProxy.match, warm) }] : []),
      ],
      opts.rounds,
    );
    sections.push(`#### Protected proxy to a trivial upstream (upstream on core 1)\n\n${table(proxyRows, baseline)}`);

    const uniqueRows = await interleave(
      [
        { name: baseline, run: run(bare.match, null) },
        { name: 'Gatehouse, unique tokens (every request verifies)', run: run(`${gw.match}/p/stock`, unique) },
        { name: 'bare node:http + jose', run: run(jose.match, unique) },
        { name: 'fastify + @fastify/jwt', run: run(fastify.match, unique) },
        { name: 'express + express-oauth2-jwt-bearer', run: run(express.match, unique) },
        ...(hap ? [{ name: 'HAProxy 2.6 jwt_verify', run: run(hap.match, unique) }] : []),
      ],
      opts.rounds,
    );
    sections.push(`#### Unique tokens: 20,000 tokens cycling (twice Gatehouse's decision cache), every request verifies\n\n${table(uniqueRows, baseline)}`);

    const invalidRows = await interleave(
      [
        { name: baseline, run: run(bare.match, null) },
        { name: 'Gatehouse, invalid signatures', run: run(`${gw.match}/p/stock`, invalid) },
        { name: 'bare node:http + jose', run: run(jose.match, invalid) },
        { name: 'fastify + @fastify/jwt', run: run(fastify.match, invalid) },
        { name: 'express + express-oauth2-jwt-bearer', run: run(express.match, invalid) },
        ...(hap ? [{ name: 'HAProxy 2.6 jwt_verify', run: run(hap.match, invalid) }] : []),
      ],
      opts.rounds,
    );
    sections.push(`#### Invalid tokens (bad signatures; all answered 401, counted as non-2xx)\n\n${table(invalidRows, baseline)}`);

    const kidLines = ['| target | JWKS fetches during 10,000 random-kid requests | answers |', '|---|---:|---|'];
    const kids = randomKidTokens(10000);
    for (const [name, url] of [['Gatehouse', `${gw.match}/p/stock`], ['bare node:http + jose', jose.match], ['fastify + @fastify/jwt (get-jwks)', fastify.match], ['express + express-oauth2-jwt-bearer', express.match]] as const) {
      const before = ((await (await fetch(`${jwks.match}/count`)).json()) as { fetches: number }).fetches;
      const t0 = Date.now();
      const statuses = await flood(url, kids);
      const after = ((await (await fetch(`${jwks.match}/count`)).json()) as { fetches: number }).fetches;
      kidLines.push(`| ${name} | ${after - before} (in ${((Date.now() - t0) / 1000).toFixed(1)} s) | ${Object.entries(statuses).map(([s, n]) => `${n}× ${s}`).join(', ')} |`);
    }
    sections.push(`#### Random-kid flood\n\n${kidLines.join('\n')}`);

    return `### JWT validation\n\n${machineDescription()}; wrk 1 thread, ${opts.connections} connections, ${opts.seconds} s × ${opts.rounds} rounds, interleaved; Gatehouse at its default log level (info: one access line per request). HAProxy reads its key from a PEM file (it cannot fetch a JWKS); the Node peers fetch the JWKS.\n\n${sections.join('\n\n')}\n`;
  } finally {
    await Promise.all(targets.map((t) => t.stop()));
  }
}
