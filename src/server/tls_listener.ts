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
import { watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import type { SecureContext, Server as TlsServer, TlsOptions } from 'node:tls';
import client from 'prom-client';
import type { Logger } from '../lib/log.ts';
import { contextOptions, isProblemList, loadTlsMaterial, type CertificateInfo, type ServerTls, type TlsFiles, type TlsMaterial, type TlsMinVersion } from './tls.ts';

/** What `/admin/info` shows under `tls`: never key material. */
export interface TlsStatus {
  minVersion: TlsMinVersion;
  clientCaFile: string | null;
  /** Whether the listener asks clients for a certificate (clientCaFile was set at start). */
  requestsClientCertificates: boolean;
  httpPort: number | null;
  certificates: CertificateInfo[];
  lastReload: { at: string; trigger: 'start' | 'files' | 'config'; result: 'applied' | 'rejected'; errors: string[] };
}

export interface TlsListenerOptions {
  log: Logger;
  /** Where the reload counter and the expiry gauge are registered. */
  metrics?: client.Registry;
  /** Watch the files (default true). */
  watch?: boolean;
  /** Quiet time after the last file event before reading the files, ms (default 200). */
  debounceMs?: number;
}

export class TlsListener {
  readonly requestCert: boolean;
  readonly httpPort: number | null;
  #files: TlsFiles;
  #material: TlsMaterial;
  /** SNI: exact names, and the parent domain of each `*.` wildcard name. */
  #exact = new Map<string, SecureContext>();
  #wildcard = new Map<string, SecureContext>();
  #server: TlsServer | null = null;
  #lastReload: TlsStatus['lastReload'];
  #watchers: FSWatcher[] = [];
  #debounce: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #log: Logger;
  readonly #watch: boolean;
  readonly #debounceMs: number;
  readonly #reloads: client.Counter<'result'> | null;

  constructor(tls: ServerTls, opts: TlsListenerOptions) {
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

  #registerMetrics(registry: client.Registry): client.Counter<'result'> {
    const self = this;
    new client.Gauge({
      name: 'gatehouse_tls_certificate_not_after_seconds',
      help: 'When each served certificate expires (Unix time, seconds), by certificate file.',
      labelNames: ['certificate'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const c of self.#material.certificates) this.set({ certificate: c.info.certFile }, Date.parse(c.info.notAfter) / 1000);
      },
    });
    return new client.Counter({
      name: 'gatehouse_tls_reloads_total',
      help: 'Certificate reloads (file change or configuration reload) by result: applied, rejected (the previous certificates kept serving).',
      labelNames: ['result'] as const,
      registers: [registry],
    });
  }

  /**
   * Options for `https.createServer` / `http2.createSecureServer`: the default certificate, SNI,
   * and (with a client CA) a request for the client's certificate that never fails the handshake
   * itself, so the mutualTls policy can answer 403 with the reason (`socket.authorized`).
   */
  serverOptions(handshakeTimeoutMs: number): TlsOptions {
    return {
      ...this.#defaultOptions(),
      SNICallback: (servername, cb) => cb(null, this.#lookup(servername)),
      requestCert: this.requestCert,
      rejectUnauthorized: false,
      handshakeTimeout: handshakeTimeoutMs,
    };
  }

  /** Binds the listener made with serverOptions, and starts watching the files; returns `server`. */
  attach<S extends TlsServer>(server: S): S {
    this.#server = server;
    this.#rewatch();
    return server;
  }

  /** A configuration reload: its plan read the files already (and refused them if broken). */
  applyPlan(tls: ServerTls): void {
    const changed = !sameMaterial(tls.material, this.#material) || tls.minVersion !== this.#files.minVersion;
    this.#files = tls;
    if (changed) this.#install(tls.material, 'config');
    this.#rewatch();
  }

  /** Reads the files again; keeps the current certificates when they do not load. Returns whether new ones were applied. */
  reloadFiles(): boolean {
    const loaded = loadTlsMaterial(this.#files);
    let applied = false;
    if (isProblemList(loaded)) {
      const errors = loaded.map((p) => `server.tls.${p.field}: ${p.message}`);
      this.#lastReload = { at: new Date().toISOString(), trigger: 'files', result: 'rejected', errors };
      this.#reloads?.inc({ result: 'rejected' });
      this.#log.warn({ errors, serving: 'previous certificates' }, 'TLS certificate reload rejected');
    } else if (!sameMaterial(loaded, this.#material)) {
      this.#install(loaded, 'files');
      applied = true;
    } else if (this.#lastReload.result === 'rejected') {
      // Put back as they were: what is served matches the files again, so the status says so.
      this.#lastReload = { at: new Date().toISOString(), trigger: 'files', result: 'applied', errors: [] };
      this.#log.info('TLS certificate files load again; they hold the certificates in service');
    }
    // A file replaced by rename is a new inode: watch what is there now.
    this.#rewatch();
    return applied;
  }

  status(): TlsStatus {
    return {
      minVersion: this.#files.minVersion,
      clientCaFile: this.#files.clientCaFile,
      requestsClientCertificates: this.requestCert,
      httpPort: this.httpPort,
      certificates: this.#material.certificates.map((c) => c.info),
      lastReload: this.#lastReload,
    };
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#debounce);
    for (const w of this.#watchers) w.close();
    this.#watchers = [];
  }

  #defaultOptions(): TlsOptions {
    const first = this.#material.certificates[0];
    if (first === undefined) throw new Error('server.tls has no certificate');
    return contextOptions(this.#material.clientCa, this.#files, first);
  }

  #install(material: TlsMaterial, trigger: 'files' | 'config'): void {
    this.#material = material;
    this.#server?.setSecureContext(this.#defaultOptions());
    this.#index(material);
    this.#lastReload = { at: new Date().toISOString(), trigger, result: 'applied', errors: [] };
    this.#reloads?.inc({ result: 'applied' });
    this.#log.info(
      { trigger, certificates: material.certificates.map((c) => ({ file: c.info.certFile, subject: c.info.subject, notAfter: c.info.notAfter })) },
      'TLS certificates reloaded',
    );
  }

  /** Builds the SNI maps; the first certificate naming a host wins, as the default does for unnamed ones. */
  #index(material: TlsMaterial): void {
    const exact = new Map<string, SecureContext>();
    const wildcard = new Map<string, SecureContext>();
    for (const c of material.certificates) {
      for (const name of c.info.names) {
        if (name.startsWith('*.')) {
          if (!wildcard.has(name.slice(2))) wildcard.set(name.slice(2), c.context);
        } else if (!exact.has(name)) exact.set(name, c.context);
      }
    }
    this.#exact = exact;
    this.#wildcard = wildcard;
  }

  /** The context for an SNI name; undefined: the default certificate. A wildcard covers one label (RFC 6125 §6.4.3). */
  #lookup(servername: string): SecureContext | undefined {
    const name = servername.toLowerCase();
    const found = this.#exact.get(name);
    if (found !== undefined) return found;
    const dot = name.indexOf('.');
    return dot > 0 ? this.#wildcard.get(name.slice(dot + 1)) : undefined;
  }

  #rewatch(): void {
    if (!this.#watch || this.#closed) return;
    for (const w of this.#watchers) w.close();
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
      } catch (err) {
        // A file being replaced right now; its directory's watch still sees the new one.
        if (!files.includes(target)) this.#log.warn({ dir: target, err: (err as Error).message }, 'cannot watch TLS certificate directory; reload with SIGHUP');
      }
    }
  }
}

function sameMaterial(a: TlsMaterial, b: TlsMaterial): boolean {
  return (
    a.clientCa === b.clientCa &&
    a.certificates.length === b.certificates.length &&
    a.certificates.every((c, i) => c.cert === b.certificates[i]!.cert && c.key === b.certificates[i]!.key)
  );
}
