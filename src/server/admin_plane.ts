/**
 * The admin plane (loopback by default): health, Prometheus metrics, the current plan (redacted),
 * auth state, and a reload trigger. It never serves a token, a secret or an Authorization value.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import client from 'prom-client';
import { sendError, sendJson } from '../lib/respond.ts';
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

export function createAdminHandler(deps: AdminDeps) {
  return async function onAdminRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    const get = req.method === 'GET' || req.method === 'HEAD';
    try {
      if (get && path === '/health/live') return sendJson(res, 200, { status: 'live' });
      if (get && path === '/health/ready') {
        const ready = !deps.state.draining && (await deps.isReady());
        return sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', draining: deps.state.draining });
      }
      if (get && path === '/metrics') {
        const body = await client.register.metrics();
        res.writeHead(200, { 'content-type': client.register.contentType });
        res.end(body);
        return;
      }
      if (get && path === '/admin/plan') {
        const plan = deps.state.plan;
        return sendJson(res, 200, { deployments: plan.deployments, config: plan.redacted });
      }
      if (get && path === '/admin/auth') return sendJson(res, 200, authAdminState({ registry: deps.registry }));
      if (get && path === '/admin/info') return sendJson(res, 200, { ...deps.info, inFlight: deps.state.inFlight });
      if (req.method === 'POST' && path === '/admin/reload') {
        const r = await deps.reload();
        return sendJson(res, r.applied ? 200 : 422, r);
      }
      sendError(res, 404, 'Not Found');
    } catch (err) {
      sendError(res, 500, (err as Error).message);
    }
  };
}
