/**
 * Tracing benchmark (issue 15): what tracing costs when it is off, against a revision without it
 * (a git worktree, as bench/policies.ts does), and what it costs when it is on (every request
 * sampled, spans exported to a stand-in collector, bench/servers/otlp_sink.ts). Two routes: the
 * protected stock route of bench/policies.ts (JWT with a warm decision cache: request and
 * authentication spans) and an HTTP_BACKEND proxy route (request and backend spans, `traceparent`
 * written for the upstream). Gatehouse at log level warn (no access lines), so the rows differ only
 * by tracing.
 * Usage: node --import tsx bench/tracing.ts --baseline REV [--seconds N] [--rounds N] [--connections N]
 */
import { parseArgs } from 'node:util';
import { ACCESS_LOG_OFF, ROOT, ensureWrk, git, worktree, interleave, machineDescription, runWrk, runWrkCpu, spawnGatehouse, spawnTarget, table, type Target } from './harness.ts';
import { JwksServer, makeKey, signToken } from '../test/helpers/jwks_server.ts';

const AUD = 'https://auth0-jwt-authorizer';
/** Processes per variant, samples pooled: two identical processes differ by up to ~3 % here. */
const PROCESSES = 2;

export async function benchTracing(opts: { seconds: number; rounds: number; connections: number; baseline: string }): Promise<string> {
  ensureWrk();
  const rev = git(['rev-parse', '--short', opts.baseline]);
  const head = `${git(['rev-parse', '--short', 'HEAD'])}${git(['status', '--porcelain', '--', 'src']) === '' ? '' : ' + uncommitted changes in src/'}`;
  const targets: Target[] = [];
  const idp = await JwksServer.start();
  const tree = worktree(rev);
  const treeDir = tree.dir;
  try {
    const key = await makeKey('RS256', 'bench-key');
    idp.keys = [key];
    idp.cacheControl = 'max-age=86400'; // this process blocks while wrk runs
    const now = Math.floor(Date.now() / 1000);
    const token = await signToken(key, { iss: idp.issuer, sub: 'client-0@clients', aud: AUD, iat: now, exp: now + 86_400, scope: 'read:hello', azp: 'client-0' });

    const upstream = await spawnTarget('upstream', 1, process.execPath, ['--import', 'tsx', 'bench/servers/bare_stock.ts'], /listening (\S+)/);
    targets.push(upstream);
    const collector = await spawnTarget('collector', 1, process.execPath, ['--import', 'tsx', 'bench/servers/otlp_sink.ts'], /listening (\S+)/);
    targets.push(collector);
    const stock = { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: '{"hello":"world"}', headers: [{ name: 'content-type', value: 'application/json' }] };
    const authentication = { type: 'JWT_AUTHENTICATION', issuers: [idp.issuer], audiences: [AUD], publicKeys: { type: 'REMOTE_JWKS', uri: idp.jwksUri, maxCacheDurationInHours: 24 } };
    const config = {
      server: { host: '127.0.0.1' },
      deployments: [
        { name: 'protected', pathPrefix: '/v1', specification: { requestPolicies: { authentication }, routes: [{ path: '/stock', methods: ['GET'], backend: stock }] } },
        { name: 'open', pathPrefix: '/open', specification: { routes: [{ path: '/proxy', methods: ['GET'], backend: { type: 'HTTP_BACKEND', url: `${upstream.match}/` } }] } },
      ],
    };
    const traced = { ...config, telemetry: { otlp: { endpoint: collector.match } } };

    const variants = [
      { name: `@ ${rev} (before tracing; baseline)`, config, root: treeDir },
      { name: `@ ${head}, tracing off`, config, root: ROOT },
      { name: `@ ${head}, tracing on (every request sampled, exported)`, config: traced, root: ROOT },
    ];
    const gateways: { variant: string; t: Target & { match: string } }[] = [];
    for (let i = 0; i < PROCESSES; i++) {
      for (const v of variants) {
        const t = await spawnGatehouse(v.config, ACCESS_LOG_OFF, { root: v.root });
        targets.push(t);
        gateways.push({ variant: v.name, t });
      }
    }
    const headers = { authorization: `Bearer ${token}` };
    for (const { t } of gateways) {
      for (const path of ['/v1/stock', '/open/proxy']) {
        const res = await fetch(`${t.match}${path}`, { headers });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`${t.match}${path}: warm-up answered ${res.status}`);
        runWrk(`${t.match}${path}`, { seconds: 2, connections: opts.connections, headers });
      }
    }
    const w = { seconds: opts.seconds, connections: opts.connections, headers };
    let out = `### Tracing (issue 15)\n\n${machineDescription()}; wrk 1 thread, ${opts.connections} connections, ${opts.seconds} s × ${opts.rounds} rounds, all rows interleaved, ${PROCESSES} processes per row (samples pooled); Gatehouse at log level warn.\n`;
    for (const [path, title] of [['/v1/stock', 'Protected stock route (JWT, warm decision cache)'], ['/open/proxy', 'HTTP_BACKEND proxy route']] as const) {
      const rows = await interleave(
        gateways.map(({ variant, t }) => ({ name: variant, run: () => runWrkCpu(t.proc.pid!, `${t.match}${path}`, w) })),
        opts.rounds,
      );
      const pooled = variants.map((v) => ({ name: v.name, samples: rows.filter((r) => r.name === v.name).flatMap((r) => r.samples) }));
      out += `\n#### ${title}\n\n${table(pooled, variants[0]!.name)}\n`;
    }
    return out;
  } finally {
    await Promise.all(targets.map((t) => t.stop()));
    await idp.stop();
    tree.remove();
  }
}

if (process.argv[1]?.endsWith('tracing.ts')) {
  const { values } = parseArgs({
    options: { seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '3' }, connections: { type: 'string', default: '64' }, baseline: { type: 'string' } },
  });
  if (values.baseline === undefined) throw new Error('--baseline REV: a revision without tracing to compare with');
  process.stdout.write(await benchTracing({ seconds: Number(values.seconds), rounds: Number(values.rounds), connections: Number(values.connections), baseline: values.baseline }));
}
