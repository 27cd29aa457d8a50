/**
 * The primary of `gatehouse serve --workers N`: N worker processes (node:cluster) share the
 * data-plane port, each compiling and serving the plan on its own (cluster_worker.ts); the primary
 * holds what must exist once:
 *
 *   primary ── admin plane (metrics summed over workers; other answers from a worker)
 *           ── the local identity provider, when configured
 *           ── JWKS broker: every worker's key fetch goes through it (one fetch per refresh)
 *           ── shared state: the memory whose counters and cache the workers share (state/cluster.ts)
 *           ── supervision: a worker that dies is replaced; SIGHUP reloads all; SIGTERM drains all
 *              and exits as soon as the last worker has
 */
import cluster, { type Worker } from 'node:cluster';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import client from 'prom-client';
import { JwksBroker } from '../auth/jwks/broker.ts';
import { startIdentityProvider, type RunningIdentityProvider } from '../idp/index.ts';
import type { Logger } from '../lib/log.ts';
import { listenerUrl } from '../lib/listen_url.ts';
import { scrapedMetric } from '../lib/scraped_metrics.ts';
import type { Plan } from '../plan.ts';
import { answerIdpRequest, createAdminHandler, json, liveness, readiness, type AdminAnswer, type AdminInfo, type NotReady } from './admin_plane.ts';
import { mergeAuthStates, mergeReloads, sumFunctionStates } from './admin_merge.ts';
import type { FunctionState } from '../lib/function_state.ts';
import { createAdminAccess, isLoopbackHost, type AdminKeySettings } from './admin_access.ts';
import { IDP_PREFIX, type AdminIdpDeps } from './admin_idp.ts';
import { createConsoleServer } from '../console/serve.ts';
import { createClusterStateServer } from '../state/cluster.ts';
import { isToPrimary, type ToWorker } from './cluster_protocol.ts';
import { forwardRevocationChange, isRevocationChange, replayRevocations } from './cluster_revocations.ts';
import { listen, type ReloadResult } from './gateway.ts';
import { workerExecArgv } from '../lib/node_flags.ts';

export interface PrimaryOptions {
  log: Logger;
  workers: number;
  /** Arguments to start each worker with (`serve ...` without `--workers`). */
  workerArgs: string[];
  /** The plan compiled offline (no fetch, no process): settings, banner and early errors. */
  plan: Plan;
  identityProvider: { section: unknown; baseDir: string } | null;
  adminPort?: number;
  idpPort?: number;
  /** How long an ask to a worker may take before it counts as unanswered, ms (default 5000). */
  askTimeoutMs?: number;
  /** `state.cache`: bounds of the cache the workers share (default 64 MiB, 1 MiB per entry); read once at start. */
  stateCache?: { maxBytes?: number; maxEntryBytes?: number };
  /** Who may change things on the admin plane (as GatewayOptions.adminKeys). */
  adminKeys?: AdminKeySettings;
  /** Resolves `admin:` again at each reload (as GatewayOptions.reloadAdminKeys). */
  reloadAdminKeys?: () => AdminKeySettings;
}

export interface RunningPrimary {
  info: AdminInfo;
  plan: Plan;
  idp: RunningIdentityProvider | null;
  /** Resolves with the exit code once stopped. */
  done: Promise<number>;
}

function registerBrokerMetrics(registry: client.Registry, broker: JwksBroker): void {
  registry.registerMetric(
    scrapedMetric(
      'gatehouse_jwks_shared_fetches_total',
      'JWKS and discovery fetches the primary made for its workers (what the identity provider saw), by result.',
      'counter',
      () => [
        { labels: { result: 'ok' }, value: broker.stats.upstreamFetches - broker.stats.upstreamFailures },
        { labels: { result: 'failed' }, value: broker.stats.upstreamFailures },
        { labels: { result: 'shared' }, value: broker.stats.servedFromShare },
      ],
    ),
  );
}

