/**
 * Functions benchmark (issue #5). Two comparisons, each against its baseline in the same run,
 * interleaved in rounds:
 *
 * - warm call: sequential calls on one keep-alive connection through the gateway
 *   (client → gatehouse → function container → client) versus the same calls sent straight to that
 *   same container's unix socket (what the gateway itself does); the difference is the gateway's
 *   overhead per call. A third row relays through a bare node:http + undici server to the same
 *   socket (bench/servers/bare_fn_hop.ts): the least any Node process in between costs;
 * - cold start: the first call of a never-used function through the gateway versus spawning the
 *   same function bare (same argv and environment) and calling its socket once it is ready.
 *
 * The gateway (and so its containers) runs on core 0, this process (the client) on core 1.
 * Usage: node --import tsx bench/functions.ts [--calls N] [--rounds N] [--colds N]
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, watch, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'undici';
import { containerSpec } from '../src/functions/compile.ts';
import { readFuncYaml } from '../src/functions/func_yaml.ts';
import { ROOT, machineDescription, median, pinned, spawnGatehouse, spawnTarget, type Target } from './harness.ts';

const FN_DIR = join(ROOT, 'test/fixtures/functions/hello');

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
}

/** `calls` sequential calls; returns per-call latencies in ms. */
async function sequential(client: Client, path: string, headers: string[], calls: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    const res = await client.request({ path, method: path === '/call' ? 'POST' : 'GET', headers });
    await res.body.arrayBuffer();
    if (res.statusCode !== 200) throw new Error(`${path} answered ${res.statusCode}`);
    out.push(performance.now() - t0);
  }
  return out;
}

function callHeaders(): string[] {
  // What the gateway sends for `GET /v1/hello` from this client (functions/call_codec.ts).
  return [
    'Fn-Call-Id', 'bench', 'Fn-Intent', 'httprequest', 'Fn-Http-Method', 'GET', 'Fn-Http-Request-Url', '/v1/hello',
    'Fn-Http-H-Host', 'localhost', 'Fn-Deadline', new Date(Date.now() + 30_000).toISOString(),
  ];
}

/** Spawns the function bare (pinned to core 0) and returns ms to socket ready and to first response. */
async function bareColdStart(): Promise<{ readyMs: number; firstMs: number }> {
  const loaded = readFuncYaml(FN_DIR);
  if (!loaded.result.ok) throw new Error(loaded.result.problems.join('; '));
  const spec = containerSpec('bare', FN_DIR, loaded.result.spec, {});
  const dir = mkdtempSync(join(tmpdir(), 'gh-bench-'));
  const sock = join(dir, 'lsnr.sock');
  const [cmd, args] = pinned(0, spec.argv[0] as string, spec.argv.slice(1) as string[]);
  const t0 = performance.now();
  const child = spawn(cmd, args, { cwd: FN_DIR, env: { ...spec.env, FN_LISTENER: `unix:${sock}` }, stdio: 'ignore' });
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      try {
        if (lstatSync(sock).isSymbolicLink()) {
          w.close();
          resolve();
        }
      } catch {
        // not yet
      }
    };
    const w = watch(dir, check);
    child.once('exit', () => reject(new Error('bare function exited')));
    check();
  });
  const readyMs = performance.now() - t0;
  const client = new Client('http://localhost', { socketPath: sock });
  const res = await client.request({ path: '/call', method: 'POST', headers: callHeaders() });
  await res.body.arrayBuffer();
  const firstMs = performance.now() - t0;
  await client.close();
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
  return { readyMs, firstMs };
}

