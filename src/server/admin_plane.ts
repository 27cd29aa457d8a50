/**
 * The admin plane (loopback by default): health, Prometheus metrics, the current plan (redacted),
 * auth state, shared-state health (`/admin/state`), usage-plan subscribers (`/admin/subscribers`),
 * and a reload trigger. It never serves a stored token, a secret or an Authorization value; the one
 * token it answers is a client token `/admin/subscribers` has just created, once, in that answer.
 * `answerAdmin` is the plane's logic without the socket, so a cluster worker can answer the
 * primary's admin plane over IPC with the same code.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readRequestBody } from '../lib/body.ts';
import { sendError } from '../lib/respond.ts';
import { authAdminState } from '../auth/compile.ts';
import { storesHealth } from '../state/index.ts';
import { answerSubscribers, isSubscribersPath } from '../policies/usage_admin_api.ts';
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
}

export interface AdminAnswer {
  status: number;
  contentType: string;
  body: string;
}

const JSON_TYPE = 'application/json';

/** Largest admin request body (subscriber changes are small JSON objects). */
const ADMIN_BODY_MAX_BYTES = 64 * 1024;

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

/** Answers one admin request. */
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
  if (isSubscribersPath(path)) {
    const a = await answerSubscribers(deps.registry, method, path, body);
    return a.status === 204 ? { status: 204, contentType: JSON_TYPE, body: '' } : json(a.status, a.value);
  }
  if (get && path === '/admin/info') return json(200, { ...deps.info, inFlight: deps.state.inFlight, pid: process.pid });
  if (method === 'POST' && path === '/admin/reload') {
    const r = await deps.reload();
    return json(r.applied ? 200 : 422, r);
  }
  return json(404, { code: 404, message: 'Not Found' });
}

/** Serves `answer(method, path, body)` over HTTP; a request body over 64 KiB gets 413. */
export function createAdminHandler(answer: (method: string, path: string, body: string) => Promise<AdminAnswer>) {
  return async function onAdminRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    try {
      const body = await readRequestBody(req, ADMIN_BODY_MAX_BYTES);
      if (body === null) return sendError(res, 413, `Payload Too Large (the admin API takes at most ${ADMIN_BODY_MAX_BYTES} bytes)`);
      const a = await answer(req.method ?? 'GET', path, body.toString('utf8'));
      res.writeHead(a.status, { 'content-type': a.contentType, 'content-length': Buffer.byteLength(a.body), 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : a.body);
    } catch (err) {
      sendError(res, 500, (err as Error).message);
    }
  };
}
