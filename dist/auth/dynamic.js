import { compileAuthentication } from './compile.js';
import { denial } from './verdicts.js';
import { dynamicAuthenticationStats } from './policy_stats.js';
import { AUTHENTICATION_TABLES, compileSelection, compileSelector } from '../policies/selection.js';
/** No authentication server matches the selector and there is no default: 401 `server_unmatched`. */
const UNMATCHED = denial('server_unmatched');
/**
 * Compiles `config` found at `path`. `routes` maps each route pattern of the deployment to its
 * parameters: a `request.path[x]` selector must name a parameter of every route. `opts` are handed
 * to every server's compileAuthentication, as for a plain `authentication` policy.
 */
export function compileDynamicAuthentication(config, path, ctx, deploymentName, routes, opts = {}) {
    const variable = compileSelector(config.selectionSource.selector, `${path}.selectionSource.selector`, routes, AUTHENTICATION_TABLES, ctx);
    const entries = config.authenticationServers.map((s, i) => ({
        key: s.key,
        candidate: compileAuthentication(s.authenticationServerDetail, `${path}.authenticationServers[${i}].authenticationServerDetail`, ctx, deploymentName, opts),
    }));
    const selection = compileSelection(variable, entries, (i) => `${path}.authenticationServers[${i}].key`, ctx);
    if (selection === null)
        return null;
    const servers = selection.candidates;
    // Which server each request went to, by key name (bounded: the names are the config's); the
    // counter objects are looked up by the chosen server's identity, one Map.get per request.
    const counts = dynamicAuthenticationStats(ctx.registry, deploymentName);
    const chosen = new Map(servers.map((s, i) => [s, counts.counter(config.authenticationServers[i].key.name)]));
    const policy = {
        servers,
        // A server that lets anonymous requests through makes ANONYMOUS routes possible; the chosen
        // server still decides each request.
        allowsAnonymous: servers.some((s) => s.allowsAnonymous),
        authenticate(ctx) {
            const server = selection.select(ctx);
            if (server === null) {
                counts.unmatched++;
                return UNMATCHED;
            }
            chosen.get(server).count++;
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
