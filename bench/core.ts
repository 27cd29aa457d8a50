/**
 * Gateway core benchmark (issue #2): requests/s of Gatehouse on a stock-response route and on a
 * proxied route, next to a bare node:http server (the baseline) and a bare node:http + undici proxy,
 * all measured in the same run. Usage: npm run bench -- core [--seconds N] [--rounds N]
 */
import { ensureWrk, interleave, machineDescription, runWrk, spawnGatehouse, spawnTarget, table, type Target } from './harness.ts';

export async function benchCore(opts: { seconds: number; rounds: number; connections: number }): Promise<string> {
  ensureWrk();
  const targets: Target[] = [];
  try {
    // The upstream shares core 1 with wrk: it is the same for both proxies, so the ratio stays fair.
    const upstream = await spawnTarget('upstream', 1, process.execPath, ['--import', 'tsx', 'bench/servers/bare_stock.ts'], /listening (\S+)/);
    targets.push(upstream);
    const bare = await spawnTarget('bare', 0, process.execPath, ['--import', 'tsx', 'bench/servers/bare_stock.ts'], /listening (\S+)/);
    targets.push(bare);
    const bareProxy = await spawnTarget('bare-proxy', 0, process.execPath, ['--import', 'tsx', 'bench/servers/bare_proxy.ts'], /listening (\S+)/, { UPSTREAM: upstream.match });
    targets.push(bareProxy);
    const gw = await spawnGatehouse({
      server: { host: '127.0.0.1' },
        deployments: [
          {
            name: 'bench',
            pathPrefix: '/v1',
            specification: {
              routes: [
                { path: '/stock', methods: ['GET'], backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: '{"hello":"world"}', headers: [{ name: 'content-type', value: 'application/json' }] } },
                { path: '/proxy', methods: ['GET'], backend: { type: 'HTTP_BACKEND', url: `${upstream.match}/` } },
              ],
            },
          },
        ],
    });
    targets.push(gw);

    const w = { seconds: opts.seconds, connections: opts.connections };
    // Warm-up so JIT and pools are settled before the first measured round.
    for (const u of [bare.match, `${gw.match}/v1/stock`, `${gw.match}/v1/proxy`, bareProxy.match]) runWrk(u, { ...w, seconds: 2 });
    const rows = await interleave(
      [
        { name: 'bare node:http, stock (baseline)', run: () => runWrk(bare.match, w) },
        { name: 'Gatehouse, stock response route', run: () => runWrk(`${gw.match}/v1/stock`, w) },
        { name: 'bare node:http + undici, proxy', run: () => runWrk(bareProxy.match, w) },
        { name: 'Gatehouse, HTTP_BACKEND proxy route', run: () => runWrk(`${gw.match}/v1/proxy`, w) },
      ],
      opts.rounds,
    );
    return `### Gateway core\n\n${machineDescription()}; wrk 1 thread, ${opts.connections} connections, ${opts.seconds} s × ${opts.rounds} rounds, interleaved; Gatehouse at its default log level (info: one access line per request, stdout drained by cat on wrk's core).\n\n${table(rows, 'bare node:http, stock (baseline)')}\n`;
  } finally {
    await Promise.all(targets.map((t) => t.stop()));
  }
}
