import { compileContextVariable } from '../backends/context_vars.js';
import { isHeaderName } from '../lib/header_name.js';
import { CustomAuthenticator } from './custom.js';
import { authStats } from './stats.js';
import { authorizerStats, LIVE_AUTHORIZERS, registerLive } from './policy_stats.js';
/** A deployment-level policy knows no route, so no path parameters. */
const NO_PATH_PARAMS = new Map();
function compileArguments(cfg, path, ctx) {
    const single = cfg.tokenHeader !== undefined || cfg.tokenQueryParam !== undefined;
    if (single === (cfg.parameters !== undefined)) {
        ctx.issue(path, 'needs either tokenHeader / tokenQueryParam (single argument) or parameters (multiple arguments), not both');
        return null;
    }
    if (single) {
        if (cfg.cacheKey !== undefined)
            ctx.issue(`${path}.cacheKey`, 'applies to parameters only (a single-argument authorizer caches by its token)');
        if (cfg.tokenHeader !== undefined && !isHeaderName(cfg.tokenHeader)) {
            ctx.issue(`${path}.tokenHeader`, 'is not a valid header name');
            return null;
        }
        return { kind: 'token', header: cfg.tokenHeader?.toLowerCase() ?? null, queryParam: cfg.tokenQueryParam ?? null };
    }
    const parameters = [];
    let ok = true;
    for (const [name, expression] of Object.entries(cfg.parameters ?? {})) {
        const variable = compileContextVariable(expression, NO_PATH_PARAMS);
        if (typeof variable === 'string') {
            ctx.issue(`${path}.parameters.${name}`, variable);
            ok = false;
        }
        else if (variable.table === 'auth') {
            ctx.issue(`${path}.parameters.${name}`, 'request.auth is what the authorizer produces: it cannot be one of its arguments');
            ok = false;
        }
        else
            parameters.push([name, variable]);
    }
    if (parameters.length === 0 && ok) {
        ctx.issue(`${path}.parameters`, 'needs at least one parameter');
        ok = false;
    }
    const names = new Set(parameters.map(([n]) => n));
    (cfg.cacheKey ?? []).forEach((k, i) => {
        if (!names.has(k)) {
            ctx.issue(`${path}.cacheKey[${i}]`, `${JSON.stringify(k)} is not a key of parameters`);
            ok = false;
        }
    });
    if (!ok)
        return null;
    return { kind: 'parameters', parameters, cacheKey: cfg.cacheKey ?? [...names] };
}
export function compileCustomAuthentication(policy, path, ctx, label, opts) {
    const cfg = policy;
    const args = compileArguments(cfg, path, ctx);
    if (opts.functions === undefined) {
        ctx.issue(path, `not supported yet: ${path} (authorizer functions are not available here)`);
        return null;
    }
    const invoker = opts.functions.get(cfg.functionId);
    if (invoker === undefined) {
        if (!opts.functions.has(cfg.functionId))
            ctx.issue(`${path}.functionId`, `unknown function ${JSON.stringify(cfg.functionId)} (not in functions)`);
        return null;
    }
    if (args === null)
        return null;
    // A new cache per plan: the invoker may have changed with the reload (a new pool), and a cached
    // answer must not outlive the function that gave it.
    const authorizer = new CustomAuthenticator({
        invoker,
        args,
        allowsAnonymous: cfg.isAnonymousAccessAllowed === true,
        clock: opts.clock,
        stats: authStats(ctx.registry, label),
        policyStats: authorizerStats(ctx.registry, label, path),
        ...(opts.maxEntries !== undefined ? { maxEntries: opts.maxEntries } : {}),
    });
    registerLive(ctx.registry, LIVE_AUTHORIZERS, authorizer);
    return authorizer;
}