/** Starts the primary: identity provider, admin plane, JWKS broker and N workers. */
export async function startPrimary(opts: PrimaryOptions): Promise<RunningPrimary> {
  const { log, plan } = opts;
  const askTimeoutMs = opts.askTimeoutMs ?? 5000;
  const ownMetrics = new client.Registry();
  let idp: RunningIdentityProvider | null = null;
  if (opts.identityProvider !== null) {
    idp = await startIdentityProvider(opts.identityProvider.section, {
      log: log.child({ component: 'idp' }),
      baseDir: opts.identityProvider.baseDir,
      metrics: ownMetrics,
      ...(opts.idpPort !== undefined ? { port: opts.idpPort } : {}),
    });
  }

  const broker = new JwksBroker();
  registerBrokerMetrics(ownMetrics, broker);
  const sharedState = createClusterStateServer(opts.stateCache ?? {});
  const aggregator = new client.AggregatorRegistry();
  const workers = new Map<number, Worker>();
  /** Workers whose data plane is listening (and so answer asks): ids. */
  const listening = new Set<number>();
  /** Asks awaiting a worker's reply, by ask id: settled by the reply, the timeout or the worker's going. */
  const replies = new Map<number, { workerId: number; settle: (value: unknown) => void }>();
  let nextAsk = 0;
  let shuttingDown = false;
  const info: AdminInfo = { dataUrl: '', adminUrl: '', idpUrl: idp?.url ?? null, startedAt: new Date().toISOString(), lastReload: null };

  /**
   * Sends `m` (with a fresh id) and resolves with the worker's reply, or null when it does not come
   * in time or the worker goes away first (a worker that dies mid-ask will never answer: waiting out
   * the timeout made an admin request racing a worker's death take 5 s and fail, issue #11).
   */
  function ask<T>(w: Worker, m: (id: number) => ToWorker): Promise<T | null> {
    return new Promise((resolve) => {
      if (!w.isConnected()) return resolve(null);
      const id = ++nextAsk;
      const timer = setTimeout(() => settle(null), askTimeoutMs);
      const settle = (v: unknown) => {
        clearTimeout(timer);
        replies.delete(id);
        resolve(v as T | null);
      };
      replies.set(id, { workerId: w.id, settle });
      // With a callback, a channel that closed meanwhile is an error here, not an 'error' event on the worker.
      w.send(m(id), (err) => err !== null && settle(null));
    });
  }
  const askAdmin = (w: Worker, method: string, path: string, body = '') =>
    ask<AdminAnswer>(w, (id) => ({ gh: 'admin', id, method, path, ...(body === '' ? {} : { body }) }));
  async function copyRevocations(to: Worker): Promise<void> {
    const from = [...workers.values()].find((x) => x !== to && listening.has(x.id));
    if (from !== undefined && !(await replayRevocations(from, to, askAdmin))) log.warn({ pid: to.process.pid }, 'could not copy the revocation list to a new worker');
  }
  const askReload = (w: Worker) => ask<ReloadResult>(w, (id) => ({ gh: 'reload', id }));

  let firstDataUrl: (url: string) => void = () => undefined;
  const firstListening = new Promise<string>((r) => (firstDataUrl = r));
  let ready = 0;
  const allListening = new Promise<void>((resolve, reject) => {
    // Workers run with the young generation Gatehouse is measured with, whatever started the primary (lib/node_flags.ts).
    cluster.setupPrimary({ exec: fileURLToPath(new URL('../../bin/gatehouse.js', import.meta.url)), args: opts.workerArgs, execArgv: workerExecArgv() });
    cluster.on('message', (w: Worker, m: unknown) => {
      if (!isToPrimary(m)) return;
      switch (m.gh) {
        case 'listening':
          listening.add(w.id);
          firstDataUrl(m.dataUrl);
          if (++ready === opts.workers) resolve();
          // A worker replacing a dead one starts with an empty revocation list: give it a live worker's.
          else if (ready > opts.workers) void copyRevocations(w);
          return;
        case 'admin-reply':
          replies.get(m.id)?.settle(m.answer);
          return;
        case 'reload-reply':
          replies.get(m.id)?.settle(m.result);
          return;
        case 'state-get':
        case 'state-set':
          sharedState.handle(w, m);
          return;
        case 'jwks':
          broker.fetch(m.req).then(
            (result) => w.isConnected() && w.send({ gh: 'jwks-reply', id: m.id, result } satisfies ToWorker),
            (err: unknown) => w.isConnected() && w.send({ gh: 'jwks-reply', id: m.id, error: (err as Error).message } satisfies ToWorker),
          );
      }
    });
    cluster.on('disconnect', (w: Worker) => {
      for (const r of [...replies.values()]) if (r.workerId === w.id) r.settle(null);
    });
    cluster.on('exit', (w, code, signal) => {
      workers.delete(w.id);
      listening.delete(w.id);
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

  /** Why the workers are not all ready: each worker's own reasons, tagged with its pid. */
  async function workersNotReady(live: Worker[]): Promise<(NotReady | { worker: number | undefined; reason: string })[]> {
    // A worker still starting has no handler for asks yet: it is not ready, and asking it would only wait out the timeout.
    const answers = await Promise.all(live.map((w) => (listening.has(w.id) ? askAdmin(w, 'GET', '/health/ready') : Promise.resolve('starting' as const))));
    const reasons: (NotReady | { worker: number | undefined; reason: string })[] = [];
    if (live.length < opts.workers) reasons.push({ worker: undefined, reason: `${live.length} of ${opts.workers} workers running` });
    answers.forEach((a, i) => {
      if (a !== 'starting' && a?.status === 200) return;
      const pid = live[i]?.process.pid;
      if (a === 'starting') reasons.push({ worker: pid, reason: 'worker starting' });
      else if (a === null) reasons.push({ worker: pid, reason: 'worker did not answer' });
      else for (const r of (JSON.parse(a.body) as { reasons?: NotReady[] }).reasons ?? []) reasons.push({ ...r, worker: pid });
    });
    return reasons;
  }

  async function answer(method: string, path: string, body = ''): Promise<AdminAnswer> {
    const live = [...workers.values()];
    // Other methods on these paths go to a worker, which refuses them as one gateway does (404).
    const get = method === 'GET' || method === 'HEAD';
    if (get && path === '/health/live') return liveness(shuttingDown, { workers: live.length });
    if (get && path === '/metrics') {
      const text = `${await aggregator.clusterMetrics()}\n${await ownMetrics.metrics()}`;
      return { status: 200, contentType: aggregator.contentType, body: text };
    }
    if (get && path === '/health/ready') return readiness(shuttingDown, () => workersNotReady(live), { workers: live.length });
    // The token service runs here, in the primary: the workers have none to manage.
    if (path === IDP_PREFIX || path.startsWith(`${IDP_PREFIX}/`)) return answerIdpRequest(idpDeps, method, path, body);
    if (isRevocationChange(method, path)) return forwardRevocationChange(live.filter((w) => listening.has(w.id)), askAdmin, method, path, body);
    if (method === 'POST' && path === '/admin/reload') {
      let adminKeys: AdminKeySettings | undefined;
      try {
        adminKeys = opts.reloadAdminKeys?.();
      } catch (err) {
        // The workers are not asked: the configuration cannot be served as it is.
        info.lastReload = { at: new Date().toISOString(), result: 'rejected', errors: [(err as Error).message] };
        return json(422, { applied: false, errors: info.lastReload.errors, workers: 0 });
      }
      const results = await Promise.all(live.map(async (w) => ({ pid: w.process.pid, result: await askReload(w) })));
      const { applied, errors } = mergeReloads(results);
      if (applied && adminKeys !== undefined) access.update(adminKeys);
      info.lastReload = { at: new Date().toISOString(), result: applied ? 'applied' : 'rejected', errors };
      return json(applied ? 200 : 422, { applied, errors, workers: results.length });
    }
    // Any serving worker can answer the rest: reads ask them in turn, so one that is dying or
    // still starting does not fail the request while another is up. A change (subscribers) goes to
    // one worker only: one that did not answer in time may still have made it.
    const serving = live.filter((w) => listening.has(w.id));
    if (serving.length === 0) return json(503, { code: 503, message: 'no worker running' });
    if (get && (path === '/admin/functions' || path === '/admin/auth')) {
      // Every worker runs its own containers and counts its own decisions: the gateway's are all of theirs.
      const asked = await Promise.all(serving.map(async (w) => ({ pid: w.process.pid, a: await askAdmin(w, 'GET', path) })));
      const answers = asked.filter((x): x is { pid: number | undefined; a: AdminAnswer } => x.a?.status === 200);
      if (answers.length === 0) return json(504, { code: 504, message: 'worker did not answer' });
      if (path === '/admin/auth') return json(200, { ...mergeAuthStates(answers.map((x) => ({ pid: x.pid, state: JSON.parse(x.a.body) as Record<string, unknown> }))), workers: answers.length });
      const lists = answers.map((x) => (JSON.parse(x.a.body) as { functions: FunctionState[] }).functions);
      return json(200, { functions: sumFunctionStates(lists), workers: answers.length });
    }
    for (const w of get ? serving : serving.slice(0, 1)) {
      const a = await askAdmin(w, method, path, body);
      if (a === null) continue;
      if (path === '/admin/info' && a.status === 200) {
        const workerPids = [...workers.values()].filter((x) => x.isConnected()).map((x) => x.process.pid);
        return json(200, { ...(JSON.parse(a.body) as object), ...info, primaryPid: process.pid, workerPids });
      }
      return a;
    }
    return json(504, { code: 504, message: 'worker did not answer' });
  }

  // The routes of the live plan are the workers' (a reload changes them there): ask one, else the plan compiled at start.
  const liveConfig = async (): Promise<unknown> => {
    const a = await answer('GET', '/admin/plan');
    return a.status === 200 ? (JSON.parse(a.body) as { config?: unknown }).config : plan.redacted;
  };
  const idpDeps: AdminIdpDeps | null = idp === null ? null : { state: idp.state, url: idp.url, config: liveConfig, dataUrl: () => info.dataUrl };
  const access = createAdminAccess({ keys: opts.adminKeys?.keys ?? [], openReads: opts.adminKeys?.openReads ?? true, idp: () => idp?.state ?? null });
  const admin = createServer(createAdminHandler(answer, { access, console: createConsoleServer(), boundToLoopback: isLoopbackHost(plan.admin.host), log: log.child({ component: 'admin' }) }));
  try {
    await allListening;
    info.dataUrl = await firstListening;
    const a = await listen(admin, opts.adminPort ?? plan.admin.port, plan.admin.host);
    info.adminUrl = listenerUrl(a.address, a.port);
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
      // A worker that has not exited by its own drain deadline (plus a margin) is killed.
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
