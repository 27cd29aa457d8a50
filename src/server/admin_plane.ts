/**
 * The admin plane (loopback by default): health, Prometheus metrics, the current plan (redacted),
 * auth state, function pools (`/admin/functions`), shared-state health (`/admin/state`), usage-plan
 * subscribers (`/admin/subscribers`), the token revocation list (`/admin/revocations`), the embedded token service (`/admin/idp/...`,
 * admin_idp.ts), a reload trigger, and the operator console's files (`/console`, console/serve.ts).
 * It never serves a stored token, a secret or an Authorization value; the tokens it answers are
 * made in that answer, once: a client token `/admin/subscribers` has just created, a new
 * application's secret, a test token.
 *
 * `answerAdmin` is the plane's logic without the socket, so a cluster worker can answer the
 * primary's admin plane over IPC with the same code. `createAdminHandler` is the socket side: the
 * security headers on every answer, the console's files, and the access rules (admin_access.ts:
 * a credential for every change, CSRF refusals, reads open or not) before `answer` is called.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import client from 'prom-client';
import { readRequestBody, requestHasBody } from '../lib/body.ts';
import { sendError } from '../lib/respond.ts';
import { FunctionPool } from '../functions/pool.ts';
import type { FunctionInvoker } from '../functions/types.ts';
import { isConsolePath, type ConsoleServer } from '../console/serve.ts';
import { browserRefusal, challengeHeaders, hostRefusal, type AdminAccess, type AdminIdentity } from './admin_access.ts';
import type { Logger } from '../lib/log.ts';
import { answerIdp, IDP_PREFIX, type AdminIdpDeps } from './admin_idp.ts';
import type { FunctionState } from '../lib/function_state.ts';
import { authAdminState } from '../auth/compile.ts';
import { storesHealth } from '../state/index.ts';
import { answerSubscribers, isSubscribersPath } from '../policies/usage_admin_api.ts';
import { answerRevocations, isRevocationsPath, REVOCATIONS_BODY_MAX_BYTES } from '../auth/revocation_admin.ts';
import type { SharedRegistry } from '../lib/shared_registry.ts';
import type { Plan } from '../plan.ts';
import type { DataPlaneState } from './data_plane.ts';

export interface AdminInfo {
  dataUrl: string;
  adminUrl: string;
  idpUrl: string | null;
  startedAt: string;
  lastReload: { at: string; result: 'applied' | 'rejected'; errors: string[] } | null;
}

/** A deployment whose key store cannot serve yet, and why. */
export interface NotReady {
  deployment: string;
  keySource: string;
  reason: string;
}

export interface AdminDeps {
  state: DataPlaneState;
  registry: SharedRegistry;
  info: AdminInfo;
  reload(): Promise<{ applied: boolean; errors: string[] }>;
  /** The embedded token service, when one runs in this process; null: `/admin/idp` answers 404. */
  idp?: AdminIdpDeps | null;
}

export interface AdminAnswer {
  status: number;
  contentType: string;
  body: string;
}

const JSON_TYPE = 'application/json';

/** Largest admin request body (subscriber changes are small JSON objects); a revocation batch may be larger. */
const ADMIN_BODY_MAX_BYTES = 64 * 1024;

const bodyLimit = (path: string): number => (isRevocationsPath(path) ? REVOCATIONS_BODY_MAX_BYTES : ADMIN_BODY_MAX_BYTES);

/** How long readiness waits for a first key load before saying "not ready". */
const READY_WAIT_MS = 250;

/** A JSON admin answer. */
export function json(status: number, value: unknown): AdminAnswer {
  return { status, contentType: JSON_TYPE, body: JSON.stringify(value, null, 2) };
}

/** Every deployment whose key store has no usable keys (waiting briefly for a first load), with the reason. */
async function readinessOf(plan: Plan): Promise<NotReady[]> {
  const out: NotReady[] = [];
  await Promise.all(
    plan.readiness.map(async (check) => {
      const timeout = new Promise<'waiting'>((resolve) => setTimeout(() => resolve('waiting'), READY_WAIT_MS).unref());
      const ready = await Promise.race([check.ready(), timeout]);
      if (ready === true) return;
      const reason = ready === 'waiting' ? 'first key fetch still in progress' : (check.problem() ?? 'no usable keys');
      out.push({ deployment: check.deployment, keySource: check.source, reason });
    }),
  );
  return out;
}

