/**
 * Identity provider benchmark (issues #4, #7): tokens/s of `gatehouse idp serve` for an RS256 and
 * an ES256 API, next to the raw signing rate of jose (SignJWT on the same kind of key, same claims,
 * as many signatures in flight as wrk has connections) measured in the same run on the same core.
 * Goal from #7: RS256 issuance ≥ 0.8× jose's raw signing rate.
 *
 *   node --import tsx bench/idp.ts [--seconds N] [--rounds N] [--connections N]
 *
 * The provider and the jose signer run pinned to core 0, wrk to core 1 (see harness.ts).
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { ensureWrk, machineDescription, median, pinned, ROOT, runWrk, spawnTarget, type WrkResult } from './harness.ts';

const ALGS = ['RS256', 'ES256'] as const;
type Alg = (typeof ALGS)[number];

/** Child mode: signs tokens with jose for `seconds`, `inFlight` at a time; prints `signed/s <n>`. */
async function signLoop(alg: Alg, seconds: number, inFlight: number): Promise<void> {
  const { privateKey } = alg === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const sign = (i: number) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iss: 'http://localhost:4000/', sub: 'bench-client@clients', aud: 'https://bench', iat: now, exp: now + 86400, scope: 'read:bench', gty: 'client-credentials', azp: `bench-client${i & 1}` })
      .setProtectedHeader({ alg, typ: 'JWT', kid: 'k' })
      .sign(privateKey);
  };
  for (let i = 0; i < 500; i++) await sign(i); // warm-up
  let count = 0;
  const endAt = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < endAt) {
      await sign(count);
      count++;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  console.log(`signed/s ${((count * 1000) / (performance.now() - start)).toFixed(1)}`);
}

function joseRate(alg: Alg, seconds: number, inFlight: number): number {
  const [c, a] = pinned(0, process.execPath, ['--import', 'tsx', 'bench/idp.ts', '--sign', alg, '--seconds', String(seconds), '--connections', String(inFlight)]);
  const r = spawnSync(c, a, { cwd: ROOT, encoding: 'utf8', timeout: (seconds + 60) * 1000 });
  const m = /signed\/s ([\d.]+)/.exec(r.stdout ?? '');
  if (m === null) throw new Error(`jose signer failed: ${r.stderr}`);
  return Number(m[1]);
}

export async function benchIdp(opts: { seconds: number; rounds: number; connections: number }): Promise<string> {
  ensureWrk();
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-idp-'));
  const config = join(dir, 'gatehouse.yaml');
  writeFileSync(
    config,
    JSON.stringify({
      deployments: [],
      identityProvider: {
        port: 0,
        apis: ALGS.map((alg) => ({ name: alg, identifier: `https://bench-${alg.toLowerCase()}`, signingAlg: alg, scopes: ['read:bench'] })),
        applications: [{ name: 'bench', clientId: 'bench-client', clientSecret: 'bench-secret', grants: ALGS.map((alg) => ({ audience: `https://bench-${alg.toLowerCase()}`, scopes: ['read:bench'] })) }],
      },
    }),
  );
  const idp = await spawnTarget('idp', 0, process.execPath, ['bin/gatehouse.js', 'idp', 'serve', '--config', config], /identity provider: (\S+)/);
  try {
    const script = (alg: Alg) =>
      `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = '${JSON.stringify({
        client_id: 'bench-client', client_secret: 'bench-secret', audience: `https://bench-${alg.toLowerCase()}`, grant_type: 'client_credentials',
      })}'\n`;
    const w = { seconds: opts.seconds, connections: opts.connections };
    for (const alg of ALGS) runWrk(`${idp.match}/oauth/token`, { ...w, seconds: 2, script: script(alg) });
    const samples: Record<Alg, { idp: WrkResult[]; jose: number[] }> = { RS256: { idp: [], jose: [] }, ES256: { idp: [], jose: [] } };
    for (let round = 1; round <= opts.rounds; round++) {
      for (const alg of ALGS) {
        const jose = joseRate(alg, opts.seconds, opts.connections);
        const served = runWrk(`${idp.match}/oauth/token`, { ...w, script: script(alg) });
        if (served.non2xx > 0 || served.errors > 0) throw new Error(`${alg}: ${served.non2xx} non-2xx, ${served.errors} socket errors`);
        samples[alg].jose.push(jose);
        samples[alg].idp.push(served);
        console.error(`round ${round}/${opts.rounds} ${alg}: jose ${Math.round(jose)} signatures/s, provider ${Math.round(served.rps)} tokens/s`);
      }
    }
    const lines = ['| algorithm | jose SignJWT, signatures/s (median) | provider POST /oauth/token, tokens/s (median) | spread (min–max) | p50 ms | p99 ms | ratio to jose |', '|---|---:|---:|---:|---:|---:|---:|'];
    for (const alg of ALGS) {
      const s = samples[alg];
      const tokens = s.idp.map((x) => x.rps);
      const jose = median(s.jose);
      lines.push(
        `| ${alg} | ${Math.round(jose)} | ${Math.round(median(tokens))} | ${Math.round(Math.min(...tokens))}–${Math.round(Math.max(...tokens))} | ${median(s.idp.map((x) => x.p50Ms)).toFixed(2)} | ${median(s.idp.map((x) => x.p99Ms)).toFixed(2)} | ${(median(tokens) / jose).toFixed(2)}× |`,
      );
    }
    return `### Identity provider: token issuance\n\n${machineDescription()}; wrk 1 thread, ${opts.connections} connections, ${opts.seconds} s × ${opts.rounds} rounds, interleaved with a jose signer (${opts.connections} signatures in flight) on the provider's core; JSON body, client_secret_post, RSA 2048 / P-256.\n\n${lines.join('\n')}\n`;
  } finally {
    await idp.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('bench/idp.ts')) {
  const { values } = parseArgs({
    options: { seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '3' }, connections: { type: 'string', default: '32' }, sign: { type: 'string' } },
  });
  if (values.sign !== undefined) await signLoop(values.sign as Alg, Number(values.seconds), Number(values.connections));
  else process.stdout.write(await benchIdp({ seconds: Number(values.seconds), rounds: Number(values.rounds), connections: Number(values.connections) }));
}
