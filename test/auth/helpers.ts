/** Shared fixtures for the auth unit tests: a hand-built CompileContext and GatewayRequest. */
import type { IncomingMessage } from 'node:http';
import { SharedRegistry } from '../../src/lib/shared_registry.ts';
import { createLogger } from '../../src/lib/log.ts';
import type { CompileContext, GatewayRequest } from '../../src/types.ts';
import type { ConfigIssue } from '../../src/errors.ts';

export function compileContext(): CompileContext & { registry: SharedRegistry } {
  const issues: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  return {
    registry: new SharedRegistry(),
    log: createLogger({ level: 'silent' }),
    baseDir: process.cwd(),
    issues,
    issue(path: string, message: string) {
      issues.push({ path, message });
    },
    warnings,
    warn(path: string, message: string) {
      warnings.push({ path, message });
    },
  };
}

/** A request with the given raw headers (name, value pairs) and query string. */
export function request(headers: [string, string][] = [], search = ''): GatewayRequest {
  const lower: Record<string, string> = {};
  const raw: string[] = [];
  for (const [name, value] of headers) {
    raw.push(name, value);
    // Node keeps the first Authorization and joins other duplicates with ", ".
    const k = name.toLowerCase();
    if (k in lower) {
      if (k !== 'authorization') lower[k] = `${lower[k]}, ${value}`;
    } else lower[k] = value;
  }
  const req = { headers: lower, rawHeaders: raw } as unknown as IncomingMessage;
  let q: URLSearchParams | null = null;
  // Only the fields the auth stage reads are meaningful; the rest keep the type honest.
  const ctx: Omit<GatewayRequest, 'segments' | 'wildcardFrom'> = {
    req,
    res: null as never,
    requestId: 'test',
    path: '/',
    search,
    params: {},
    auth: null,
    clientIp: '127.0.0.1',
    maxBodyBytes: 1024 * 1024,
    protocol: 'http',
    query: () => (q ??= new URLSearchParams(search)),
    log: createLogger({ level: 'silent' }),
    forwardRawHeaders: null,
    forwardSearch: null,
    responseTransform: null,
    usagePlan: null,
  };
  return ctx as GatewayRequest;
}

export function bearer(token: string): GatewayRequest {
  return request([['Authorization', `Bearer ${token}`]]);
}
