/**
 * `gatehouse serve --config FILE [--port N] [--admin-port N] [--idp-port N] [--host H]`
 *
 * Prints a human banner on stderr (URLs, and the identity provider's ready-to-paste commands) and
 * logs JSON on stdout, starting with one `gatehouse ready` line that carries the bound URLs.
 * SIGHUP reloads the configuration; SIGTERM and SIGINT shut down gracefully.
 */
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { ConfigError } from '../errors.ts';
import { loadConfigFile, type LoadedConfig } from '../config/load.ts';
import { compilePlan } from '../config/compile.ts';
import type { Plan, PlanLoader } from '../plan.ts';
import type { CompileOptions } from '../config/compile_context.ts';
import type { RunningIdentityProvider } from '../idp/index.ts';
import { createLogger, type Logger } from '../lib/log.ts';
import { SharedRegistry } from '../lib/shared_registry.ts';
import type { AdminInfo } from '../server/admin_plane.ts';
import { adminKeySettings, type AdminKeySettings, type AdminSection } from '../server/admin_access.ts';
import { clusterLocalStore, createBrokerFetcher, runWorker } from '../server/cluster_worker.ts';
import { startPrimary } from '../server/cluster_primary.ts';
import { logPlanWarnings, startGateway, type GatewayOptions } from '../server/gateway.ts';
import { explainConfigError, parsePort, parseWithHelp } from './args.ts';
import { semiSpaceMb, workerExecArgv } from '../lib/node_flags.ts';

const USAGE = `Usage: gatehouse serve [options]

Options:
  -c, --config FILE     configuration file (default gatehouse.yaml)
      --host HOST       data-plane bind address (overrides server.host)
  -p, --port N          data-plane port; 0 picks a free one (overrides server.port)
      --admin-port N    admin-plane port (overrides admin.port)
      --idp-port N      identity-provider port (overrides identityProvider.port)
  -w, --workers N       worker processes sharing the port (N, or "auto" for one per CPU); the
                        primary runs the admin plane, the identity provider and the JWKS fetches
      --log-level L     trace|debug|info|warn|error|silent (default info, or GATEHOUSE_LOG_LEVEL)
      --no-watch        do not reload when the config file changes (SIGHUP still reloads)`;

/** Where the admin credential is, for the banner: the key file's path, never the key. */
function adminKeyLine(keys: AdminKeySettings): string {
  if (keys.keyFile !== null) return `  admin key     in ${keys.keyFile} (changes need Authorization: Bearer <key>)`;
  if (keys.keys.length > 0) return '  admin key     one of admin.keys';
  return `  admin key     none (${keys.problem ?? 'not configured'}): changes need a token with the gatehouse:admin scope, or set admin.keys`;
}

