/**
 * `gatehouse idp serve|apis|apps|grants|keys ...`: runs the local identity provider alone, or
 * manages its store directly (the same operations as the management API). A running provider
 * picks up changes made here within a second (it polls the store's revision).
 */
import { parseArgs } from 'node:util';
import { loadConfigFile } from '../config/load.ts';
import { openIdpState } from '../idp/admin_context.ts';
import type { IdpState } from '../idp/idp_state.ts';
import { startIdentityProvider } from '../idp/index.ts';
import { apiView, clientView, grantView, keyView } from '../idp/management_api.ts';
import type { AsymmetricAlg } from '../idp/model.ts';
import { OperationError, ops } from '../idp/operations.ts';
import type { IdentityProviderSection } from '../idp/settings.ts';
import { createLogger } from '../lib/log.ts';
import { commandFailed, need, out, parsePort, parseWithHelp, UsageError } from './args.ts';

/** Each group's lines of the usage; `idp <group> --help` prints its own. */
const GROUP_USAGE = {
  serve: `  serve [--port N]                                   run the identity provider alone`,
  apis: `  apis list | show <id|identifier> | delete <id|identifier>
  apis create --identifier AUD [--name N] [--signing-alg RS256|PS256|ES256|EdDSA|HS256]
              [--scope S]... [--token-lifetime SEC] [--token-dialect access_token|rfc9068_profile|...]
                                                     (also creates its test application, as Auth0 does)`,
  apps: `  apps list | delete <client_id> | rotate-secret <client_id>
  apps create --name N [--grant-type T]...`,
  grants: `  grants list | delete <id>
  grants create --client-id ID --audience AUD [--scope S]...`,
  keys: `  keys list | rotate [--alg ALG] | revoke <kid>`,
} as const;

const COMMON = `  --config FILE   gatehouse.yaml with an identityProvider section (default gatehouse.yaml)
  --json          print Auth0 Management API shapes as JSON`;

const USAGE = `Usage: gatehouse idp <command> [options]

${Object.values(GROUP_USAGE).join('\n')}

${COMMON}`;

function groupUsage(group: keyof typeof GROUP_USAGE): string {
  return `Usage: gatehouse idp ${group} ...\n\n${GROUP_USAGE[group]}\n\n${COMMON}`;
}

const OPTIONS = {
  config: { type: 'string', default: 'gatehouse.yaml' },
  port: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  identifier: { type: 'string' },
  name: { type: 'string' },
  'signing-alg': { type: 'string' },
  scope: { type: 'string', multiple: true },
  'token-lifetime': { type: 'string' },
  'token-dialect': { type: 'string' },
  'grant-type': { type: 'string', multiple: true },
  'client-id': { type: 'string' },
  audience: { type: 'string' },
  alg: { type: 'string' },
} as const;

type Values = {
  config: string;
  port?: string;
  json: boolean;
  help: boolean;
  identifier?: string;
  name?: string;
  'signing-alg'?: string;
  scope?: string[];
  'token-lifetime'?: string;
  'token-dialect'?: string;
  'grant-type'?: string[];
  'client-id'?: string;
  audience?: string;
  alg?: string;
};


function curlFor(issuer: string, clientId: string, secret: string, audience: string): string {
  const data = JSON.stringify({ client_id: clientId, client_secret: secret, audience, grant_type: 'client_credentials' });
  return `curl --request POST --url ${issuer}oauth/token --header 'content-type: application/json' --data '${data}'`;
}

