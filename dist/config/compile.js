/**
 * Compiles a loaded configuration into an immutable Plan: one router over every deployment's
 * routes, and per route its authentication, authorization and backend, all built here once.
 * Nothing on the request path reads raw config. Every semantic problem is reported with its
 * config path; the plan is only returned when there is none.
 */
import { ConfigError } from '../errors.js';
import { accessLogger } from '../lib/log.js';
import { routeStats } from '../lib/route_stats.js';
import { Authenticator } from '../auth/authenticator.js';
import { IntrospectionAuthenticator } from '../auth/introspection.js';
import { compileAuthentication, compileAuthorization } from '../auth/compile.js';
import { createStockBackend } from '../backends/stock.js';
import { createHttpBackend } from '../backends/http.js';
import { createFunctionBackend } from '../backends/function.js';
import { createLoginBackend, createLogoutBackend } from '../backends/oauth2.js';
import { compileDynamicRouting } from '../policies/selection.js';
import { compileDynamicAuthentication } from '../auth/dynamic.js';
import { compileFunctions } from '../functions/compile.js';
import { compileCors, corsResponseHeaders } from '../policies/cors.js';
import { compileRequestTransform, compileResponseTransform } from '../policies/transforms.js';
import { routeParameters } from '../backends/context_vars.js';
import { compileValidation } from '../policies/validation.js';
import { compileClientAddress } from '../lib/client_ip.js';
import { compileTracing } from '../lib/tracing.js';
import { compileRateLimit } from '../policies/rate_limit.js';
import { compileMutualTls } from '../policies/mutual_tls.js';
import { compileServerTls } from '../server/tls.js';
import { compileUsagePlanCatalog } from '../policies/usage_plans.js';
import { compileResponseCache } from '../policies/response_cache.js';
import { sharedStores } from '../state/index.js';
import { STATE_DEFAULTS } from '../state/config.js';
import { RouteConflict, Router } from '../router/router.js';
import { DEFAULTS } from './defaults.js';
import { redactConfig } from './redact.js';
import { createCompileContext } from './compile_context.js';
import { compileRevocations } from '../auth/revocation_compile.js';
function joinPath(prefix, path) {
    const p = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
    return path === '/' ? p || '/' : `${p}${path.startsWith('/') ? path : `/${path}`}`;
}
const LEVELS = { INFO: 'info', WARN: 'warn', ERROR: 'error' };
function loggerFor(log, deployment, policies) {
    const child = log.child({ deployment });
    const exec = policies?.executionLog;
    if (exec?.isEnabled === false)
        child.level = 'silent';
    else if (exec?.logLevel !== undefined)
        child.level = LEVELS[exec.logLevel];
    return child;
}
function compileBackend(config, path, route, ctx, functions, signIn = null) {
    switch (config.type) {
        case 'OAUTH2_LOGIN_BACKEND':
            return createLoginBackend(path, ctx, signIn);
        case 'OAUTH2_LOGOUT_BACKEND':
            return createLogoutBackend(config, path, ctx, routeParameters(route), signIn);
        case 'STOCK_RESPONSE_BACKEND':
            return createStockBackend(config, path, ctx);
        case 'HTTP_BACKEND':
            return createHttpBackend(config, path, route, ctx);
        case 'ORACLE_FUNCTIONS_BACKEND':
            return createFunctionBackend(config, path, ctx, functions);
        case 'DYNAMIC_ROUTING_BACKEND':
            // The schema lets only HTTP, functions and stock backends be chosen: never another dynamic one.
            return compileDynamicRouting(config, path, route, ctx, (b, at) => compileBackend(b, at, route, ctx, functions));
    }
}
/** What readiness waits for in a deployment's authentication policy: its key store. */
function readinessOf(deployment, policy) {
    if (policy instanceof IntrospectionAuthenticator) {
        return { deployment, source: policy.label, ready: () => policy.ready(), problem: () => policy.problem() };
    }
    const store = policy instanceof Authenticator ? policy.store : null;
    return {
        deployment,
        source: store?.label ?? 'authentication',
        ready: () => policy.ready(),
        problem: () => {
            const lastError = store?.adminState(Date.now())['lastError'];
            return typeof lastError === 'string' ? lastError : null;
        },
    };
}
function compileDeployment(d, i, ctx, router, parts, readiness, paths) {
    const base = `deployments[${i}].specification`;
    const spec = d.specification;
    const mutualTls = compileMutualTls(spec.requestPolicies?.mutualTls, `${base}.requestPolicies.mutualTls`, d.name, { clientCa: parts.clientCa }, ctx);
    const rateConfig = spec.requestPolicies?.rateLimiting;
    const rateLimit = rateConfig === undefined ? null : compileRateLimit(rateConfig, `${base}.requestPolicies.rateLimiting`, d.name, parts.shared().counters, ctx);
    const usagePlansConfig = spec.requestPolicies?.usagePlans;
    const deploymentRef = d.id === undefined ? { name: d.name } : { name: d.name, id: d.id };
    const authConfig = spec.requestPolicies?.authentication;
    const dynamicConfig = spec.requestPolicies?.dynamicAuthentication;
    let authentication = null;
    if (authConfig !== undefined && dynamicConfig !== undefined) {
        ctx.issue(`${base}.requestPolicies.dynamicAuthentication`, 'cannot be used with requestPolicies.authentication (OCI allows one of them): remove one');
    }
    else if (dynamicConfig !== undefined) {
        const routes = new Map(spec.routes.map((r) => [joinPath(d.pathPrefix, r.path), routeParameters(joinPath(d.pathPrefix, r.path))]));
        const dynamic = compileDynamicAuthentication(dynamicConfig, `${base}.requestPolicies.dynamicAuthentication`, ctx, d.name, routes, { functions: parts.functions, secrets: parts.secrets });
        // Each server's key store is its own readiness check; the dynamic policy itself only picks.
        if (dynamic !== null)
            for (const server of dynamic.servers)
                readiness.push(readinessOf(d.name, server));
        authentication = dynamic;
    }
    else if (authConfig !== undefined) {
        authentication = compileAuthentication(authConfig, `${base}.requestPolicies.authentication`, ctx, d.name, { functions: parts.functions, secrets: parts.secrets, pathPrefix: d.pathPrefix, counters: () => parts.shared().counters.counters });
        if (authentication !== null)
            readiness.push(readinessOf(d.name, authentication));
    }
    const deploymentCors = compileCors(spec.requestPolicies?.cors, `${base}.requestPolicies.cors`, ctx);
    let count = 0;
    spec.routes.forEach((r, j) => {
        const path = `${base}.routes[${j}]`;
        const pattern = joinPath(d.pathPrefix, r.path);
        const authorization = compileAuthorization(r.requestPolicies?.authorization, `${path}.requestPolicies.authorization`, ctx, authentication);
        const policies = r.requestPolicies ?? {};
        // A route's own CORS policy replaces the deployment's wholesale (fields are not merged).
        const cors = policies.cors === undefined ? deploymentCors : compileCors(policies.cors, `${path}.requestPolicies.cors`, ctx);
        const validation = compileValidation(policies, `${path}.requestPolicies`, ctx, { deployment: d.name, route: pattern });
        const params = routeParameters(pattern);
        const requestTransform = compileRequestTransform(policies, `${path}.requestPolicies`, ctx, params);
        const ownResponseTransform = compileResponseTransform(r.responsePolicies ?? {}, `${path}.responsePolicies`, ctx, params);
        const responseTransform = cors === null ? ownResponseTransform : corsResponseHeaders(ownResponseTransform);
        const backend = compileBackend(r.backend, `${path}.backend`, pattern, ctx, parts.functions, authentication?.browserSignIn ?? null);
        if (backend === null)
            return;
        const usagePlans = usagePlansConfig === undefined ? null : parts.usagePlans().policyFor(deploymentRef, usagePlansConfig, `${base}.requestPolicies.usagePlans`, params);
        const cacheLookup = policies.responseCacheLookup;
        const cacheStore = r.responsePolicies?.responseCacheStore;
        if ((cacheLookup !== undefined || cacheStore !== undefined) && parts.cachingOff) {
            ctx.issue(`${path}.${cacheLookup !== undefined ? 'requestPolicies.responseCacheLookup' : 'responsePolicies.responseCacheStore'}`, 'responseCacheDetails is NONE (no response cache for this gateway): remove the response cache policies or give responseCacheDetails a cache');
        }
        const responseCache = (cacheLookup === undefined && cacheStore === undefined) || parts.cachingOff
            ? null
            : compileResponseCache(cacheLookup, cacheStore, path, { deployment: d.name, ...(d.id !== undefined ? { deploymentId: d.id } : {}), pattern, params, maxEntryBytes: parts.maxCacheEntryBytes }, parts.shared().cache, ctx);
        const logging = r.loggingPolicies ?? spec.loggingPolicies;
        const routeLog = loggerFor(ctx.log, d.name, logging);
        // The login and logout routes of browser sign-in read the session themselves; a browser reaches them without one.
        const signInRoute = backend.type === 'OAUTH2_LOGIN_BACKEND' || backend.type === 'OAUTH2_LOGOUT_BACKEND';
        const plan = Object.freeze({
            deployment: d.name,
            route: pattern,
            mutualTls,
            rateLimit,
            authentication: signInRoute ? null : authentication,
            authorization: signInRoute ? null : authorization,
            usagePlans,
            backend,
            responseCache,
            cors,
            validation,
            requestTransform,
            responseTransform,
            accessLog: logging?.accessLog?.isEnabled !== false && routeLog.isLevelEnabled('info') ? accessLogger(ctx.log).child({ deployment: d.name }) : null,
            log: routeLog,
            stats: routeStats(ctx.registry, d.name, pattern),
        });
        try {
            router.add(pattern, r.methods ?? ['ANY'], plan);
            const anonymous = r.requestPolicies?.authorization?.type === 'ANONYMOUS';
            paths.push({ path: pattern, methods: r.methods ?? ['ANY'], backend: backend.type, authenticated: authentication !== null && !anonymous && !signInRoute });
            count++;
        }
        catch (err) {
            if (!(err instanceof RouteConflict))
                throw err;
            ctx.issue(`${path}.path`, `${pattern}: ${err.message}`);
        }
    });
    return count;
}
function settings(server) {
    const out = { ...DEFAULTS.server };
    for (const key of Object.keys(out)) {
        const v = server?.[key];
        if (v !== undefined)
            out[key] = v;
    }
    return out;
}
/**
 * Compiles `loaded` into a Plan. Resources (JWKS stores, pools) come from `registry`; the caller
 * commits or aborts the registry depending on whether the plan goes live.
 * @throws ConfigError listing every problem found.
 */
