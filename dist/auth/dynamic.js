import { compileAuthentication } from './compile.js';
import { denial } from './verdicts.js';
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
        candidate: compileAuthentication(s.authenticationServerDetail, `${path}.authenticationServers[${i}].authenticationServerDetail`, ctx, deploymentName, { ...opts, dynamicServer: true }),
    }));
    const selection = compileSelection(variable, entries, (i) => `${path}.authenticationServers[${i}].key`, ctx);
    if (selection === null)
        return null;
    const servers = selection.candidates;
    return {
        servers,
        // A server that lets anonymous requests through makes ANONYMOUS routes possible; the chosen
        // server still decides each request.
        allowsAnonymous: servers.some((s) => s.allowsAnonymous),
        authenticate(ctx) {
            const server = selection.select(ctx);
            return server === null ? UNMATCHED : server.authenticate(ctx);
        },
        async ready() {
            const all = await Promise.all(servers.map((s) => s.ready()));
            return all.every(Boolean);
        },
    };
}