async function apis(state: IdpState, action: string | undefined, arg: string | undefined, v: Values): Promise<void> {
  const snap = state.snapshot;
  switch (action) {
    case 'list':
      return out(v.json, snap.apis.map(apiView), snap.apis.map((a) => `${a.id}  ${a.identifier}  ${a.signingAlg}  "${a.name}"  scopes: ${a.scopes.map((s) => s.value).join(' ') || '-'}`).join('\n'));
    case 'show': {
      const a = snap.apiById.get(need(arg, 'the API id or identifier')) ?? snap.apiByIdentifier.get(arg ?? '');
      if (a === undefined) throw new OperationError(404, 'inexistent_resource_server', `no API ${arg ?? ''}`);
      return out(true, apiView(a), '');
    }
    case 'create': {
      const lifetime = v['token-lifetime'] === undefined ? undefined : Number(v['token-lifetime']);
      const { api, test } = await ops.createApi(
        state,
        { identifier: need(v.identifier, '--identifier'), name: v.name, signingAlg: v['signing-alg'], scopes: v.scope, tokenLifetimeSec: lifetime, tokenDialect: v['token-dialect'] },
        { withTestApplication: true },
      );
      const t = test as NonNullable<typeof test>;
      return out(
        v.json,
        { resource_server: apiView(api), test_application: clientView(t.client, t.secret) },
        [
          `Created API "${api.name}" (identifier ${api.identifier}, id ${api.id}, ${api.signingAlg})`,
          `Test application "${t.client.name}" (granted: ${api.scopes.map((s) => s.value).join(' ') || 'no scopes'})`,
          `  client_id:     ${t.client.clientId}`,
          `  client_secret: ${t.secret}   (shown once: only its hash is stored)`,
          `Get a token:`,
          `  ${curlFor(state.issuer, t.client.clientId, t.secret, api.identifier)}`,
        ].join('\n'),
      );
    }
    case 'delete':
      await ops.deleteApi(state, need(arg, 'the API id or identifier'));
      return out(v.json, { deleted: arg }, `Deleted API ${arg ?? ''}`);
    default:
      throw new UsageError(`unknown apis command "${action ?? ''}"`);
  }
}

async function apps(state: IdpState, action: string | undefined, arg: string | undefined, v: Values): Promise<void> {
  switch (action) {
    case 'list': {
      const list = state.snapshot.clients;
      return out(v.json, list.map((c) => clientView(c)), list.map((c) => `${c.clientId}  "${c.name}"  grant types: ${c.grantTypes.join(' ') || '-'}`).join('\n'));
    }
    case 'create': {
      const { client, secret } = await ops.createClient(state, { name: need(v.name, '--name'), grantTypes: v['grant-type'] });
      return out(v.json, clientView(client, secret), `Created application "${client.name}"\n  client_id:     ${client.clientId}\n  client_secret: ${secret}   (shown once)`);
    }
    case 'rotate-secret': {
      const { client, secret } = await ops.rotateClientSecret(state, need(arg, 'the client_id'));
      return out(v.json, clientView(client, secret), `New secret for ${client.clientId}: ${secret}   (shown once)`);
    }
    case 'delete':
      await ops.deleteClient(state, need(arg, 'the client_id'));
      return out(v.json, { deleted: arg }, `Deleted application ${arg ?? ''}`);
    default:
      throw new UsageError(`unknown apps command "${action ?? ''}"`);
  }
}

async function grants(state: IdpState, action: string | undefined, arg: string | undefined, v: Values): Promise<void> {
  switch (action) {
    case 'list': {
      const list = state.snapshot.grants.map((g) => grantView(state, g));
      return out(v.json, list, list.map((g) => `${String(g['id'])}  ${String(g['client_id'])} -> ${String(g['audience'])}  scopes: ${(g['scope'] as string[]).join(' ') || '-'}`).join('\n'));
    }
    case 'create': {
      const g = await ops.createGrant(state, { clientId: need(v['client-id'], '--client-id'), audience: need(v.audience, '--audience'), scope: v.scope ?? [] });
      return out(v.json, grantView(state, g), `Created client grant ${g.id}`);
    }
    case 'delete':
      await ops.deleteGrant(state, need(arg, 'the grant id'));
      return out(v.json, { deleted: arg }, `Deleted client grant ${arg ?? ''}`);
    default:
      throw new UsageError(`unknown grants command "${action ?? ''}"`);
  }
}

async function keys(state: IdpState, action: string | undefined, arg: string | undefined, v: Values): Promise<void> {
  switch (action) {
    case 'list': {
      const list = state.snapshot.keys;
      return out(v.json, list.map(keyView), list.map((k) => `${k.kid}  ${k.alg}  ${k.state}${k.revokedAt ? ` (revoked ${k.revokedAt})` : ''}`).join('\n'));
    }
    case 'rotate': {
      const current = await ops.rotateKeys(state, v.alg as AsymmetricAlg | undefined);
      return out(v.json, current.map((k) => ({ kid: k.kid, alg: k.alg })), current.map((k) => `${k.alg}: new current key ${k.kid}`).join('\n'));
    }
    case 'revoke': {
      const k = await ops.revokeKey(state, need(arg, 'the kid'));
      return out(v.json, { kid: k.kid, cert: keyView(k)['cert'] }, `Revoked ${k.kid}`);
    }
    default:
      throw new UsageError(`unknown keys command "${action ?? ''}"`);
  }
}

