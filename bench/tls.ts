/**
 * TLS benchmark (issue 15): what HTTPS costs the gateway against plain HTTP, and whether HTTP/2
 * support (node:http2's createSecureServer with allowHTTP1) slows HTTP/1.1 clients, measured in
 * the same run, interleaved, wrk over TLS on kept-alive connections (the handshake is paid once
 * per connection; what is measured is the record layer and the server class per request).
 *
 * Rows: `gatehouse serve` on plain HTTP (the baseline) and with server.tls (P-256 certificate),
 * on a stock route and a proxied one; then the data plane's handler on node:https and on
 * node:http2 (allowHTTP1), both with TLS (bench/servers/tls_data_plane.ts), on the stock route.
 * The HTTP/2 row is compared with the node:https row next to it, not with the baseline.
 * Usage: npm run bench -- tls [--seconds N] [--rounds N]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACCESS_LOG_ON, ensureWrk, interleave, machineDescription, median, runWrk, runWrkCpu, spawnTarget, table, type Row, type Target } from './harness.ts';
import { createCa } from '../test/helpers/certs.ts';

const READY = /(?:data plane\s+|listening )(https?:\/\/\S+)/;
/** Access logs on (the default level), stdout drained by `cat` (bench/harness.ts). */
const DRAINED = { drainStdout: true };

function config(upstream: string, tls: boolean): object {
  const stock = { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: '{"hello":"world"}', headers: [{ name: 'content-type', value: 'application/json' }] };
  return {
    server: { host: '127.0.0.1', ...(tls ? { tls: { certificates: [{ certFile: 'gw.pem', keyFile: 'gw-key.pem' }] } } : {}) },
    deployments: [
      {
        name: 'bench',
        pathPrefix: '/v1',
        specification: {
          routes: [
            { path: '/stock', methods: ['GET'], backend: stock },
            { path: '/proxy', methods: ['GET'], backend: { type: 'HTTP_BACKEND', url: `${upstream}/` } },
          ],
        },
      },
    ],
  };
}

/** One row's median requests/s and CPU per request. */
function summary(rows: Row[], name: string): { rps: number; cpu: number } {
  const r = rows.find((x) => x.name === name);
  return { rps: median(r?.samples.map((s) => s.rps) ?? [NaN]), cpu: median(r?.samples.map((s) => s.cpuUsPerReq ?? NaN) ?? [NaN]) };
}

export async function benchTls(opts: { seconds: number; rounds: number; connections: number }): Promise<string> {
  ensureWrk();
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-tls-'));
  const ca = createCa();
  const cert = ca.issueServer({ sans: ['localhost', '127.0.0.1'] });
  writeFileSync(join(dir, 'gw.pem'), cert.cert);
  writeFileSync(join(dir, 'gw-key.pem'), cert.key);
  const targets: Target[] = [];
  try {
    const upstream = await spawnTarget('upstream', 1, process.execPath, ['--import', 'tsx', 'bench/servers/bare_stock.ts'], /listening (\S+)/);
    targets.push(upstream);
    writeFileSync(join(dir, 'plain.json'), JSON.stringify(config(upstream.match, false)));
    writeFileSync(join(dir, 'tls.json'), JSON.stringify(config(upstream.match, true)));
    const serve = (file: string) => ['bin/gatehouse.js', 'serve', '--config', join(dir, file), '--port', '0', '--admin-port', '0'];
    const plain = await spawnTarget('gatehouse http', 0, process.execPath, serve('plain.json'), READY, ACCESS_LOG_ON, DRAINED);
    targets.push(plain);
    const https = await spawnTarget('gatehouse https', 0, process.execPath, serve('tls.json'), READY, ACCESS_LOG_ON, DRAINED);
    targets.push(https);
    if (!https.match.startsWith('https://')) throw new Error(`gatehouse serve with server.tls answered on ${https.match}`);
    const onHttps = await spawnTarget('handler on node:https', 0, process.execPath, ['--import', 'tsx', 'bench/servers/tls_data_plane.ts', join(dir, 'tls.json')], READY, { ...ACCESS_LOG_ON, KIND: 'https' }, DRAINED);
    targets.push(onHttps);
    const onH2 = await spawnTarget('handler on node:http2', 0, process.execPath, ['--import', 'tsx', 'bench/servers/tls_data_plane.ts', join(dir, 'tls.json')], READY, { ...ACCESS_LOG_ON, KIND: 'h2' }, DRAINED);
    targets.push(onH2);

    const w = { seconds: opts.seconds, connections: opts.connections };
    const pid = (t: Target) => t.proc.pid ?? 0;
    const scenarios = [
      { name: 'serve, plain HTTP, stock (baseline)', t: plain, path: '/v1/stock' },
      { name: 'serve, HTTPS, stock', t: https, path: '/v1/stock' },
      { name: 'serve, plain HTTP, proxy', t: plain, path: '/v1/proxy' },
      { name: 'serve, HTTPS, proxy', t: https, path: '/v1/proxy' },
      { name: 'handler on node:https, stock', t: onHttps, path: '/v1/stock' },
      { name: 'handler on node:http2 (allowHTTP1), HTTP/1.1, stock', t: onH2, path: '/v1/stock' },
    ];
    // Warm-up so JIT, pools and TLS sessions are settled before the first measured round.
    for (const s of scenarios) runWrk(`${s.t.match}${s.path}`, { ...w, seconds: 2 });
    const rows = await interleave(
      scenarios.map((s) => ({ name: s.name, run: () => runWrkCpu(pid(s.t), `${s.t.match}${s.path}`, w) })),
      opts.rounds,
    );
    const ratio = (a: string, b: string) => {
      const x = summary(rows, a);
      const y = summary(rows, b);
      return `${(x.rps / y.rps).toFixed(2)}× the requests/s, ${(x.cpu / y.cpu).toFixed(2)}× the CPU per request`;
    };
    return [
      '### TLS',
      '',
      `${machineDescription()}; wrk 1 thread, ${opts.connections} kept-alive connections over TLS (TLSv1.3, P-256 certificate), ${opts.seconds} s × ${opts.rounds} rounds, interleaved; Gatehouse at its default log level (info: one access line per request).`,
      '',
      table(rows, 'serve, plain HTTP, stock (baseline)'),
      '',
      `- HTTPS / plain HTTP, stock route: ${ratio('serve, HTTPS, stock', 'serve, plain HTTP, stock (baseline)')}.`,
      `- HTTPS / plain HTTP, proxied route: ${ratio('serve, HTTPS, proxy', 'serve, plain HTTP, proxy')}.`,
      `- HTTP/1.1 through node:http2 (allowHTTP1) / node:https, same handler: ${ratio('handler on node:http2 (allowHTTP1), HTTP/1.1, stock', 'handler on node:https, stock')}.`,
      '',
    ].join('\n');
  } finally {
    await Promise.all(targets.map((t) => t.stop()));
    ca.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}
