/**
 * A running gateway: data plane, admin plane and (when configured) the local identity provider,
 * with hot reload and graceful shutdown.
 *
 * The gateway does not read configuration itself: it is handed a PlanLoader (the CLI builds it
 * from the config stage), which it calls at start and on every reload.
 *
 * Reload (file change, SIGHUP or POST /admin/reload): the loader compiles a new plan beside the
 * live one; if valid it replaces it in one assignment, else the errors are logged and the old plan
 * keeps serving. Shutdown: stop accepting, let in-flight requests finish (up to
 * `shutdownTimeoutInSeconds`), then close pools, function containers and the identity provider.
 *
 * With `server.tls` the data plane speaks HTTPS (tls_listener.ts: certificates by SNI, reloaded on
 * file change and on every reload), and `server.httpPort` adds a plain-HTTP listener that
 * redirects to it (http_redirect.ts).
 */
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import client from 'prom-client';
import { ConfigError } from '../errors.js';
import { listenerUrl } from '../lib/listen_url.js';
import { SharedRegistry } from '../lib/shared_registry.js';
import { startIdentityProvider } from '../idp/index.js';
import { createDataPlaneHandler } from './data_plane.js';
import { answerAdmin, createAdminHandler } from './admin_plane.js';
import { createAdminAccess, isLoopbackHost } from './admin_access.js';
import { createConsoleServer } from '../console/serve.js';
import { TlsListener } from './tls_listener.js';
import { createRedirectHandler } from './http_redirect.js';
/** Listens on `host:port`; resolves with the bound address. */
export function listen(server, port, host) {
    return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
            server.off('error', reject);
            resolve(server.address());
        });
    });
}
/** Maps parser failures (oversized head, timeouts, malformed requests) to JSON answers. */
function onClientError(err, socket) {
    if (!socket.writable || err.bytesParsed === undefined && err.code === 'ECONNRESET') {
        socket.destroy();
        return;
    }
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const text = status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request';
    const body = JSON.stringify({ code: status, message: text });
    socket.end(`HTTP/1.1 ${status} ${text}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
}
/** What of `server.tls` only a restart changes: TLS on or off, asking for client certificates, the redirect port. */
function tlsListenerKey(tls) {
    return tls === null ? 'off' : JSON.stringify([tls.clientCaFile !== null, tls.httpPort]);
}
/** Logs a plan's warnings (things that load but deserve a look). */
export function logPlanWarnings(log, plan) {
    for (const w of plan.warnings)
        log.warn({ path: w.path }, `configuration warning: ${w.path}: ${w.message}`);
}
export async function startGateway(opts) {
    const { log } = opts;
    const registry = new SharedRegistry();
    client.collectDefaultMetrics({ register: registry.metrics, prefix: 'gatehouse_process_' });
    const configReloads = new client.Counter({
        name: 'gatehouse_config_reloads_total',
        help: 'Configuration reloads by result (applied, rejected).',
        labelNames: ['result'],
        registers: [registry.metrics],
    });
    // The identity provider starts first: the plan's JWKS stores fetch their keys as they are
    // compiled, and a store pointed at the local provider must find it listening.
    let idp = null;
    if (opts.identityProvider != null) {
        idp = await startIdentityProvider(opts.identityProvider.section, {
            log: log.child({ component: 'idp' }),
            baseDir: opts.identityProvider.baseDir,
            metrics: registry.metrics,
            ...(opts.idpPort !== undefined ? { port: opts.idpPort } : {}),
        });
    }
    let plan;
    try {
        plan = opts.loadPlan(registry);
        await registry.commit();
    }
    catch (err) {
        await registry.closeAll();
        await idp?.close();
        throw err;
    }
    logPlanWarnings(log, plan);
    const state = { plan, draining: false, inFlight: 0 };
    const s = plan.server;
    const httpOptions = {
        maxHeaderSize: s.maxHeaderBytes,
        headersTimeout: s.headersTimeoutInSeconds * 1000,
        requestTimeout: s.requestTimeoutInSeconds * 1000,
        keepAliveTimeout: s.keepAliveTimeoutInSeconds * 1000,
        // Node enforces the two timeouts above only when it checks (every 30 s by default): check
        // often enough that a slow-loris client is cut close to the configured time.
        connectionsCheckingInterval: Math.min(1000, s.headersTimeoutInSeconds * 500),
    };
    const tls = plan.tls === null ? null : new TlsListener(plan.tls, { log: log.child({ component: 'tls' }), metrics: registry.metrics, watch: opts.watch !== false });
    const handler = createDataPlaneHandler(state, log);
    // A TLS handshake gets the time a request head gets: a client that opens connections and never
    // finishes a handshake is cut as soon as a slow-loris one is.
    const data = tls === null ? createServer(httpOptions, handler) : tls.attach(createHttpsServer({ ...httpOptions, ...tls.serverOptions(s.headersTimeoutInSeconds * 1000) }, handler));
    data.on('clientError', onClientError);
    let dataPort = 0;
    const redirect = tls?.httpPort == null ? null : createServer(httpOptions, createRedirectHandler(() => dataPort));
    redirect?.on('clientError', onClientError);
    const info = { dataUrl: '', adminUrl: '', idpUrl: idp?.url ?? null, startedAt: new Date().toISOString(), lastReload: null };
    // `/admin/info` shows the certificates in service and the last reload's outcome (never a key).
    if (tls !== null)
        Object.defineProperty(info, 'tls', { enumerable: true, get: () => tls.status() });
    let reloading = null;
    async function reloadOnce() {
        try {
            const next = opts.loadPlan(registry);
            const adminKeys = opts.reloadAdminKeys?.();
            const restartNeeded = JSON.stringify(next.server) !== JSON.stringify(state.plan.server) ||
                JSON.stringify(next.admin) !== JSON.stringify(state.plan.admin) ||
                JSON.stringify(next.identityProvider) !== JSON.stringify(state.plan.identityProvider) ||
                tlsListenerKey(next.tls) !== tlsListenerKey(state.plan.tls);
            const sameTlsShape = tlsListenerKey(next.tls) === tlsListenerKey(state.plan.tls);
            state.plan = next;
            // The new plan read the certificate files: serve what they hold now. What only a restart
            // changes (TLS on or off, asking for client certificates, the redirect port) keeps the old
            // material too: contexts without the CA bundle would verify client certificates against the
            // public roots while the listener still asks for them.
            if (tls !== null && next.tls !== null && sameTlsShape)
                tls.applyPlan(next.tls);
            await registry.commit();
            if (adminKeys !== undefined)
                access.update(adminKeys);
            configReloads.inc({ result: 'applied' });
            info.lastReload = { at: new Date().toISOString(), result: 'applied', errors: [] };
            log.info({ deployments: next.deployments }, 'config reloaded');
            logPlanWarnings(log, next);
            if (restartNeeded)
                log.warn('server, admin or identityProvider settings changed: they take effect on restart (use the management API or `gatehouse idp` to change the provider live)');
            rewatch();
            return { applied: true, errors: [] };
        }
        catch (err) {
            await registry.abort();
            const errors = err instanceof ConfigError ? err.message.split('\n') : [err.message];
            configReloads.inc({ result: 'rejected' });
            info.lastReload = { at: new Date().toISOString(), result: 'rejected', errors };
            log.error({ errors, serving: 'previous configuration' }, 'config reload rejected');
            return { applied: false, errors };
        }
    }
    function reload() {
        // One reload at a time; a request for another while one runs joins it.
        reloading ??= reloadOnce().finally(() => (reloading = null));
        return reloading;
    }
    const idpDeps = idp === null ? null : { state: idp.state, url: idp.url, config: () => state.plan.redacted, dataUrl: () => info.dataUrl };
    const answer = (method, path, body = '') => answerAdmin({ state, registry, info, reload, idp: idpDeps }, method, path, body);
    const access = createAdminAccess({ keys: opts.adminKeys?.keys ?? [], openReads: opts.adminKeys?.openReads ?? true, idp: () => idp?.state ?? null });
    const admin = opts.admin === false ? null : createServer(createAdminHandler(answer, { access, console: createConsoleServer(), boundToLoopback: isLoopbackHost(plan.admin.host), log: log.child({ component: 'admin' }) }));
    try {
        const dataAddr = await listen(data, opts.port ?? s.port, opts.host ?? s.host);
        dataPort = dataAddr.port;
        info.dataUrl = listenerUrl(dataAddr.address, dataAddr.port, tls === null ? 'http' : 'https');
        if (redirect !== null) {
            const plainAddr = await listen(redirect, tls?.httpPort ?? 0, opts.host ?? s.host);
            log.info({ httpUrl: listenerUrl(plainAddr.address, plainAddr.port), redirectsTo: info.dataUrl }, 'plain-HTTP listener redirecting to HTTPS');
        }
        if (admin !== null) {
            const adminAddr = await listen(admin, opts.adminPort ?? plan.admin.port, plan.admin.host);
            info.adminUrl = listenerUrl(adminAddr.address, adminAddr.port);
        }
    }
    catch (err) {
        data.close();
        redirect?.close();
        tls?.close();
        admin?.close();
        await idp?.close();
        await registry.closeAll();
        throw err;
    }
    // Watch the directories (editors replace files by renaming, which ends a watch on the file itself).
    // A Kubernetes ConfigMap or Secret volume changes none of its files' names: the kubelet swaps the
    // `..data` symlink they point through, so that name counts as a change of every file beside it.
    let watchers = [];
    let debounce;
    function rewatch() {
        if (opts.watch === false)
            return;
        for (const w of watchers)
            w.close();
        watchers = [];
        const byDir = new Map();
        for (const f of state.plan.sources) {
            const set = byDir.get(dirname(f)) ?? new Set();
            set.add(basename(f));
            byDir.set(dirname(f), set);
        }
        for (const [dir, names] of byDir) {
            try {
                const w = watch(dir, { persistent: false }, (_event, name) => {
                    if (name === null || (!names.has(name.toString()) && name.toString() !== '..data'))
                        return;
                    clearTimeout(debounce);
                    debounce = setTimeout(() => void reload(), 150);
                });
                w.on('error', () => undefined);
                watchers.push(w);
            }
            catch (err) {
                log.warn({ dir, err: err.message }, 'cannot watch config directory; reload with SIGHUP');
            }
        }
    }
    rewatch();
    let closing = null;
    async function shutdown() {
        state.draining = true;
        clearTimeout(debounce);
        for (const w of watchers)
            w.close();
        tls?.close();
        log.info({ inFlight: state.inFlight }, 'shutting down: draining in-flight requests');
        if (redirect !== null) {
            redirect.close();
            redirect.closeAllConnections();
        }
        const closed = new Promise((resolve) => data.close(() => resolve()));
        data.closeIdleConnections();
        const deadline = Date.now() + s.shutdownTimeoutInSeconds * 1000;
        while (state.inFlight > 0 && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 20));
            data.closeIdleConnections();
        }
        if (state.inFlight > 0)
            log.warn({ inFlight: state.inFlight }, 'shutdown timeout: closing remaining connections');
        // Answers that have ended may still be flushing: let their connections close by themselves
        // (draining answers say `connection: close`) before cutting whatever is left.
        data.closeIdleConnections();
        const graceMs = Math.max(0, Math.min(1000, deadline - Date.now()));
        await Promise.race([closed, new Promise((r) => setTimeout(r, graceMs))]);
        data.closeAllConnections();
        await closed;
        if (admin !== null) {
            await new Promise((resolve) => {
                admin.close(() => resolve());
                admin.closeAllConnections();
            });
        }
        await idp?.close();
        await registry.closeAll();
        log.info('stopped');
    }
    return {
        info,
        get plan() {
            return state.plan;
        },
        idp,
        registry,
        reload,
        admin: answer,
        close: () => (closing ??= shutdown()),
    };
}