/** `/health/live`: 200 while serving; 503 `draining` once shutdown has started (the process is on its way out). */
export function liveness(draining: boolean, extra: Record<string, unknown> = {}): AdminAnswer {
  return json(draining ? 503 : 200, { status: draining ? 'draining' : 'live', ...extra });
}

/**
 * `/health/ready`: 503 `draining` once shutdown has started (without calling `notReady`); else 200
 * when `notReady()` finds nothing to report, 503 with its reasons otherwise.
 */
export async function readiness(draining: boolean, notReady: () => Promise<unknown[]>, extra: Record<string, unknown> = {}): Promise<AdminAnswer> {
  if (draining) return json(503, { status: 'not ready', draining: true, reasons: [{ reason: 'shutting down' }] });
  const reasons = await notReady();
  const ok = reasons.length === 0;
  return json(ok ? 200 : 503, { status: ok ? 'ready' : 'not ready', draining: false, ...extra, reasons });
}

/** Every function of the plan: its pool (warm containers, queue) and its cold starts so far. */
async function functionsState(registry: SharedRegistry): Promise<FunctionState[]> {
  const cold = new Map<string, number>();
  const metric = registry.metrics.getSingleMetric('gatehouse_function_cold_starts_total') as client.Counter | undefined;
  for (const v of (await metric?.get())?.values ?? []) cold.set(String(v.labels['function_id']), v.value);
  return registry.list<FunctionInvoker>('function:').map((f): FunctionState => {
    const local = f instanceof FunctionPool;
    const st = f.stats();
    return {
      id: f.functionId,
      kind: local ? 'local' : 'remote',
      containers: local ? st.containers : null,
      busy: local ? st.busy : null,
      idle: local ? st.containers - st.busy : null,
      starting: local ? st.starting : null,
      queued: local ? st.queued : null,
      coldStarts: cold.get(f.functionId) ?? 0,
    };
  });
}

/** Answers one admin request (the HTTP side has already checked the credential). */
export async function answerAdmin(deps: AdminDeps, method: string, path: string, body = ''): Promise<AdminAnswer> {
  const get = method === 'GET' || method === 'HEAD';
  if (get && path === '/health/live') return liveness(deps.state.draining);
  if (get && path === '/health/ready') return readiness(deps.state.draining, () => readinessOf(deps.state.plan));
  if (get && path === '/metrics') return { status: 200, contentType: deps.registry.metrics.contentType, body: await deps.registry.metrics.metrics() };
  if (get && path === '/admin/plan') {
    const plan = deps.state.plan;
    return json(200, { deployments: plan.deployments, warnings: plan.warnings, config: plan.redacted });
  }
  if (get && path === '/admin/auth') return json(200, { ...(authAdminState({ registry: deps.registry }) as object), warnings: deps.state.plan.warnings });
  if (get && path === '/admin/state') return json(200, { stores: storesHealth(deps.registry) });
  if (get && path === '/admin/functions') return json(200, { functions: await functionsState(deps.registry) });
  if (path === IDP_PREFIX || path.startsWith(`${IDP_PREFIX}/`)) return answerIdpRequest(deps.idp ?? null, method, path, body);
  if (isSubscribersPath(path)) {
    const a = await answerSubscribers(deps.registry, method, path, body);
    return a.status === 204 ? { status: 204, contentType: JSON_TYPE, body: '' } : json(a.status, a.value);
  }
  if (isRevocationsPath(path)) {
    const a = await answerRevocations(deps.registry, method, path, body);
    return a.value === null ? { status: a.status, contentType: JSON_TYPE, body: '' } : json(a.status, a.value);
  }
  if (get && path === '/admin/info') return json(200, { ...deps.info, inFlight: deps.state.inFlight, pid: process.pid });
  if (method === 'POST' && path === '/admin/reload') {
    const r = await deps.reload();
    return json(r.applied ? 200 : 422, r);
  }
  return json(404, { code: 404, message: 'Not Found' });
}

