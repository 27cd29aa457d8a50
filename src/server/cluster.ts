/**
 * `gatehouse serve --workers N`: one primary and N worker processes (node:cluster) sharing the
 * data-plane port. Each worker compiles and serves the plan on its own; the primary holds what
 * must exist once:
 *
 *   primary ── admin plane (metrics summed over workers; other answers from a worker)
 *           ── the local identity provider, when configured
 *           ── JWKS broker: every worker's key fetch goes through it (one fetch per refresh)
 *           ── supervision: a worker that dies is replaced; SIGHUP reloads all; SIGTERM drains all
 *
 * Messages carry `gh` to keep them apart from prom-client's own cluster messages.
 */
import cluster, { type Worker } from 'node:cluster';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import client from 'prom-client';
import { setDocumentFetcher, type FetchOptions, type FetchResult } from '../auth/jwks/http_fetch.ts';
import { loadConfigFile } from '../config/load.ts';
import { compilePlan, type Plan } from '../config/compile.ts';
import { startIdentityProvider, type RunningIdentityProvider } from '../idp/index.ts';
import type { Logger } from '../lib/log.ts';
import { SharedRegistry } from '../lib/shared_registry.ts';
import { createAdminHandler, json, type AdminAnswer, type AdminInfo } from './admin_plane.ts';
import { startGateway, type GatewayOptions } from './gateway.ts';
import { JwksBroker, type BrokerRequest } from './jwks_broker.ts';

type ToPrimary =
  | { gh: 'listening'; dataUrl: string }
  | { gh: 'jwks'; id: number; req: BrokerRequest }
  | { gh: 'reply'; id: number; value: unknown };

type ToWorker =
  | { gh: 'jwks-reply'; id: number; result?: FetchResult; error?: string }
  | { gh: 'ask'; id: number; what: 'admin' | 'reload'; method?: string; path?: string }
  | { gh: 'shutdown' };

function isGh(m: unknown): m is { gh: string } {
  return typeof m === 'object' && m !== null && typeof (m as { gh?: unknown }).gh === 'string';
}

// ---------------------------------------------------------------- worker

/** Key fetches of this worker, sent to the primary's broker. */
function ipcFetcher(): (url: string, opts: FetchOptions) => Promise<FetchResult> {
  let nextId = 0;
  const pending = new Map<number, { resolve: (r: FetchResult) => void; reject: (e: Error) => void }>();
  process.on('message', (m: unknown) => {
    if (!isGh(m) || m.gh !== 'jwks-reply') return;
    const reply = m as Extract<ToWorker, { gh: 'jwks-reply' }>;
    const p = pending.get(reply.id);
    if (p === undefined) return;
    pending.delete(reply.id);
    if (reply.result !== undefined) p.resolve(reply.result);
    else p.reject(new Error(reply.error ?? 'JWKS fetch failed'));
  });
  return (url, opts) =>
    new Promise<FetchResult>((resolve, reject) => {
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
      const req: BrokerRequest = { url, etag: opts.etag ?? null, timeoutMs: opts.timeoutMs, insecure: opts.insecure, fresh: opts.fresh === true, cooldownMs: opts.cooldownMs ?? 30_000 };
      process.send?.({ gh: 'jwks', id, req } satisfies ToPrimary);
    });
}

/** Runs one cluster worker until the primary or a signal stops it; returns the exit code. */
export async function runWorker(opts: GatewayOptions): Promise<number> {
  // prom-client installs the worker's answer to the primary's metrics requests only when an
  // AggregatorRegistry is made in the worker.
  new client.AggregatorRegistry();
  setDocumentFetcher(ipcFetcher());
  const gw = await startGateway({ ...opts, admin: false, identityProvider: false });
  opts.log.info({ dataUrl: gw.info.dataUrl, pid: process.pid }, 'worker ready');
  process.send?.({ gh: 'listening', dataUrl: gw.info.dataUrl } satisfies ToPrimary);
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      gw.close().then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.on('message', (m: unknown) => {
      if (!isGh(m)) return;
      if (m.gh === 'shutdown') return stop();
      if (m.gh !== 'ask') return;
      const ask = m as Extract<ToWorker, { gh: 'ask' }>;
      const work: Promise<unknown> = ask.what === 'reload' ? gw.reload() : gw.admin(ask.method ?? 'GET', ask.path ?? '/');
      work.then(
        (value) => process.send?.({ gh: 'reply', id: ask.id, value } satisfies ToPrimary),
        (err: unknown) => process.send?.({ gh: 'reply', id: ask.id, value: json(500, { code: 500, message: (err as Error).message }) } satisfies ToPrimary),
      );
    });
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    process.once('disconnect', stop); // the primary is gone
  });
}

