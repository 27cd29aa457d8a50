/**
 * Request/response policy benchmark (issue #12): the protected stock route of bench/auth.ts (JWT,
 * warm decision cache, ANY_OF scope) on the working tree against the same route on a revision from
 * before the policy chain (a git worktree; default 21b79d6, the parent of the first policy commit),
 * then the same route with each policy on, as ratios to the plain route. Every scenario gets the
 * very same request (Authorization, Origin, X-Api-Version), so a ratio is the policy's cost, not
 * the cost of parsing more headers. Gatehouse runs at its default log level (info: one access line
 * per request), as users run it; one row shows the plain route at warn, as the other tables run it.
 * Usage: npm run bench -- policies [--seconds N] [--rounds N] [--baseline REV]
 * or directly: node --import tsx bench/policies.ts [--seconds N] [--rounds N] [--baseline REV].
 */
import { parseArgs } from 'node:util';
import { ACCESS_LOG_OFF, ensureWrk, git, worktree, interleave, machineDescription, runWrk, runWrkCpu, spawnGatehouse, table, type Target } from './harness.ts';
import { JwksServer, makeKey, signToken } from '../test/helpers/jwks_server.ts';

const AUD = 'https://auth0-jwt-authorizer';
const ORIGIN = 'https://app.example';
/** Unset: the gateway's own default level (info: one access line per request). */
const DEFAULT_LOG_LEVEL = { GATEHOUSE_LOG_LEVEL: undefined };
/** Processes per side in the A/B (current tree vs baseline revision). */
const AB_PROCESSES = 2;
/** Its access lines go to a pipe that `cat` drains while wrk runs. */
const DRAINED = { drainStdout: true };