function banner(gw: { info: AdminInfo; plan: Plan; idp: RunningIdentityProvider | null }, workers: number, keys: AdminKeySettings): string {
  const lines = ['', `Gatehouse is running${workers > 1 ? ` (${workers} workers)` : ''}`, `  data plane    ${gw.info.dataUrl}`];
  let example: string | null = null;
  for (const d of gw.plan.deployments) {
    lines.push(`    ${d.name} (${d.pathPrefix}):`);
    for (const p of d.paths) {
      const methods = p.methods.join(',');
      lines.push(`      ${methods.padEnd(8)} ${gw.info.dataUrl}${p.path}  → ${p.backend}${p.authenticated ? ', needs a token' : ''}`);
      if (example === null && p.authenticated && !p.path.includes('{') && (methods === 'GET' || methods === 'ANY')) example = `${gw.info.dataUrl}${p.path}`;
    }
  }
  lines.push(`  admin plane   ${gw.info.adminUrl}  (/health/ready, /metrics, /admin/plan, /admin/auth)`);
  lines.push(`  console       ${gw.info.adminUrl}/console`, adminKeyLine(keys));
  if (gw.idp !== null) lines.push(...gw.idp.banner().map((l) => `  ${l}`));
  if (example !== null) {
    lines.push('', '  Call a protected route with a token (put the access_token from the token response in TOKEN):', `    curl -H "Authorization: Bearer $TOKEN" ${example}`);
  }
  return `${lines.join('\n')}\n\n`;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseWithHelp(
    {
      options: {
        config: { type: 'string', short: 'c' },
        host: { type: 'string' },
        port: { type: 'string', short: 'p' },
        'admin-port': { type: 'string' },
        'idp-port': { type: 'string' },
        'log-level': { type: 'string' },
        'no-watch': { type: 'boolean' },
        workers: { type: 'string', short: 'w' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    argv,
    USAGE,
  );
  if (typeof args === 'number') return args;
  const v = args.values;
  const ports = { port: parsePort(v.port, '--port'), adminPort: parsePort(v['admin-port'], '--admin-port'), idpPort: parsePort(v['idp-port'], '--idp-port') };
  for (const p of Object.values(ports)) {
    if (typeof p === 'string') {
      process.stderr.write(`${p}\n`);
      return 2;
    }
  }
  const workers = v.workers === undefined ? 1 : v.workers === 'auto' ? availableParallelism() : Number(v.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) {
    process.stderr.write(`--workers: expected a number from 1 to 256 or "auto", got "${v.workers}"\n`);
    return 2;
  }
  const log = createLogger(v['log-level'] !== undefined ? { level: v['log-level'] } : {});
  const configFile = v.config ?? 'gatehouse.yaml';
  let loaded: LoadedConfig;
  try {
    loaded = loadConfigFile(configFile);
  } catch (err) {
    return cannotStart(configFile, err);
  }
  const isWorker = cluster.isWorker;
  // Workers have no admin plane: only the process that serves it reads or generates the admin key.
  let adminKeys: AdminKeySettings = { keys: [], openReads: true, keyFile: null, problem: null };
  if (!isWorker) {
    try {
      adminKeys = adminKeySettings(loaded.config.admin as AdminSection | undefined, loaded.config.secrets, loaded.baseDir);
    } catch (err) {
      return cannotStart(configFile, err);
    }
    if (adminKeys.problem !== null) log.warn({ problem: adminKeys.problem }, 'no admin key: changes on the admin plane need a token with the gatehouse:admin scope, or admin.keys');
  }
  const options: GatewayOptions = {
    loadPlan: planLoader(configFile, loaded, log, isWorker ? { fetchDocument: createBrokerFetcher(), localStore: clusterLocalStore } : {}),
    identityProvider: loaded.config.identityProvider === undefined ? null : { section: loaded.config.identityProvider, baseDir: loaded.baseDir },
    log,
    ...(v.host !== undefined ? { host: v.host } : {}),
    ...(ports.port !== undefined ? { port: ports.port as number } : {}),
    ...(ports.adminPort !== undefined ? { adminPort: ports.adminPort as number } : {}),
    ...(ports.idpPort !== undefined ? { idpPort: ports.idpPort as number } : {}),
    watch: v['no-watch'] !== true,
    adminKeys,
    // A reload takes admin.keys and openReads as the file now says (a removed key stops working).
    ...(isWorker
      ? {}
      : {
          reloadAdminKeys: () => {
            const now = loadConfigFile(configFile);
            return adminKeySettings(now.config.admin as AdminSection | undefined, now.config.secrets, now.baseDir);
          },
        }),
  };
  if (isWorker) return runWorker({ ...options, log: log.child({ worker: process.pid }) });
  if (workers > 1) return runClusterPrimary(options, configFile, loaded, workers, argv);

  let gw: Awaited<ReturnType<typeof startGateway>>;
  try {
    gw = await startGateway(options);
  } catch (err) {
    return cannotStart(configFile, err);
  }
  log.info({ dataUrl: gw.info.dataUrl, adminUrl: gw.info.adminUrl, idpUrl: gw.idp?.url ?? null, adminKeyFile: adminKeys.keyFile, pid: process.pid, semiSpaceMb: semiSpaceMb() }, 'gatehouse ready');
  process.stderr.write(banner(gw, 1, adminKeys));

  return new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'signal received');
      gw.close().then(
        () => resolve(0),
        (err: unknown) => {
          log.error({ err }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => void gw.reload());
  });
}

/** The plan loader handed to the gateway: the already-loaded file first, then the file anew on each reload. */
function planLoader(configFile: string, first: LoadedConfig, log: Logger, opts: CompileOptions): PlanLoader {
  let pending: LoadedConfig | null = first;
  return (registry) => {
    const loaded = pending ?? loadConfigFile(configFile);
    pending = null;
    return compilePlan(loaded, registry, log, opts);
  };
}

function cannotStart(configFile: string, err: unknown): number {
  if (err instanceof ConfigError) process.stderr.write(explainConfigError(configFile, 'cannot start', err));
  else process.stderr.write(`gatehouse: cannot start: ${(err as Error).message}\n`);
  return 1;
}

/** `--workers N`: the primary supervises N workers; see server/cluster_primary.ts. */
async function runClusterPrimary(options: GatewayOptions, configFile: string, loaded: LoadedConfig, workers: number, argv: string[]): Promise<number> {
  const workerArgs: string[] = ['serve'];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--workers' || a === '-w') i++;
    else if (!a.startsWith('--workers=')) workerArgs.push(a);
  }
  let primary;
  try {
    // Compiled offline, for the banner, the settings and early errors: the workers compile their own.
    const offline = new SharedRegistry();
    const plan = compilePlan(loaded, offline, options.log, { offline: true });
    await offline.closeAll();
    logPlanWarnings(options.log, plan);
    primary = await startPrimary({
      log: options.log,
      workers,
      workerArgs,
      plan,
      identityProvider: options.identityProvider ?? null,
      ...(loaded.config.state?.cache !== undefined ? { stateCache: loaded.config.state.cache } : {}),
      ...(options.adminPort !== undefined ? { adminPort: options.adminPort } : {}),
      ...(options.idpPort !== undefined ? { idpPort: options.idpPort } : {}),
      ...(options.adminKeys !== undefined ? { adminKeys: options.adminKeys } : {}),
      ...(options.reloadAdminKeys !== undefined ? { reloadAdminKeys: options.reloadAdminKeys } : {}),
    });
  } catch (err) {
    return cannotStart(configFile, err);
  }
  const keys = options.adminKeys ?? { keys: [], openReads: true, keyFile: null, problem: null };
  options.log.info({ dataUrl: primary.info.dataUrl, adminUrl: primary.info.adminUrl, idpUrl: primary.idp?.url ?? null, adminKeyFile: keys.keyFile, pid: process.pid, workers, semiSpaceMb: semiSpaceMb(workerExecArgv()) }, 'gatehouse ready');
  process.stderr.write(banner(primary, workers, keys));
  return primary.done;
}
