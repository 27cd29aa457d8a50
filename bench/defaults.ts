/**
 * Performance with the defaults on (issue 16): the rows the issue's goals name, in one run,
 * interleaved, every Gatehouse row with access logs on (the default level, one line per request,
 * stdout drained by `cat`) but one, which shows what the lines cost. Targets on core 0, wrk on
 * core 1 (the upstream and the JWKS server too). Each section is compared with its own baseline:
 *   - protected stock route, warm decisions (1000 tokens cycling) vs bare node:http with no auth,
 *     and vs HAProxy `jwt_verify`; the same route with access logs off;
 *   - protected proxy route vs bare node:http + undici proxying with no auth, and vs HAProxy;
 *   - every request verifies (20,000 tokens cycling, twice the decision cache) vs a bare
 *     node:http + crypto.verify on a cached key (the crypto floor);
 *   - `serve --workers 2` (both cores, wrk's included) vs one process pinned to core 0.
 * The functions goal is measured by `npm run bench -- functions`.
 * Usage: [GATEHOUSE_DIST=1] npm run bench -- defaults [--seconds N] [--rounds N] (GATEHOUSE_DIST=1: the
 * gateway runs dist/, the compiled build users install, instead of src/ through tsx; build it first).
 */
import { parseArgs } from 'node:util';
import { ACCESS_LOG_OFF, SHIPPED_NODE_FLAGS, ensureWrk, interleave, machineDescription, median, runWrk, runWrkCpu, spawnGatehouse, spawnTarget, table, type Row, type Target, type WrkResult } from './harness.ts';
import { AUDIENCE, ISSUER, loadKeys, validTokens, wrkTokenScript } from './fixtures.ts';
import { ensureHaproxy, startHaproxy } from './servers/haproxy.ts';
import { gatehouseConfig } from './jwt.ts';

const TSX = ['--import', 'tsx'];