export async function benchPolicies(opts: { seconds: number; rounds: number; connections: number; baseline: string }): Promise<string> {
  ensureWrk();
  const rev = git(['rev-parse', '--short', opts.baseline]);
  const head = `${git(['rev-parse', '--short', 'HEAD'])}${git(['status', '--porcelain', '--', 'src']) === '' ? '' : ' + uncommitted changes in src/'}`;
  const targets: Target[] = [];
  const idp = await JwksServer.start();
  let tree: ReturnType<typeof worktree> | null = null;
  try {
    tree = worktree(rev);
    const key = await makeKey('RS256', 'bench-key');
    idp.keys = [key];
    // The bench process blocks while wrk runs: make sure nobody needs the JWKS server then.
    idp.cacheControl = 'max-age=86400';
    const now = Math.floor(Date.now() / 1000);
    // Shaped like bench/auth.ts's tokens (Auth0 client-credentials claims).
    const token = await signToken(key, { iss: idp.issuer, sub: 'client-0@clients', aud: AUD, iat: now, exp: now + 86_400, scope: 'read:hello write:hello', gty: 'client-credentials', azp: 'client-0' });

    const stock = { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: '{"hello":"world"}', headers: [{ name: 'content-type', value: 'application/json' }] };
    const authentication = { type: 'JWT_AUTHENTICATION', issuers: [idp.issuer], audiences: [AUD], publicKeys: { type: 'REMOTE_JWKS', uri: idp.jwksUri, maxCacheDurationInHours: 24 } };
    const scope = { type: 'ANY_OF', allowedScope: ['read:hello'] };
    const cors = { allowedOrigins: [ORIGIN, 'https://admin.example'], allowedMethods: ['GET'], exposedHeaders: ['opc-request-id'] };
    const validation = { headerValidations: { headers: [{ name: 'X-Api-Version', required: true }] } };
    const setOne = (name: string) => ({ headerTransformations: { setHeaders: { items: [{ name, values: ['1'] }] } } });
    const route = (path: string, requestPolicies: object = {}, responsePolicies?: object) => ({ path, methods: ['GET'], backend: stock, requestPolicies: { authorization: scope, ...requestPolicies }, ...(responsePolicies && { responsePolicies }) });
    const plain = { name: 'protected', pathPrefix: '/v1', specification: { requestPolicies: { authentication }, routes: [route('/stock')] } };
    const plainConfig = { server: { host: '127.0.0.1' }, deployments: [plain] };

    // The A/B runs the very same configuration, in two processes a side whose samples are pooled:
    // two identical processes differ by up to ~3 % on this machine, the size of the effect sought.
    const abTargets: { side: 'baseline' | 'current'; t: Target & { match: string } }[] = [];
    for (let i = 0; i < AB_PROCESSES; i++) {
      for (const side of ['baseline', 'current'] as const) {
        const t = await spawnGatehouse(plainConfig, DEFAULT_LOG_LEVEL, side === 'baseline' ? { ...DRAINED, root: tree.dir } : DRAINED);
        targets.push(t);
        abTargets.push({ side, t });
      }
    }
    // The policy rows run in one more process (current tree).
    const pol = await spawnGatehouse(
      {
        server: { host: '127.0.0.1' },
        deployments: [
          {
            ...plain,
            specification: {
              requestPolicies: { authentication },
              routes: [
                route('/stock'),
                route('/validated', validation),
                route('/request-transform', setOne('X-Bench-Request')),
                route('/response-transform', {}, setOne('X-Bench-Response')),
              ],
            },
          },
          { name: 'cors', pathPrefix: '/cors', specification: { requestPolicies: { authentication, cors }, routes: [route('/stock')] } },
          {
            name: 'all',
            pathPrefix: '/all',
            specification: { requestPolicies: { authentication, cors }, routes: [route('/stock', { ...validation, ...setOne('X-Bench-Request') }, setOne('X-Bench-Response'))] },
          },
        ],
      },
      DEFAULT_LOG_LEVEL,
      DRAINED,
    );
    targets.push(pol);
    // What the other tables measure: the same plain route without access lines.
    const quiet = await spawnGatehouse(plainConfig, ACCESS_LOG_OFF, DRAINED);
    targets.push(quiet);

    const headers = { authorization: `Bearer ${token}`, origin: ORIGIN, 'x-api-version': '1' };
    const urls = {
      plain: `${pol.match}/v1/stock`,
      cors: `${pol.match}/cors/stock`,
      validated: `${pol.match}/v1/validated`,
      requestTransform: `${pol.match}/v1/request-transform`,
      responseTransform: `${pol.match}/v1/response-transform`,
      all: `${pol.match}/all/stock`,
      quiet: `${quiet.match}/v1/stock`,
    };
    // First requests fetch the JWKS while this process can still answer; they also check that each
    // scenario runs the policy it is named after.
    for (const [name, url] of [...Object.entries(urls), ...abTargets.map(({ t }) => ['plain', `${t.match}/v1/stock`] as const)]) {
      const res = await fetch(url, { headers });
      await res.arrayBuffer();
      const withCors = name === 'cors' || name === 'all';
      const withResponseHeader = name === 'responseTransform' || name === 'all';
      if (res.status !== 200 || (res.headers.get('access-control-allow-origin') === ORIGIN) !== withCors || (res.headers.get('x-bench-response') === '1') !== withResponseHeader) {
        throw new Error(`${url}: warm-up answered ${res.status} with headers ${JSON.stringify([...res.headers])}`);
      }
    }
    const noHeader = await fetch(urls.validated, { headers: { authorization: headers.authorization } });
    await noHeader.arrayBuffer();
    if (noHeader.status !== 400) throw new Error(`${urls.validated}: a request without X-Api-Version answered ${noHeader.status}, not 400`);

    const w = { seconds: opts.seconds, connections: opts.connections, headers };
    for (const url of [...Object.values(urls), ...abTargets.map(({ t }) => `${t.match}/v1/stock`)]) runWrk(url, { ...w, seconds: 2 });
    const ab = { baseline: `Gatehouse @ ${rev} (before the policy chain; baseline)`, current: `Gatehouse @ ${head} (working tree)` };
    const pr = {
      plain: 'plain protected route (baseline)',
      cors: 'deployment CORS, allowed Origin',
      validated: 'header validation (passes)',
      requestTransform: 'request header transformation (1 header set)',
      responseTransform: 'response header transformation (1 header set)',
      all: 'all of them',
      quiet: 'plain protected route, log level warn (no access line; separate process)',
    };
    const rows = await interleave(
      [
        ...abTargets.map(({ side, t }) => ({ name: ab[side], run: () => runWrkCpu(t.proc.pid!, `${t.match}/v1/stock`, w) })),
        ...Object.entries(pr).map(([k, name]) => ({ name, run: () => runWrkCpu((k === 'quiet' ? quiet : pol).proc.pid!, urls[k as keyof typeof pr], w) })),
      ],
      opts.rounds,
    );
    const abRows = [ab.baseline, ab.current].map((name) => ({ name, samples: rows.filter((r) => r.name === name).flatMap((r) => r.samples) }));
    const policyRows = rows.slice(abTargets.length);
    return (
      `### Request/response policies (issue #12)\n\n${machineDescription()}; wrk 1 thread, ${opts.connections} connections, ${opts.seconds} s × ${opts.rounds} rounds, all rows interleaved; ` +
      `**Gatehouse at its default log level (info: one access line per request, stdout to a pipe drained by \`cat\` on wrk's core)**, not warn like the other tables (the last row shows what that costs). ` +
      `The route is bench/auth.ts's protected stock route (JWT, warm decision cache, ANY_OF scope); every row gets the same request (Authorization, Origin: ${ORIGIN}, X-Api-Version), so a ratio is the policy's cost alone. ` +
      `CPU µs/request is the gateway process's CPU time (all threads, from /proc) over the requests answered: a neighbour on core 0 lowers req/s but hardly this figure.\n\n` +
      `#### A route without a policy: working tree vs ${rev} (same configuration, ${AB_PROCESSES} processes a side, ${AB_PROCESSES * opts.rounds} samples pooled)\n\n${table(abRows, ab.baseline)}\n\n` +
      `#### Each policy on the same route (one process but the last row, ratios to the plain route)\n\n${table(policyRows, pr.plain)}\n`
    );
  } finally {
    await Promise.all(targets.map((t) => t.stop()));
    await idp.stop();
    tree?.remove();
  }
}

if (process.argv[1]?.endsWith('policies.ts')) {
  const { values } = parseArgs({
    options: { seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '3' }, connections: { type: 'string', default: '64' }, baseline: { type: 'string', default: '21b79d6' } },
  });
  process.stdout.write(await benchPolicies({ seconds: Number(values.seconds), rounds: Number(values.rounds), connections: Number(values.connections), baseline: values.baseline }));
}
