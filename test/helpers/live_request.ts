/**
 * A real request on loopback, turned into the server's RequestContext, for tests of what reads a
 * request (context variables, transformations): the head is sent byte for byte over a socket, so
 * repeated headers, case and order are node's own, not a hand-made IncomingMessage.
 */
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { RequestContext } from '../../src/server/request_context.ts';
import { createLogger, type Logger } from '../../src/lib/log.ts';
import type { AuthContext, ResponseHeaderTransform } from '../../src/types.ts';
import type { RoutePlan } from '../../src/plan.ts';

export interface LiveOptions {
  /** Header lines, in order (`['Host: a', 'X-A: 1']`). Default: `Host: gw.test`. */
  headers?: string[];
  method?: string;
  /** Path parameters as the router would set them. */
  params?: Record<string, string>;
  wildcardFrom?: number;
  /** Claims of the verified token; none: an anonymous request. */
  claims?: Record<string, unknown>;
  responseTransform?: ResponseHeaderTransform | null;
  log?: Logger;
}

export function authContext(claims: Record<string, unknown>): AuthContext {
  return { claims, scopes: new Set(), subject: typeof claims.sub === 'string' ? claims.sub : undefined, clientId: undefined };
}

/** Builds the RequestContext the data plane would build for `req` (route matched, params given). */
function contextFor(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, opts: LiveOptions): RequestContext {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const rc = new RequestContext(
    req,
    res,
    'test-req',
    path,
    q === -1 ? '' : url.slice(q),
    opts.params ?? {},
    path.split('/').slice(1).map((s) => decodeURIComponent(s)),
    opts.wildcardFrom ?? -1,
    1024 * 1024,
    opts.log ?? createLogger({ level: 'silent' }),
    // The context takes its response transformation from the route: a route holding only that.
    opts.responseTransform == null ? null : ({ responseTransform: opts.responseTransform } as RoutePlan),
    0n,
    req.socket.remoteAddress ?? '',
  );
  if (opts.claims !== undefined) rc.auth = authContext(opts.claims);
  return rc;
}

/**
 * Sends `target` (path and query) with `opts.headers` to a one-shot server on 127.0.0.1 and returns
 * what `fn` computes from the request's context.
 */
export async function onLiveRequest<T>(target: string, fn: (rc: RequestContext) => T, opts: LiveOptions = {}): Promise<T> {
  let result: { value: T } | { error: unknown } | undefined;
  const server: Server = createServer((req, res) => {
    try {
      result = { value: fn(contextFor(req, res, opts)) };
    } catch (error) {
      result = { error };
    }
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const lines = opts.headers ?? ['Host: gw.test'];
  await new Promise<void>((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    s.on('error', reject);
    s.on('data', () => undefined);
    s.on('close', () => resolve());
    s.write(`${opts.method ?? 'GET'} ${target} HTTP/1.1\r\n${[...lines, 'Connection: close'].join('\r\n')}\r\n\r\n`);
  });
  await new Promise<void>((r) => server.close(() => r()));
  if (result === undefined) throw new Error('the request never reached the server');
  if ('error' in result) throw result.error;
  return result.value;
}

/**
 * A server on 127.0.0.1 whose every request becomes a RequestContext handed to `handle`, which
 * answers it (a backend under test).
 */
export async function startLiveServer(handle: (rc: RequestContext) => void | Promise<void>, opts: LiveOptions = {}): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => void handle(contextFor(req, res, opts)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
