/**
 * The live TLS state of the data-plane listener: the default certificate, the SNI map, the client
 * CA, and their reload.
 *
 * Certificates change without a restart and without dropping a connection: the default context is
 * replaced with `server.setSecureContext` and the SNI map by one assignment, so handshakes from
 * then on get the new certificate while open connections keep the session they have. A reload
 * comes from a changed file (watched on the file and on its directory: certificate managers and
 * Kubernetes Secret mounts replace files by rename, which ends a watch on the file itself) or from
 * a configuration reload (whose plan read the files at compile time). Files that do not load keep
 * the previous certificates in service and log a warning.
 *
 * What can only be set when the server is made (TLS on or off, asking for client certificates,
 * the plain-HTTP port) stays as it was until a restart; gateway.ts says so on reload.
 */
import { watch } from 'node:fs';
import { dirname } from 'node:path';
import client from 'prom-client';
import { contextOptions, isProblemList, loadTlsMaterial } from './tls.js';
export class TlsListener {
    requestCert;
    httpPort;
    #files;
    #material;
    /** SNI: exact names, and the parent domain of each `*.` wildcard name. */
    #exact = new Map();
    #wildcard = new Map();
    #server = null;
    #lastReload;
    #watchers = [];
    #debounce;
    #closed = false;
    #log;
    #watch;
    #debounceMs;
    #reloads;
    constructor(tls, opts) {
        this.#log = opts.log;
        this.#watch = opts.watch !== false;
        this.#debounceMs = opts.debounceMs ?? 200;
        this.requestCert = tls.clientCaFile !== null;
        this.httpPort = tls.httpPort;
        this.#files = tls;
        this.#material = tls.material;
        this.#index(tls.material);
        this.#lastReload = { at: new Date().toISOString(), trigger: 'start', result: 'applied', errors: [] };
        this.#reloads = opts.metrics === undefined ? null : this.#registerMetrics(opts.metrics);
    }
    #registerMetrics(registry) {
        const self = this;
        new client.Gauge({
            name: 'gatehouse_tls_certificate_not_after_seconds',
            help: 'When each served certificate expires (Unix time, seconds), by certificate file.',
            labelNames: ['certificate'],
            registers: [registry],
            collect() {
                this.reset();
                for (const c of self.#material.certificates)
                    this.set({ certificate: c.info.certFile }, Date.parse(c.info.notAfter) / 1000);
            },
        });
        return new client.Counter({
            name: 'gatehouse_tls_reloads_total',
            help: 'Certificate reloads (file change or configuration reload) by result: applied, rejected (the previous certificates kept serving).',
            labelNames: ['result'],
            registers: [registry],
        });
    }
    /**
     * Options for `https.createServer` / `http2.createSecureServer`: the default certificate, SNI,
     * and (with a client CA) a request for the client's certificate that never fails the handshake
     * itself, so the mutualTls policy can answer 403 with the reason (`socket.authorized`).
     */
    serverOptions(handshakeTimeoutMs) {
        return {
            ...this.#defaultOptions(),
            SNICallback: (servername, cb) => cb(null, this.#lookup(servername)),
            requestCert: this.requestCert,
            rejectUnauthorized: false,
            handshakeTimeout: handshakeTimeoutMs,
        };
    }
    /** Binds the listener made with serverOptions, and starts watching the files; returns `server`. */
    attach(server) {
        this.#server = server;
        this.#rewatch();
        return server;
    }
    /** A configuration reload: its plan read the files already (and refused them if broken). */
    applyPlan(tls) {
        const changed = !sameMaterial(tls.material, this.#material) || tls.minVersion !== this.#files.minVersion;
        this.#files = tls;
        if (changed)
            this.#install(tls.material, 'config');
        this.#rewatch();
    }
    /** Reads the files again; keeps the current certificates when they do not load. Returns whether new ones were applied. */
    reloadFiles() {
        const loaded = loadTlsMaterial(this.#files);
        let applied = false;
        if (isProblemList(loaded)) {
            const errors = loaded.map((p) => `server.tls.${p.field}: ${p.message}`);
            this.#lastReload = { at: new Date().toISOString(), trigger: 'files', result: 'rejected', errors };
            this.#reloads?.inc({ result: 'rejected' });
            this.#log.warn({ errors, serving: 'previous certificates' }, 'TLS certificate reload rejected');
        }
        else if (!sameMaterial(loaded, this.#material)) {
            this.#install(loaded, 'files');
            applied = true;
        }
        else if (this.#lastReload.result === 'rejected') {
            // Put back as they were: what is served matches the files again, so the status says so.
            this.#lastReload = { at: new Date().toISOString(), trigger: 'files', result: 'applied', errors: [] };
            this.#log.info('TLS certificate files load again; they hold the certificates in service');
        }
        // A file replaced by rename is a new inode: watch what is there now.
        this.#rewatch();
        return applied;
    }
    status() {
        return {
            minVersion: this.#files.minVersion,
            clientCaFile: this.#files.clientCaFile,
            requestsClientCertificates: this.requestCert,
            httpPort: this.httpPort,
            certificates: this.#material.certificates.map((c) => c.info),
            lastReload: this.#lastReload,
        };
    }
    close() {
        this.#closed = true;
        clearTimeout(this.#debounce);
        for (const w of this.#watchers)
            w.close();
        this.#watchers = [];
    }
    #defaultOptions() {
        const first = this.#material.certificates[0];
        if (first === undefined)
            throw new Error('server.tls has no certificate');
        return contextOptions(this.#material.clientCa, this.#files, first);
    }
    #install(material, trigger) {
        this.#material = material;
        this.#server?.setSecureContext(this.#defaultOptions());
        this.#index(material);
        this.#lastReload = { at: new Date().toISOString(), trigger, result: 'applied', errors: [] };
        this.#reloads?.inc({ result: 'applied' });
        this.#log.info({ trigger, certificates: material.certificates.map((c) => ({ file: c.info.certFile, subject: c.info.subject, notAfter: c.info.notAfter })) }, 'TLS certificates reloaded');
    }
    /** Builds the SNI maps; the first certificate naming a host wins, as the default does for unnamed ones. */
    #index(material) {
        const exact = new Map();
        const wildcard = new Map();
        for (const c of material.certificates) {
            for (const name of c.info.names) {
                if (name.startsWith('*.')) {
                    if (!wildcard.has(name.slice(2)))
                        wildcard.set(name.slice(2), c.context);
                }
                else if (!exact.has(name))
                    exact.set(name, c.context);
            }
        }
        this.#exact = exact;
        this.#wildcard = wildcard;
    }
    /** The context for an SNI name; undefined: the default certificate. A wildcard covers one label (RFC 6125 §6.4.3). */
    #lookup(servername) {
        const name = servername.toLowerCase();
        const found = this.#exact.get(name);
        if (found !== undefined)
            return found;
        const dot = name.indexOf('.');
        return dot > 0 ? this.#wildcard.get(name.slice(dot + 1)) : undefined;
    }
    #rewatch() {
        if (!this.#watch || this.#closed)
            return;
        for (const w of this.#watchers)
            w.close();
        this.#watchers = [];
        const files = [...this.#files.certificates.flatMap((c) => [c.certFile, c.keyFile]), ...(this.#files.clientCaFile === null ? [] : [this.#files.clientCaFile])];
        const onEvent = () => {
            clearTimeout(this.#debounce);
            this.#debounce = setTimeout(() => void this.reloadFiles(), this.#debounceMs);
        };
        // Any change in a watched directory triggers a read: a Kubernetes Secret swaps a `..data`
        // symlink, not the files' own names. Unchanged content is not applied (sameMaterial).
        for (const target of new Set([...files, ...files.map((f) => dirname(f))])) {
            try {
                const w = watch(target, { persistent: false }, onEvent);
                w.on('error', () => undefined);
                this.#watchers.push(w);
            }
            catch (err) {
                // A file being replaced right now; its directory's watch still sees the new one.
                if (!files.includes(target))
                    this.#log.warn({ dir: target, err: err.message }, 'cannot watch TLS certificate directory; reload with SIGHUP');
            }
        }
    }
}
function sameMaterial(a, b) {
    return (a.clientCa === b.clientCa &&
        a.certificates.length === b.certificates.length &&
        a.certificates.every((c, i) => c.cert === b.certificates[i].cert && c.key === b.certificates[i].key));
}