export async function benchFunctions(opts: { calls: number; rounds: number; colds: number }): Promise<string> {
  // Before pinning: nproc reports this process's affinity. No wrk here: this process is the client.
  const machine = machineDescription().replace('wrk on core 1', 'client on core 1');
  // The client (this process) on core 1, the gateway and its containers on core 0.
  spawnSync('taskset', ['-pc', '1', String(process.pid)], { stdio: 'ignore' });
  const functions: Record<string, unknown> = { hello: { path: FN_DIR, maxConcurrency: 1 } };
  const routes = [{ path: '/hello', methods: ['GET', 'POST'], backend: { type: 'ORACLE_FUNCTIONS_BACKEND', functionId: 'hello' } }];
  for (let i = 0; i < opts.colds; i++) {
    functions[`cold${i}`] = { path: FN_DIR };
    routes.push({ path: `/cold${i}`, methods: ['GET'], backend: { type: 'ORACLE_FUNCTIONS_BACKEND', functionId: `cold${i}` } });
  }
  const targets: Target[] = [];
  try {
    const gw = await spawnGatehouse({ server: { host: '127.0.0.1' }, deployments: [{ name: 'bench', pathPrefix: '/v1', specification: { routes } }], functions });
    targets.push(gw);
    const gwClient = new Client(gw.match);
    // Warm the function and ask its container for its socket (the fixture's {"where":true}).
    const where = await gwClient.request({ path: '/v1/hello', method: 'POST', body: '{"where":true}', headers: { 'content-type': 'application/json' } });
    const sock = String(((await where.body.json()) as { listener: string }).listener).slice('unix:'.length);
    const direct = new Client('http://localhost', { socketPath: sock });
    const headers = callHeaders();
    // The bare hop shares the gateway's core (0), as the container does.
    const hop = await spawnTarget('bare-fn-hop', 0, process.execPath, ['--import', 'tsx', 'bench/servers/bare_fn_hop.ts'], /listening (\S+)/, { FN_SOCKET: sock });
    targets.push(hop);
    const hopClient = new Client(hop.match);

    const warm = { gateway: [] as number[], direct: [] as number[], hop: [] as number[] };
    await sequential(direct, '/call', headers, 300);
    await sequential(hopClient, '/hop', [], 300);
    await sequential(gwClient, '/v1/hello', [], 300);
    for (let r = 1; r <= opts.rounds; r++) {
      warm.direct.push(...(await sequential(direct, '/call', headers, opts.calls)));
      warm.hop.push(...(await sequential(hopClient, '/hop', [], opts.calls)));
      warm.gateway.push(...(await sequential(gwClient, '/v1/hello', [], opts.calls)));
      console.error(`warm round ${r}/${opts.rounds} done`);
    }
    await direct.close();
    await hopClient.close();

    const cold = { gateway: [] as number[], bareReady: [] as number[], bareFirst: [] as number[] };
    for (let i = 0; i < opts.colds; i++) {
      const b = await bareColdStart();
      cold.bareReady.push(b.readyMs);
      cold.bareFirst.push(b.firstMs);
      const t0 = performance.now();
      const res = await gwClient.request({ path: `/v1/cold${i}`, method: 'GET' });
      await res.body.arrayBuffer();
      if (res.statusCode !== 200) throw new Error(`cold${i} answered ${res.statusCode}`);
      cold.gateway.push(performance.now() - t0);
    }
    await gwClient.close();

    const row = (name: string, xs: number[]) =>
      `| ${name} | ${median(xs).toFixed(3)} | ${percentile(xs, 90).toFixed(3)} | ${percentile(xs, 99).toFixed(3)} | ${Math.round(1000 / (xs.reduce((s, x) => s + x, 0) / xs.length))} |`;
    const overheadP50 = median(warm.gateway) - median(warm.direct);
    const overheadP99 = percentile(warm.gateway, 99) - percentile(warm.direct, 99);
    const hopP50 = median(warm.hop) - median(warm.direct);
    const coldExtra = median(cold.gateway) - median(cold.bareFirst);
    return [
      '## Functions (issue #5)',
      '',
      `Machine: ${machine}. Function: test/fixtures/functions/hello (@fnproject/fdk, returns {"message":"Hello World"}).`,
      '',
      `### Warm calls: ${opts.rounds} interleaved rounds × ${opts.calls} sequential calls on one keep-alive connection`,
      '',
      '| path | p50 ms | p90 ms | p99 ms | calls/s (1 connection) |',
      '|---|---:|---:|---:|---:|',
      row('client → container socket (baseline)', warm.direct),
      row('client → bare node:http + undici → container (the floor of a Node hop)', warm.hop),
      row('client → gatehouse → container → client (access log on)', warm.gateway),
      '',
      `Gateway overhead per warm call: **${overheadP50.toFixed(3)} ms at p50**, ${overheadP99.toFixed(3)} ms at p99; a bare Node hop adds ${hopP50.toFixed(3)} ms at p50, so Gatehouse's own share is ${(overheadP50 - hopP50).toFixed(3)} ms.`,
      '',
      `### Cold start: ${opts.colds} runs, interleaved`,
      '',
      '| path | median ms | p90 ms | max ms |',
      '|---|---:|---:|---:|',
      `| bare spawn → socket ready (baseline) | ${median(cold.bareReady).toFixed(1)} | ${percentile(cold.bareReady, 90).toFixed(1)} | ${Math.max(...cold.bareReady).toFixed(1)} |`,
      `| bare spawn → first response | ${median(cold.bareFirst).toFixed(1)} | ${percentile(cold.bareFirst, 90).toFixed(1)} | ${Math.max(...cold.bareFirst).toFixed(1)} |`,
      `| first call through gatehouse (client-side) | ${median(cold.gateway).toFixed(1)} | ${percentile(cold.gateway, 90).toFixed(1)} | ${Math.max(...cold.gateway).toFixed(1)} |`,
      '',
      `Cold start through the gateway costs **${coldExtra.toFixed(1)} ms more** (median) than spawning the function bare and calling it once.`,
      '',
    ].join('\n');
  } finally {
    for (const t of targets) await t.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { calls: { type: 'string', default: '2000' }, rounds: { type: 'string', default: '3' }, colds: { type: 'string', default: '15' } } });
  process.stdout.write(await benchFunctions({ calls: Number(values.calls), rounds: Number(values.rounds), colds: Number(values.colds) }));
}
