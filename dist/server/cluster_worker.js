/**
 * One `--workers` worker: a whole gateway (data plane, plan, reload) without the admin plane and
 * the identity provider, which the primary runs. Its key fetches go through the primary's JWKS
 * broker (an injected DocumentFetcher), so the identity provider sees one fetch per refresh.
 */
import client from 'prom-client';
import { brokerRequest } from '../auth/jwks/broker.js';
import { json } from './admin_plane.js';
import { startGateway } from './gateway.js';
import { isToWorker } from './cluster_protocol.js';
import { createClusterStore } from '../state/cluster.js';
function send(m) {
    process.send?.(m);
}
/** A DocumentFetcher that asks the primary's broker. */
export function createBrokerFetcher() {
    let nextId = 0;
    const pending = new Map();
    process.on('message', (m) => {
        if (!isToWorker(m) || m.gh !== 'jwks-reply')
            return;
        const p = pending.get(m.id);
        if (p === undefined)
            return;
        pending.delete(m.id);
        if ('result' in m)
            p.resolve(m.result);
        else
            p.reject(new Error(m.error));
    });
    return (url, opts) => new Promise((resolve, reject) => {
        const id = ++nextId;
        const timer = setTimeout(() => {
            pending.delete(id);
            reject(new Error(`JWKS fetch through the primary timed out after ${opts.timeoutMs} ms`));
        }, opts.timeoutMs + 1000);
        timer.unref();
        pending.set(id, {
            resolve: (r) => (clearTimeout(timer), resolve(r)),
            reject: (e) => (clearTimeout(timer), reject(e)),
        });
        send({ gh: 'jwks', id, req: brokerRequest(url, opts) });
    });
}
let localStore = null;
/**
 * The worker's shared store: the primary's memory over IPC (state/cluster.ts), one per process.
 * Hand it to compiles as the `localStore` compile option, so the workers share limits and cache.
 */
export function clusterLocalStore() {
    return (localStore ??= createClusterStore());
}
/** Runs one cluster worker until the primary or a signal stops it; returns the exit code. */
export async function runWorker(opts) {
    const gw = await startGateway({ ...opts, admin: false, identityProvider: null });
    // The primary's /metrics asks every worker for its metrics (prom-client's cluster protocol):
    // answer with this gateway's own registry.
    client.AggregatorRegistry.setRegistries([gw.registry.metrics]);
    new client.AggregatorRegistry();
    opts.log.info({ dataUrl: gw.info.dataUrl, pid: process.pid }, 'worker ready');
    send({ gh: 'listening', dataUrl: gw.info.dataUrl });
    return new Promise((resolve) => {
        let stopping = false;
        const stop = () => {
            if (stopping)
                return;
            stopping = true;
            gw.close().then(() => finish(0), () => finish(1));
        };
        // The IPC channel keeps a worker's event loop alive: let go of it once drained, so the process
        // exits as soon as its gateway has stopped (issue #11: exits used to wait for the primary's kill).
        const finish = (code) => {
            if (process.connected)
                process.disconnect();
            resolve(code);
        };
        process.on('message', (m) => {
            if (!isToWorker(m))
                return;
            if (m.gh === 'shutdown')
                return stop();
            if (m.gh === 'reload') {
                gw.reload().then((result) => send({ gh: 'reload-reply', id: m.id, result }), (err) => send({ gh: 'reload-reply', id: m.id, result: { applied: false, errors: [err.message] } }));
            }
            else if (m.gh === 'admin') {
                gw.admin(m.method, m.path, m.body ?? '').then((answer) => send({ gh: 'admin-reply', id: m.id, answer }), (err) => send({ gh: 'admin-reply', id: m.id, answer: json(500, { code: 500, message: err.message }) }));
            }
        });
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
        process.once('disconnect', stop); // the primary is gone
    });
}