/** Median and spread of the per-round ratios of two rows measured in the same rounds. */
function ratio(rows: Row[], a: string, b: string): { med: number; min: number; max: number } {
  const ra = rows.find((r) => r.name === a);
  const rb = rows.find((r) => r.name === b);
  if (ra === undefined || rb === undefined) return { med: NaN, min: NaN, max: NaN };
  const xs = ra.samples.map((s, i) => s.rps / (rb.samples[i]?.rps ?? NaN));
  return { med: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
}

interface Goal {
  goal: string;
  target: number;
  rows: Row[];
  a: string;
  b: string;
}

function goalsTable(goals: Goal[]): string {
  const lines = ['| goal | same-run ratio, median (per-round min–max) | p99 ms (this / baseline) | verdict |', '|---|---:|---:|---|'];
  for (const g of goals) {
    const r = ratio(g.rows, g.a, g.b);
    const p99 = (name: string) => median(g.rows.find((x) => x.name === name)?.samples.map((s) => s.p99Ms) ?? [NaN]).toFixed(2);
    const verdict = Number.isNaN(r.med) ? 'not measured' : g.target === 0 ? 'reported' : r.med >= g.target ? 'met' : '**not met**';
    lines.push(`| ${g.goal} | ${r.med.toFixed(2)}× (${r.min.toFixed(2)}–${r.max.toFixed(2)}) | ${p99(g.a)} / ${p99(g.b)} | ${verdict} |`);
  }
  return lines.join('\n');
}

export async function benchDefaults(opts: { seconds: number; rounds: number; connections: number }): Promise<string> {
  ensureWrk();
  const haveHaproxy = ensureHaproxy();
  if (!haveHaproxy) console.error('haproxy is not installed and could not be installed: its rows are skipped');
  const keys = loadKeys();
  console.error('preparing tokens (cached in bench/out) ...');
  const warmScript = wrkTokenScript(validTokens(1000, 'warm'));
  const uniqueScript = wrkTokenScript(validTokens(20000, 'unique'));
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
    const bare = await start(spawnTarget('bare', 0, process.execPath, [...TSX, 'bench/servers/bare_stock.ts'], /listening (\S+)/));
    const bareProxy = await start(spawnTarget('bare-proxy', 0, process.execPath, [...TSX, 'bench/servers/bare_proxy.ts'], /listening (\S+)/, { UPSTREAM: upstream.match }));
    const floor = await start(spawnTarget('bare-verify', 0, process.execPath, [...TSX, 'bench/servers/bare_verify.ts'], /listening (\S+)/, { PUBLIC_PEM: keys.publicPem }));
    const hap = haveHaproxy ? await start(startHaproxy({ publicPem: keys.publicPem, issuer: ISSUER, audience: AUDIENCE, mode: 'stock' })) : null;
    const hapProxy = haveHaproxy ? await start(startHaproxy({ publicPem: keys.publicPem, issuer: ISSUER, audience: AUDIENCE, mode: 'proxy', upstream: upstream.match })) : null;
    const config = gatehouseConfig(jwksUri, upstream.match);
    const gw = await start(spawnGatehouse(config));
    const quiet = await start(spawnGatehouse(config, ACCESS_LOG_OFF));
    const plain = await start(spawnGatehouse(config, {}, { nodeFlags: [] }));
    const workers = await start(spawnGatehouse(config, {}, { args: ['--workers', '2'], cores: '0,1' }));

    const w = { seconds: opts.seconds, connections: opts.connections };
    const run = (t: Target, path: string, script?: string): (() => WrkResult) => {
      const url = `${(t as Target & { match: string }).match}${path}`;
      const o = { ...w, ...(script !== undefined ? { script } : {}) };
      // CPU per request of the process wrk talks to (a cluster primary's workers are not counted).
      return t.proc.pid === undefined || t === workers ? () => runWrk(url, o) : () => runWrkCpu(t.proc.pid!, url, o);
    };
    console.error('warming up ...');
    for (const t of [gw, quiet, plain, workers]) for (const p of ['/p/stock', '/p/proxy']) runWrk(`${t.match}${p}`, { ...w, seconds: 2, script: warmScript });
    for (const t of [bare, bareProxy]) runWrk(t.match, { ...w, seconds: 2 });
    runWrk(floor.match, { ...w, seconds: 2, script: warmScript });

    const names = {
      bare: 'bare node:http, no auth (baseline)',
      stock: 'Gatehouse, protected stock route, warm decisions',
      stockOff: 'Gatehouse, same route, access log off',
      stockPlain: `Gatehouse, same route, node without ${SHIPPED_NODE_FLAGS.join(' ')}`,
      hap: 'HAProxy 2.6 jwt_verify, stock answer',
      bareProxy: 'bare node:http + undici proxy, no auth (baseline)',
      proxy: 'Gatehouse, protected proxy route, warm decisions',
      hapProxy: 'HAProxy 2.6 jwt_verify, proxy',
      floor: 'bare node:http + crypto.verify, cached key (baseline)',
      unique: 'Gatehouse, unique tokens (every request verifies)',
      one: 'Gatehouse, one process on core 0 (baseline)',
      two: 'Gatehouse, serve --workers 2 (cores 0 and 1)',
    };
    const stockRows = await interleave(
      [
        { name: names.bare, run: run(bare, '') },
        { name: names.stock, run: run(gw, '/p/stock', warmScript) },
        { name: names.stockOff, run: run(quiet, '/p/stock', warmScript) },
        { name: names.stockPlain, run: run(plain, '/p/stock', warmScript) },
        ...(hap ? [{ name: names.hap, run: run(hap, '', warmScript) }] : []),
      ],
      opts.rounds,
    );
    const proxyRows = await interleave(
      [
        { name: names.bareProxy, run: run(bareProxy, '') },
        { name: names.proxy, run: run(gw, '/p/proxy', warmScript) },
        ...(hapProxy ? [{ name: names.hapProxy, run: run(hapProxy, '', warmScript) }] : []),
      ],
      opts.rounds,
    );
    const uniqueRows = await interleave(
      [
        { name: names.floor, run: run(floor, '', uniqueScript) },
        { name: names.unique, run: run(gw, '/p/stock', uniqueScript) },
      ],
      opts.rounds,
    );
    const workerRows = await interleave(
      [
        { name: names.one, run: run(gw, '/p/stock', warmScript) },
        { name: names.two, run: run(workers, '/p/stock', warmScript) },
      ],
      opts.rounds,
    );
    const goals: Goal[] = [
      { goal: 'access log on / off, protected stock route ≥ 0.90×', target: 0.9, rows: stockRows, a: names.stock, b: names.stockOff },
      { goal: 'protected stock route / bare node:http (no auth) ≥ 0.80×', target: 0.8, rows: stockRows, a: names.stock, b: names.bare },
      { goal: `shipped node flags (${SHIPPED_NODE_FLAGS.join(' ')}) / none, protected stock route (reported)`, target: 0, rows: stockRows, a: names.stock, b: names.stockPlain },
      { goal: 'protected stock route / HAProxy jwt_verify (reported)', target: 0, rows: stockRows, a: names.stock, b: names.hap },
      { goal: 'protected proxy route / HAProxy jwt_verify proxy ≥ 1.0×', target: 1, rows: proxyRows, a: names.proxy, b: names.hapProxy },
      { goal: 'protected proxy route / bare node:http + undici proxy ≥ 1.0×', target: 1, rows: proxyRows, a: names.proxy, b: names.bareProxy },
      { goal: 'unique tokens / crypto floor ≥ 0.90×', target: 0.9, rows: uniqueRows, a: names.unique, b: names.floor },
      { goal: 'serve --workers 2 / one process ≥ 1.70×', target: 1.7, rows: workerRows, a: names.two, b: names.one },
    ];
    const header = `${machineDescription()}; wrk 1 thread, ${opts.connections} connections, ${opts.seconds} s × ${opts.rounds} rounds, rows of a section interleaved; **access logs on** in every Gatehouse row but "access log off" (default level info, stdout to a pipe drained by \`cat\` on core 1), and node started with the flags the shipped launchers pass (\`${SHIPPED_NODE_FLAGS.join(' ')}\`: npm start, the image, the systemd unit, \`--workers\`' workers) in every Gatehouse row but "node without". RS256 tokens (2048-bit key) from a JWKS; HAProxy reads the key from a PEM file. Gatehouse ran ${process.env['GATEHOUSE_DIST'] === '1' ? 'from dist/ (the compiled build users install)' : 'from src/ through tsx (a development checkout; GATEHOUSE_DIST=1 runs dist/)'}.${haveHaproxy ? '' : ' HAProxy is not installed: its rows are skipped.'}`;
    return [
      '### Performance with the defaults on (issue 16)',
      '',
      header,
      '',
      goalsTable(goals),
      '',
      '#### Protected stock route, 1000 valid tokens cycling',
      '',
      table(stockRows, names.bare),
      '',
      '#### Protected proxy route to a trivial upstream (upstream on core 1)',
      '',
      table(proxyRows, names.bareProxy),
      '',
      '#### Every request verifies: 20,000 tokens cycling (twice the decision cache)',
      '',
      table(uniqueRows, names.floor),
      '',
      '#### serve --workers 2 (CPU column: the primary only, so not shown)',
      '',
      table(workerRows, names.one),
      '',
    ].join('\n');
  } finally {
    await Promise.all(targets.map((t) => t.stop()));
  }
}

if (process.argv[1]?.endsWith('defaults.ts')) {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '3' }, connections: { type: 'string', default: '64' } } });
  process.stdout.write(await benchDefaults({ seconds: Number(values.seconds), rounds: Number(values.rounds), connections: Number(values.connections) }));
}
