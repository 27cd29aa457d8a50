/**
 * OCI's `dynamicAuthentication`: one of several authentication servers, chosen per request by a
 * selector (policies/selection.ts). Each server is compiled by compileAuthentication like a plain
 * `authentication` policy, so each keeps its own key store, decision cache and
 * validationFailurePolicy; this only picks. No matching server and no default → 401 with the stock
 * answer (OCI's troubleshooting page).
 */
import type { CompileContext, GatewayRequest } from '../types.ts';
import type { AuthenticationPolicy, AuthVerdict } from './types.ts';
import { compileAuthentication, type AuthCompileOptions } from './compile.ts';
import { denial } from './verdicts.ts';
import { dynamicAuthenticationStats } from './policy_stats.ts';
import { AUTHENTICATION_TABLES, compileSelection, compileSelector, type SelectionKeyConfig, type SelectionSourceConfig } from '../policies/selection.ts';

export interface DynamicAuthenticationConfig {
  selectionSource: SelectionSourceConfig;
  authenticationServers: { key: SelectionKeyConfig; authenticationServerDetail: unknown }[];
}

/** The compiled policy; `servers` are the compiled servers, in the order configured (readiness). */
export interface DynamicAuthentication extends AuthenticationPolicy {
  readonly servers: readonly AuthenticationPolicy[];
}

/** No authentication server matches the selector and there is no default: 401 `server_unmatched`. */
const UNMATCHED: AuthVerdict = denial('server_unmatched');

/**
 * Compiles `config` found at `path`. `routes` maps each route pattern of the deployment to its
 * parameters: a `request.path[x]` selector must name a parameter of every route. `opts` are handed
 * to every server's compileAuthentication, as for a plain `authentication` policy.
 */
export function compileDynamicAuthentication(
  config: DynamicAuthenticationConfig,
  path: string,
  ctx: CompileContext,
  deploymentName: string,
  routes: ReadonlyMap<string, ReadonlyMap<string, boolean>>,
  opts: AuthCompileOptions = {},
): DynamicAuthentication | null {
  const variable = compileSelector(config.selectionSource.selector, `${path}.selectionSource.selector`, routes, AUTHENTICATION_TABLES, ctx);
  const entries = config.authenticationServers.map((s, i) => ({
    key: s.key,
    candidate: compileAuthentication(s.authenticationServerDetail, `${path}.authenticationServers[${i}].authenticationServerDetail`, ctx, deploymentName, opts),
  }));
  const selection = compileSelection(variable, entries, (i) => `${path}.authenticationServers[${i}].key`, ctx);
  if (selection === null) return null;
  const servers = selection.candidates;
  // Which server each request went to, by key name (bounded: the names are the config's); the
  // counter objects are looked up by the chosen server's identity, one Map.get per request.
  const counts = dynamicAuthenticationStats(ctx.registry, deploymentName);
  const chosen = new Map(servers.map((s, i) => [s, counts.counter(config.authenticationServers[i]!.key.name)]));
  const policy: DynamicAuthentication = {
    servers,
    // A server that lets anonymous requests through makes ANONYMOUS routes possible; the chosen
    // server still decides each request.
    allowsAnonymous: servers.some((s) => s.allowsAnonymous),
    authenticate(ctx: GatewayRequest) {
      const server = selection.select(ctx);
      if (server === null) {
        counts.unmatched++;
        return UNMATCHED;
      }
      chosen.get(server)!.count++;
      return server.authenticate(ctx);
    },
    async ready() {
      const all = await Promise.all(servers.map((s) => s.ready()));
      return all.every(Boolean);
    },
  };
  // A server's validationFailurePolicy answers that server's 401s. The selection is a pure function
  // of the request, so the denial path selects again rather than every request remembering its server.
  if (servers.some((s) => s.failureResponse !== undefined)) {
    policy.failureResponse = {
      respond(ctx, verdict) {
        const server = selection.select(ctx);
        return server?.failureResponse?.respond(ctx, verdict) ?? false;
      },
    };
  }
  return policy;
}