function loadSection(config: string): { section: IdentityProviderSection; baseDir: string } {
  const loaded = loadConfigFile(config);
  if (loaded.config.identityProvider === undefined) throw new Error(`${config}: no identityProvider section`);
  return { section: loaded.config.identityProvider as IdentityProviderSection, baseDir: loaded.baseDir };
}

async function serve(v: Values): Promise<number> {
  const port = parsePort(v.port, '--port');
  if (typeof port === 'string') throw new UsageError(port);
  const { section, baseDir } = loadSection(v.config);
  const log = createLogger();
  const idp = await startIdentityProvider(section, { log, baseDir, ...(port === undefined ? {} : { port }) });
  process.stderr.write(`${idp.banner().join('\n')}\n`);
  log.info({ idpUrl: idp.url, issuer: idp.issuer, pid: process.pid }, 'gatehouse idp ready');
  await new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      done();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  await idp.close();
  return 0;
}

const GROUPS = { apis, apps, grants, keys };

/** The option `arg` names (`-h`, `--name`, `--name=value`), if it is one of OPTIONS. */
function optionOf(arg: string): { type: string } | undefined {
  if (arg.startsWith('--')) {
    const name = arg.slice(2).split('=')[0] as string;
    return Object.hasOwn(OPTIONS, name) ? OPTIONS[name as keyof typeof OPTIONS] : undefined;
  }
  return Object.values(OPTIONS).find((o) => 'short' in o && arg === `-${o.short}`);
}

/** The commands whose third word is an id: `keys revoke <kid>`, `apps delete <client_id>`... */
const TAKES_ID = new Set(['apis show', 'apis delete', 'apps delete', 'apps rotate-secret', 'grants delete', 'keys revoke']);

/**
 * An id may start with `-`: one RFC 7638 thumbprint (a kid) in 64 does, and a client id comes from
 * the configuration. In a command that takes an id, the first argument after the group and the
 * action that is not one of our options (or an option's value) is the id whatever its first
 * character, as if it followed `--`. Unknown options before the action stay for the parser to refuse.
 */
function idAsPositional(argv: string[], positionals: readonly string[]): string[] {
  if (!TAKES_ID.has(`${positionals[0]} ${positionals[1]}`) || argv.includes('--')) return argv;
  let words = 0;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const option = optionOf(arg);
    if (option !== undefined) {
      if (option.type === 'string' && !arg.includes('=')) i++; // its value
    } else if (words < 2) {
      if (!arg.startsWith('-')) words++; // the group, then the action
    } else {
      return arg.startsWith('-') ? [...argv.slice(0, i), ...argv.slice(i + 1), '--', arg] : argv;
    }
  }
  return argv;
}

export async function run(argv: string[]): Promise<number> {
  // The group is known before strict parsing, so `idp apis create --bogus --help` shows apis' usage.
  const loose = parseArgs({ options: OPTIONS, args: argv, strict: false, allowPositionals: true }).positionals;
  argv = idAsPositional(argv, loose);
  const first = loose[0];
  const usage = first !== undefined && Object.hasOwn(GROUP_USAGE, first) ? groupUsage(first as keyof typeof GROUP_USAGE) : USAGE;
  const parsed = parseWithHelp({ options: OPTIONS, allowPositionals: true }, argv, usage);
  if (typeof parsed === 'number') return parsed;
  const v = parsed.values as Values;
  const [group, action, arg] = parsed.positionals;
  if (group === undefined) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  try {
    if (group === 'serve') return await serve(v);
    if (!Object.hasOwn(GROUPS, group)) throw new UsageError(`unknown command "${group}"`);
    const { section, baseDir } = loadSection(v.config);
    const state = await openIdpState(section, baseDir);
    try {
      await GROUPS[group as keyof typeof GROUPS](state, action, arg, v);
    } finally {
      await state.close();
    }
    return 0;
  } catch (err) {
    return commandFailed('idp', usage, v.config, err);
  }
}
