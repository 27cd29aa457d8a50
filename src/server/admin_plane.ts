/**
 * The admin plane (loopback by default): health, Prometheus metrics, the current plan (redacted),
 * auth state, and a reload trigger. It never serves a token, a secret or an Authorization value.
 * `answerAdmin` is the plane's logic without the socket, so a cluster worker can answer the
 * primary's admin plane over IPC with the same code.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import client from 'prom-client';
import { sendError } from '../lib/respond.ts';
import { authAdminState } from '../auth/compile.ts';
import type { SharedRegistry } from '../lib/shared_registry.ts';
import type { DataPlaneState } from './data_plane.ts';

export interface AdminInfo {
  dataUrl: string;
  adminUrl: string;
  idpUrl: string | null;
  startedAt: string;
  lastReload: { at: string; result: 'applied' | 'rejected'; errors: string[] } | null;
}

export interface AdminDeps {
  state: DataPlaneState;
  registry: SharedRegistry;
  info: AdminInfo;
  /** Resolves true when every authentication policy has usable keys. */
  isReady(): Promise<boolean>;
  reload(): Promise<{ applied: boolean; errors: string[] }>;
}

export interface AdminAnswer {
  status: number;
  contentType: string;
  body: string;
}

const JSON_TYPE = 'application/json';

/** A JSON admin answer. */
export function json(status: number, value: unknown): AdminAnswer {
  return { status, contentType: JSON_TYPE, body: JSON.stringify(value, null, 2) };
}

/** Answers one admin request. */
export async function answerAdmin(deps: AdminDeps, method: string, path: string): Promise<AdminAnswer> {
  const get = method === 'GET' || method === 'HEAD';
  if (get && path === '/health/live') return json(200, { status: 'live' });
  if (get && path === '/health/ready') {
    const ready = !deps.state.draining && (await deps.isReady());
    return json(ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', draining: deps.state.draining });
  }
  if (get && path === '/metrics') return { status: 200, contentType: client.register.contentType, body: await client.register.metrics() };
  if (get && path === '/admin/plan') {
    const plan = deps.state.plan;
    return json(200, { deployments: plan.deployments, config: plan.redacted });
  }
  if (get && path === '/admin/auth') return json(200, authAdminState({ registry: deps.registry }));
  if (get && path === '/admin/info') return json(200, { ...deps.info, inFlight: deps.state.inFlight, pid: process.pid });
  if (method === 'POST' && path === '/admin/reload') {
    const r = await deps.reload();
    return json(r.applied ? 200 : 422, r);
  }
  return json(404, { code: 404, message: 'Not Found' });
}

/** Serves `answer(method, path)` over HTTP. */
export function createAdminHandler(answer: (method: string, path: string) => Promise<AdminAnswer>) {
  return async function onAdminRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    try {
      const a = await answer(req.method ?? 'GET', path);
      res.writeHead(a.status, { 'content-type': a.contentType, 'content-length': Buffer.byteLength(a.body), 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : a.body);
    } catch (err) {
      sendError(res, 500, (err as Error).message);
    }
  };
}
