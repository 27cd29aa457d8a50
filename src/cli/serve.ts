/**
 * `gatehouse serve --config FILE [--port N] [--admin-port N] [--idp-port N] [--host H]`
 *
 * Prints a human banner on stderr (URLs, and the identity provider's ready-to-paste commands) and
 * logs JSON on stdout, starting with one `gatehouse ready` line that carries the bound URLs.
 * SIGHUP reloads the configuration; SIGTERM and SIGINT shut down gracefully.
 */
import { ConfigError } from '../errors.ts';
import { createLogger } from '../lib/log.ts';
import { startGateway, type RunningGateway } from '../server/gateway.ts';
import { parseOrExplain, parsePort } from './args.ts';

const USAGE = `Usage: gatehouse serve [options]

Options:
  -c, --config FILE     configuration file (default gatehouse.yaml)
      --host HOST       data-plane bind address (overrides server.host)
  -p, --port N          data-plane port; 0 picks a free one (overrides server.port)
      --admin-port N    admin-plane port (overrides admin.port)
      --idp-port N      identity-provider port (overrides identityProvider.port)
      --log-level L     trace|debug|info|warn|error|silent (default info, or GATEHOUSE_LOG_LEVEL)
      --no-watch        do not reload when the config file changes (SIGHUP still reloads)`;

function banner(gw: RunningGateway): string {
  const lines = ['', 'Gatehouse is running', `  data plane    ${gw.info.dataUrl}`];
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
  if (gw.idp !== null) lines.push(...gw.idp.banner().map((l) => `  ${l}`));
  if (example !== null) {
    lines.push('', '  Call a protected route with a token (put the access_token from the token response in TOKEN):', `    curl -H "Authorization: Bearer $TOKEN" ${example}`);
  }
  return `${lines.join('\n')}\n\n`;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseOrExplain(
    {
      options: {
        config: { type: 'string', short: 'c' },
        host: { type: 'string' },
        port: { type: 'string', short: 'p' },
        'admin-port': { type: 'string' },
        'idp-port': { type: 'string' },
        'log-level': { type: 'string' },
        'no-watch': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    argv,
    USAGE,
  );
  if (args === null) return 2;
  const v = args.values;
  if (v.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const ports = { port: parsePort(v.port, '--port'), adminPort: parsePort(v['admin-port'], '--admin-port'), idpPort: parsePort(v['idp-port'], '--idp-port') };
  for (const p of Object.values(ports)) {
    if (typeof p === 'string') {
      process.stderr.write(`${p}\n`);
      return 2;
    }
  }
  const log = createLogger(v['log-level'] !== undefined ? { level: v['log-level'] } : {});
  const configFile = v.config ?? 'gatehouse.yaml';
  let gw: RunningGateway;
  try {
    gw = await startGateway({
      configFile,
      log,
      ...(v.host !== undefined ? { host: v.host } : {}),
      ...(ports.port !== undefined ? { port: ports.port as number } : {}),
      ...(ports.adminPort !== undefined ? { adminPort: ports.adminPort as number } : {}),
      ...(ports.idpPort !== undefined ? { idpPort: ports.idpPort as number } : {}),
      watch: v['no-watch'] !== true,
    });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${configFile}: cannot start, ${err.issues.length} problem(s):\n${err.message.split('\n').map((l) => `  ${l}`).join('\n')}\n`);
      return 1;
    }
    process.stderr.write(`gatehouse: cannot start: ${(err as Error).message}\n`);
    return 1;
  }
  log.info({ dataUrl: gw.info.dataUrl, adminUrl: gw.info.adminUrl, idpUrl: gw.idp?.url ?? null, pid: process.pid }, 'gatehouse ready');
  process.stderr.write(banner(gw));

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
