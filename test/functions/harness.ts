/**
 * In-process harness for the function backend: a real node:http server on 127.0.0.1:0 whose
 * handler builds a minimal GatewayRequest and calls the compiled backend, with real FDK functions
 * from test/fixtures/functions in child processes.
 */
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createFunctionBackend } from '../../src/backends/function.ts';
import { compileFunctions, type FunctionCatalog } from '../../src/functions/compile.ts';
import { SharedRegistry } from '../../src/lib/shared_registry.ts';
import type { ConfigIssue } from '../../src/errors.ts';
import type { AuthContext, Backend, CompileContext, GatewayRequest } from '../../src/types.ts';
import { collectingLogger } from '../helpers/log_sink.ts';

export const FIXTURES = fileURLToPath(new URL('../fixtures/functions/', import.meta.url));

export interface Harness {
  url: string;
  ctx: CompileContext;
  catalog: FunctionCatalog;
  logs: Record<string, unknown>[];
  issues: ConfigIssue[];
  close(): Promise<void>;
}

/** Compile context whose log lines are collected as objects. */
export function makeContext(baseDir = FIXTURES): { ctx: CompileContext; logs: Record<string, unknown>[] } {
  const { log: collected, records: logs } = collectingLogger();
  const issues: ConfigIssue[] = [];
  const ctx: CompileContext = {
    registry: new SharedRegistry(),
    log: collected,
    baseDir,
    issues,
    issue(path, message) {
      issues.push({ path, message });
    },
    warnings: [],
    warn: () => undefined,
  };
  return { ctx, logs };
}

/**
 * Compiles `functions` and serves `/<functionId>/...` through a function backend for each.
 * `auth` is attached to every request (as the auth stage would after verifying a token).
 */
export async function startHarness(functions: Record<string, unknown>, auth: AuthContext | null = null): Promise<Harness> {
  const { ctx, logs } = makeContext();
  const catalog = compileFunctions(functions, 'functions', ctx);
  const backends = new Map<string, Backend>();
  for (const id of Object.keys(functions)) {
    const b = createFunctionBackend({ type: 'ORACLE_FUNCTIONS_BACKEND', functionId: id }, `routes[0].backend`, ctx, catalog);
    if (b) backends.set(id, b);
  }
  if (ctx.issues.length > 0) throw new Error(ctx.issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = decodeURIComponent(q < 0 ? url : url.slice(0, q));
    const id = path.split('/')[1] ?? '';
    const backend = backends.get(id);
    res.setHeader('opc-request-id', 'test-req');
    if (!backend) {
      res.writeHead(404).end();
      return;
    }
    const g: GatewayRequest = {
      req,
      res,
      requestId: 'test-req',
      path,
      search: q < 0 ? '' : url.slice(q),
      params: {},
      segments: path.split('/').slice(1),
      wildcardFrom: -1,
      auth,
      clientIp: '127.0.0.1',
      protocol: 'http',
      maxBodyBytes: 20 * 1024 * 1024,
      query: () => new URLSearchParams(q < 0 ? '' : url.slice(q)),
      log: ctx.log,
      forwardRawHeaders: null,
      forwardSearch: null,
      responseTransform: null,
      usagePlan: null,
    };
    void backend.handle(g);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${addr.port}`,
    ctx,
    catalog,
    logs,
    issues: ctx.issues,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await ctx.registry.closeAll();
    },
  };
}
