/**
 * Shared-state policies benchmark (issue #13): what a deployment rate limit and a response-cache
 * HIT cost, in memory and in Redis, as ratios to the same stock route without them, measured in
 * the same run. Gatehouse runs at its default log level (one access line per request, stdout
 * drained by `cat`), as users run it. Every rate limit is far above what wrk can send, so each
 * row counts every request and refuses none (a refused request would be cheaper, not dearer).
 * The cache rows answer from the cache: the first request stores the stock answer, wrk's get HITs.
 * Redis is a real `redis-server` on loopback, unpinned; its row shows a network round trip per request.
 * Usage: npm run bench -- state [--seconds N] [--rounds N]
 */
import { parseArgs } from 'node:util';
import { ensureWrk, interleave, machineDescription, runWrkCpu, runWrk, spawnGatehouse, table, type Target } from './harness.ts';
import { startRedis, type RunningRedis } from '../test/helpers/redis.ts';

/** Unset: the gateway's own default level (info), not the harness's warn. */
const DEFAULT_LOG_LEVEL = { GATEHOUSE_LOG_LEVEL: undefined };
const DRAINED = { drainStdout: true };
const FAST = 1_000_000;

function deployments(): object[] {
  const stock = { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: '{"hello":"world"}', headers: [{ name: 'content-type', value: 'application/json' }] };
  const route = (extra: object = {}) => ({ path: '/x', methods: ['GET'], backend: stock, ...extra });
  const cached = route({
    requestPolicies: { responseCacheLookup: { type: 'SIMPLE_LOOKUP_POLICY', isEnabled: true } },
    responsePolicies: { responseCacheStore: { type: 'FIXED_TTL_STORE_POLICY', timeToLiveInSeconds: 3600 } },
  });
  return [
    { name: 'plain', pathPrefix: '/plain', specification: { routes: [route()] } },
    { name: 'total', pathPrefix: '/total', specification: { requestPolicies: { rateLimiting: { rateInRequestsPerSecond: FAST, rateKey: 'TOTAL' } }, routes: [route()] } },
    { name: 'client', pathPrefix: '/client', specification: { requestPolicies: { rateLimiting: { rateInRequestsPerSecond: FAST, rateKey: 'CLIENT_IP' } }, routes: [route()] } },
    { name: 'cached', pathPrefix: '/cached', specification: { routes: [cached] } },
  ];
}

export async function benchState(opts: { seconds: number; rounds: number; connections: number }): Promise<string> {
  ensureWrk();
  const targets: Target[] = [];
  let redis: RunningRedis | null = null;
  try {
    redis = await startRedis();
    const mem = await spawnGatehouse({ server: { host: '127.0.0.1' }, deployments: deployments() }, DEFAULT_LOG_LEVEL, DRAINED);
    targets.push(mem);
    const red = await spawnGatehouse({ server: { host: '127.0.0.1' }, state: { redis: { url: redis.url } }, deployments: deployments() }, DEFAULT_LOG_LEVEL, DRAINED);
    targets.push(red);

    const scenarios = [
      { t: mem, path: '/plain/x', name: 'memory process: stock route, no policy (baseline)' },
      { t: mem, path: '/total/x', name: 'memory: rate limit, TOTAL' },
      { t: mem, path: '/client/x', name: 'memory: rate limit, CLIENT_IP' },
      { t: mem, path: '/cached/x', name: 'memory: response cache HIT' },
      { t: red, path: '/plain/x', name: 'Redis process: stock route, no policy (baseline)' },
      { t: red, path: '/total/x', name: 'Redis: rate limit, TOTAL' },
      { t: red, path: '/cached/x', name: 'Redis: response cache HIT' },
    ];
    // Warm up, and check that each row does what it is named after.
    for (const s of scenarios) {
      for (let i = 0; i < 2; i++) {
        const res = await fetch(`${s.t.match}${s.path}`);
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`${s.name}: warm-up answered ${res.status}`);
        if (s.path === '/cached/x' && i === 1 && res.headers.get('x-cache-status') !== 'HIT') throw new Error(`${s.name}: second request was ${res.headers.get('x-cache-status')}, not HIT`);
      }
    }
    const w = { seconds: opts.seconds, connections: opts.connections };
    for (const s of scenarios) runWrk(`${s.t.match}${s.path}`, { ...w, seconds: 2 });
    const rows = await interleave(
      scenarios.map((s) => ({ name: s.name, run: () => runWrkCpu(s.t.proc.pid!, `${s.t.match}${s.path}`, w) })),
      opts.rounds,
    );
    for (const r of rows) {
      const refused = r.samples.reduce((n, s) => n + s.non2xx, 0);
      if (refused > 0) throw new Error(`${r.name}: ${refused} non-2xx answers; the row would not measure what it says`);
    }
    return (
      `### Rate limits and the response cache (issue #13)\n\n${machineDescription()}; wrk 1 thread, ${opts.connections} connections, ${opts.seconds} s × ${opts.rounds} rounds, all rows interleaved; ` +
      `**Gatehouse at its default log level (info: one access line per request)**; unauthenticated stock route; rate limits set far above the offered load (every request counted, none refused); ` +
      `Redis is a local redis-server (unpinned). Each process is compared with its own plain route.\n\n` +
      `#### In memory (the default)\n\n${table(rows.slice(0, 4), scenarios[0]!.name)}\n\n` +
      `#### In Redis (\`state.redis\`)\n\n${table(rows.slice(4), scenarios[4]!.name)}\n`
    );
  } finally {
    await Promise.all(targets.map((t) => t.stop()));
    await redis?.close();
  }
}

if (process.argv[1]?.endsWith('state.ts')) {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '3' }, connections: { type: 'string', default: '64' } } });
  process.stdout.write(await benchState({ seconds: Number(values.seconds), rounds: Number(values.rounds), connections: Number(values.connections) }));
}