// ---------------------------------------------------------------- primary

export interface PrimaryOptions extends GatewayOptions {
  workers: number;
  /** Arguments to start each worker with (`serve ...` without `--workers`). */
  workerArgs: string[];
}

export interface RunningPrimary {
  info: AdminInfo;
  plan: Plan;
  idp: RunningIdentityProvider | null;
  /** Resolves with the exit code once stopped. */
  done: Promise<number>;
}

function brokerMetrics(broker: JwksBroker): client.Registry {
  const reg = new client.Registry();
  new client.Counter({
    name: 'gatehouse_jwks_shared_fetches_total',
    help: 'JWKS and discovery fetches the primary made for its workers (what the identity provider saw), by result.',
    labelNames: ['result'],
    registers: [reg],
    collect() {
      this.reset();
      this.inc({ result: 'ok' }, broker.stats.upstreamFetches - broker.stats.upstreamFailures);
      this.inc({ result: 'failed' }, broker.stats.upstreamFailures);
      this.inc({ result: 'shared' }, broker.stats.servedFromShare);
    },
  });
  return reg;
}

/** Starts the primary: identity provider, admin plane, JWKS broker and N workers. */
export async function startPrimary(opts: PrimaryOptions): Promise<RunningPrimary> {
  const { log } = opts;
  const loaded = loadConfigFile(opts.configFile);
  const offline = new SharedRegistry();
  const plan = compilePlan(loaded, offline, log, { offline: true }); // for the banner and early errors
  await offline.closeAll();

  let idp: RunningIdentityProvider | null = null;
  if (loaded.config.identityProvider !== undefined) {
    idp = await startIdentityProvider(loaded.config.identityProvider, { log: log.child({ component: 'idp' }), baseDir: loaded.baseDir, ...(opts.idpPort !== undefined ? { port: opts.idpPort } : {}) });
  }

  const broker = new JwksBroker();
  const aggregator = new client.AggregatorRegistry();
  const ownMetrics = brokerMetrics(broker);
  const workers = new Map<number, Worker>();
  const replies = new Map<number, (value: unknown) => void>();
  let nextAsk = 0;
  let shuttingDown = false;
  const info: AdminInfo = { dataUrl: '', adminUrl: '', idpUrl: idp?.url ?? null, startedAt: new Date().toISOString(), lastReload: null };

  function ask(w: Worker, what: 'admin' | 'reload', method?: string, path?: string): Promise<unknown> {
    return new Promise((resolve) => {
      const id = ++nextAsk;
      const timer = setTimeout(() => (replies.delete(id), resolve(null)), 5000);
      replies.set(id, (v) => (clearTimeout(timer), resolve(v)));
      w.send({ gh: 'ask', id, what, ...(method !== undefined ? { method, path } : {}) } satisfies ToWorker);
    });
  }

  let listening: (url: string) => void = () => undefined;
  const firstListening = new Promise<string>((r) => (listening = r));
  let ready = 0;
  const allListening = new Promise<void>((resolve, reject) => {
    cluster.setupPrimary({ exec: fileURLToPath(new URL('../../bin/gatehouse.js', import.meta.url)), args: opts.workerArgs });
    const onMessage = (w: Worker, m: unknown) => {
      if (!isGh(m)) return;
      const msg = m as ToPrimary;
      if (msg.gh === 'listening') {
        listening(msg.dataUrl);
        if (++ready === opts.workers) resolve();
      } else if (msg.gh === 'reply') {
        replies.get(msg.id)?.(msg.value);
        replies.delete(msg.id);
      } else if (msg.gh === 'jwks') {
        broker.fetch(msg.req).then(
          (result) => w.isConnected() && w.send({ gh: 'jwks-reply', id: msg.id, result } satisfies ToWorker),
          (err: unknown) => w.isConnected() && w.send({ gh: 'jwks-reply', id: msg.id, error: (err as Error).message } satisfies ToWorker),
        );
      }
    };
    cluster.on('message', onMessage);
    cluster.on('exit', (w, code, signal) => {
      workers.delete(w.id);
      if (shuttingDown) return;
      if (ready < opts.workers) return reject(new Error(`a worker exited before it was ready (code ${code}, signal ${signal})`));
      log.error({ pid: w.process.pid, code, signal }, 'worker died; starting a new one');
      setTimeout(() => {
        if (!shuttingDown) fork();
      }, 500).unref();
    });
    for (let i = 0; i < opts.workers; i++) fork();
  });
  function fork(): void {
    const w = cluster.fork();
    workers.set(w.id, w);
  }

  async function answer(method: string, path: string): Promise<AdminAnswer> {
    const live = [...workers.values()];
    if (path === '/health/live') return json(200, { status: 'live', workers: live.length });
    if (path === '/metrics') {
      const text = `${await aggregator.clusterMetrics()}\n${await ownMetrics.metrics()}`;
      return { status: 200, contentType: aggregator.contentType, body: text };
    }
    if (path === '/health/ready') {
      const answers = (await Promise.all(live.map((w) => ask(w, 'admin', 'GET', '/health/ready')))) as (AdminAnswer | null)[];
      const ok = !shuttingDown && live.length === opts.workers && answers.every((a) => a?.status === 200);
      return json(ok ? 200 : 503, { status: ok ? 'ready' : 'not ready', workers: live.length, ready: answers.filter((a) => a?.status === 200).length });
    }
    if (method === 'POST' && path === '/admin/reload') {
      const results = (await Promise.all(live.map((w) => ask(w, 'reload')))) as ({ applied: boolean; errors: string[] } | null)[];
      const applied = results.every((r) => r?.applied === true);
      info.lastReload = { at: new Date().toISOString(), result: applied ? 'applied' : 'rejected', errors: results.find((r) => r !== null && !r.applied)?.errors ?? [] };
      return json(applied ? 200 : 422, { applied, errors: info.lastReload.errors, workers: results.length });
    }
    const first = live[0];
    if (first === undefined) return json(503, { code: 503, message: 'no worker running' });
    const a = (await ask(first, 'admin', method, path)) as AdminAnswer | null;
    if (a === null) return json(504, { code: 504, message: 'worker did not answer' });
    if (path === '/admin/info' && a.status === 200) {
      return json(200, { ...(JSON.parse(a.body) as object), ...info, primaryPid: process.pid, workerPids: live.map((w) => w.process.pid) });
    }
    return a;
  }

  const admin: Server = createServer(createAdminHandler(answer));
  try {
    await allListening;
    info.dataUrl = await firstListening;
    await new Promise<void>((resolve, reject) => {
      admin.once('error', reject);
      admin.listen(opts.adminPort ?? plan.admin.port, plan.admin.host, () => resolve());
    });
    const a = admin.address() as AddressInfo;
    info.adminUrl = `http://${a.address}:${a.port}`;
  } catch (err) {
    shuttingDown = true;
    for (const w of workers.values()) w.process.kill('SIGKILL');
    await idp?.close();
    throw err;
  }

  const done = new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      if (shuttingDown) return;
      shuttingDown = true;
      log.info({ signal, workers: workers.size }, 'shutting down: draining the workers');
      for (const w of workers.values()) if (w.isConnected()) w.send({ gh: 'shutdown' } satisfies ToWorker);
      const deadline = setTimeout(() => {
        for (const w of workers.values()) w.process.kill('SIGKILL');
      }, (plan.server.shutdownTimeoutInSeconds + 5) * 1000);
      const finish = async () => {
        clearTimeout(deadline);
        admin.close();
        admin.closeAllConnections();
        await idp?.close();
        log.info('stopped');
        resolve(0);
      };
      if (workers.size === 0) void finish();
      else cluster.on('exit', () => workers.size === 0 && void finish());
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => void answer('POST', '/admin/reload'));
  });
  return { info, plan, idp, done };
}