/** `/admin/idp...` when a token service runs here; 404 otherwise. */
export async function answerIdpRequest(idp: AdminIdpDeps | null, method: string, path: string, body: string): Promise<AdminAnswer> {
  if (idp === null) return json(404, { code: 404, message: 'no token service is configured' });
  // HEAD is a GET whose body the socket side leaves out, as on every other admin path.
  const a = await answerIdp(idp, method === 'HEAD' ? 'GET' : method, path, body);
  return a.status === 204 ? { status: 204, contentType: JSON_TYPE, body: '' } : json(a.status, a.value);
}

/** On every admin-plane answer, the console's pages included (docs/admin-api.md, "Security headers"). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

export interface AdminHandlerOptions {
  /** Who may change (and, with openReads false, read). */
  access: AdminAccess;
  /** The console's files; null or absent: `/console` is not served. */
  console?: ConsoleServer | null;
  /** The plane listens on a loopback address: requests naming another host are refused (DNS rebinding). */
  boundToLoopback?: boolean;
  /** Where each change and each refused credential is logged (who, what, the answer's status; never a credential). */
  log?: Logger;
}

/** Paths anyone may read whatever `admin.openReads` says: probes must not need a credential. */
const ALWAYS_OPEN = new Set(['/health/live', '/health/ready']);

/**
 * Serves `answer(method, path, body)` over HTTP, behind the access rules; a request body over
 * 64 KiB (4 MiB for `/admin/revocations`, whose batches are larger) gets 413. The body is read only
 * once the request has passed them, so no one without a credential makes the plane buffer one.
 */
export function createAdminHandler(answer: (method: string, path: string, body: string) => Promise<AdminAnswer>, opts: AdminHandlerOptions) {
  const { access } = opts;
  return async function onAdminRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    try {
      const method = req.method ?? 'GET';
      const read = method === 'GET' || method === 'HEAD';
      const misdirected = hostRefusal(req, opts.boundToLoopback === true);
      if (misdirected !== null) {
        req.resume();
        return sendError(res, 421, misdirected, { 'cache-control': 'no-store' });
      }
      if (opts.console != null && isConsolePath(path)) {
        req.resume();
        return opts.console.serve(req, res, path);
      }
      if (!read) {
        const refused = browserRefusal(req, requestHasBody(req));
        if (refused !== null) {
          req.resume();
          return sendError(res, refused.status, refused.message, { 'cache-control': 'no-store' });
        }
      }
      const whoami = path === '/admin/whoami';
      let who: AdminIdentity | null = null;
      if (!read || whoami || (!access.openReads && !ALWAYS_OPEN.has(path))) {
        const v = await access.authenticate(req.headers.authorization);
        if (!v.ok) {
          req.resume();
          opts.log?.warn({ method, path, status: v.status, remote: req.socket.remoteAddress }, 'admin request refused: no valid admin credential');
          return sendError(res, v.status, v.message, { ...challengeHeaders(v), 'cache-control': 'no-store' });
        }
        who = v.who;
        if (whoami && read) {
          req.resume();
          const a = json(200, { authenticated: true, ...v.who, openReads: access.openReads });
          res.writeHead(200, { 'content-type': a.contentType, 'content-length': Buffer.byteLength(a.body), 'cache-control': 'no-store' });
          res.end(method === 'HEAD' ? undefined : a.body);
          return;
        }
      }
      const limit = bodyLimit(path);
      const body = await readRequestBody(req, limit);
      if (body === null) return sendError(res, 413, `Payload Too Large (the admin API takes at most ${limit} bytes here)`, { 'cache-control': 'no-store' });
      const a = await answer(method, path, body.toString('utf8'));
      // An audit line per change: who (a key, or the token's subject), what, and how it ended.
      if (!read && who !== null) opts.log?.info({ method, path, status: a.status, via: who.via, subject: who.subject }, 'admin change');
      res.writeHead(a.status, { 'content-type': a.contentType, 'content-length': Buffer.byteLength(a.body), 'cache-control': 'no-store' });
      res.end(method === 'HEAD' ? undefined : a.body);
    } catch (err) {
      sendError(res, 500, (err as Error).message, { 'cache-control': 'no-store' });
    }
  };
}