export function compilePlan(loaded, registry, log, opts = {}) {
    const { config } = loaded;
    // Problems inside a specificationFile are named by that file and its own paths (sourcePath).
    const ctx = createCompileContext(loaded, registry, log, opts);
    const { issues, warnings } = ctx;
    const names = new Set();
    config.deployments.forEach((d, i) => {
        if (names.has(d.name))
            ctx.issue(`deployments[${i}].name`, `"${d.name}" is used by another deployment`);
        names.add(d.name);
    });
    let stores = null;
    let catalog = null;
    const parts = {
        functions: compileFunctions(config.functions, 'functions', ctx),
        shared: () => (stores ??= sharedStores(config, ctx)),
        usagePlans: () => (catalog ??= compileUsagePlanCatalog(config, parts.shared().counters, ctx)),
        maxCacheEntryBytes: config.state?.cache?.maxEntryBytes ?? STATE_DEFAULTS.cacheMaxEntryBytes,
        cachingOff: config.responseCacheDetails?.type === 'NONE',
        clientCa: config.server?.tls?.clientCaFile !== undefined,
        secrets: config.secrets,
    };
    // Declared plans and subscribers are checked even when no deployment uses them yet.
    if (config.usagePlans !== undefined || config.subscribers !== undefined)
        parts.usagePlans();
    // The token revocation list lives across reloads, shared through state.redis when there is one.
    compileRevocations(ctx, config.state?.redis !== undefined ? parts.shared().counters : null);
    // Before the deployments: the key stores they create trace their first fetch with it.
    const tracer = compileTracing(config.telemetry, 'telemetry', ctx);
    const router = new Router();
    const readiness = [];
    const deployments = config.deployments.map((d, i) => {
        const paths = [];
        const routes = compileDeployment(d, i, ctx, router, parts, readiness, paths);
        return { name: d.name, pathPrefix: d.pathPrefix, routes, paths };
    });
    const tls = compileServerTls(config.server, ctx);
    const proxies = config.server?.trustedProxies;
    const clientAddress = proxies === undefined || proxies.length === 0 ? null : compileClientAddress(proxies);
    if (typeof clientAddress === 'string')
        ctx.issue('server.trustedProxies', clientAddress);
    if (issues.length > 0 || typeof clientAddress === 'string')
        throw new ConfigError(issues);
    return Object.freeze({
        router,
        server: Object.freeze(settings(config.server)),
        tls,
        clientAddress,
        admin: Object.freeze({ host: config.admin?.host ?? DEFAULTS.admin.host, port: config.admin?.port ?? DEFAULTS.admin.port }),
        deployments,
        readiness,
        unmatched: routeStats(registry, '', ''),
        warnings,
        redacted: redactConfig(config),
        identityProvider: config.identityProvider,
        sources: loaded.sources,
        tracer,
    });
}
