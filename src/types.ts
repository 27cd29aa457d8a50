/**
 * Types shared by the stages of the data path. They live here, beside errors.ts, so that a stage
 * never imports another stage's implementation to name the request it is handed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from './lib/log.ts';
import type { SharedRegistry } from './lib/shared_registry.ts';
import type { ConfigIssue } from './errors.ts';
import type { DocumentFetcher } from './auth/jwks/http_fetch.ts';
import type { SharedStore } from './state/types.ts';
import type { RequestTrace } from './lib/tracing.ts';

/** What a verified token tells the rest of the request path. */
export interface AuthContext {
  /** The token's payload, as verified. Read through `request.auth[claim]`. */
  readonly claims: Readonly<Record<string, unknown>>;
  /** Granted scopes: `scope` (space separated) ∪ `scp` (array or string) ∪ `permissions`. */
  readonly scopes: ReadonlySet<string>;
  /** `sub`, when present. */
  readonly subject: string | undefined;
  /** `azp ?? client_id ?? cid ?? clientId`, when present. */
  readonly clientId: string | undefined;
}

/**
 * One request as the policies and backends see it. The server creates exactly one per request
 * (server/request_context.ts); every field is set in its constructor.
 */
export interface GatewayRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** `opc-request-id`: the client's value, else generated. */
  readonly requestId: string;
  /** The decoded path, without the query (`/v1/items/42`). */
  readonly path: string;
  /** The raw query string including `?`, or `''`. */
  readonly search: string;
  /** Path parameters of the matched route (`{id}` → `params.id`; wildcard `{rest*}` → `params.rest`). */
  readonly params: Readonly<Record<string, string>>;
  /** The path's segments, each percent-decoded on its own (an encoded `/` stays inside its segment). */
  readonly segments: readonly string[];
  /** Index in `segments` where the route's wildcard starts, or -1. Keeps segment boundaries that `params` joins away. */
  readonly wildcardFrom: number;
  /** The verified token, when the route has an authentication policy and it passed. */
  auth: AuthContext | null;
  /**
   * The client's address: the socket's peer, or — when that peer is one of `server.trustedProxies` —
   * the nearest untrusted address in `X-Forwarded-For`.
   */
  readonly clientIp: string;
  /** `request.usage_plan[id]`: the usage plan the request was admitted under, once the usage-plan check passed; else null. */
  usagePlan: string | null;
  /** `http` or `https`, as seen by the gateway. */
  readonly protocol: string;
  /** Largest request body the server accepts, bytes (`server.maxBodyBytes`). */
  readonly maxBodyBytes: number;
  /** Parsed query parameters (computed on first use). */
  query(): URLSearchParams;
  /** Per-request logger, bound to the request id. */
  readonly log: Logger;
  /**
   * The request headers to forward, as node's `rawHeaders` list (`[name, value, ...]`), once the
   * route's header transformation has rewritten them; null: the client's, as received. `req` keeps
   * the request as sent, which is what context variables read (OCI: values come from the original).
   */
  forwardRawHeaders: readonly string[] | null;
  /** The query string to forward (`?a=1` or `''`) once the route's query transformation rewrote it; null: `search`. */
  forwardSearch: string | null;
  /** The route's response header transformation, applied by the backend before it writes the head; null: none. */
  readonly responseTransform: ResponseHeaderTransform | null;
  /**
   * The request's spans when tracing is on (lib/tracing.ts); null: off, and nothing is traced.
   * Optional so hand-made requests (tests) need not name it; the server's always sets it.
   */
  readonly trace?: RequestTrace | null;
}

/** A route's compiled request header and query transformations (policies/transforms.ts). */
export interface RequestTransform {
  /** Sets `forwardRawHeaders` and/or `forwardSearch` from the request as the client sent it. */
  apply(ctx: GatewayRequest): void;
}

/** A route's compiled response header transformation (policies/transforms.ts). */
export interface ResponseHeaderTransform {
  /**
   * Rewrites `headers` (lower-case names, as a backend is about to write them) in place. It replaces
   * values and never changes an array it was given, so a backend may pass a shallow copy of shared headers.
   */
  apply(headers: Record<string, string | string[]>, ctx: GatewayRequest): void;
}

/**
 * Why a policy refused a request before the backend: the answer to send and the reason for the
 * access log (`rate_limited`, `quota_exceeded`, `client_token_missing`, ...).
 */
export interface Refusal {
  readonly status: number;
  readonly message: string;
  readonly reason: string;
  /** Extra response headers (`Retry-After`, `RateLimit`, ...). */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * A policy that decides whether a request may go on: the deployment's rate limit (run before
 * authentication) and its usage plans (run after authorization). Resolves null to let it through.
 * It never rejects because shared state is unreachable: it lets the request through instead.
 */
export interface AdmissionPolicy {
  admit(ctx: GatewayRequest): Promise<Refusal | null> | Refusal | null;
}

/** A route's response cache (policies/response_cache.ts): lookup before the backend, store after. */
export interface ResponseCachePolicy {
  /**
   * Answers the request from the cache and resolves true (`X-Cache-Status: HIT`); otherwise sets
   * `X-Cache-Status` (MISS or BYPASS), arranges for a storable answer to be stored once the backend
   * has written it, and resolves false: the caller then runs the backend. Answers at once, without
   * a Promise, when the store is in this process.
   */
  serve(ctx: GatewayRequest): boolean | Promise<boolean>;
}

/** A compiled backend. `handle` writes the whole response, including errors. */
export interface Backend {
  readonly type: string;
  handle(ctx: GatewayRequest): Promise<void> | void;
}

/**
 * What compile steps are handed. Problems are reported through `issue()` with their config path,
 * so one run reports every problem in the file; resources that must survive a reload are taken
 * from `registry`.
 */
export interface CompileContext {
  readonly registry: SharedRegistry;
  readonly log: Logger;
  /** Directory of the config file: relative paths in the config resolve against it. */
  readonly baseDir: string;
  issue(path: string, message: string): void;
  readonly issues: ConfigIssue[];
  /** Reports something that loads but deserves a look; `validate` and `serve` print it, `/admin/auth` lists it. */
  warn(path: string, message: string): void;
  readonly warnings: ConfigIssue[];
  /**
   * How key stores fetch JWKS and discovery documents: directly (default), or through the cluster
   * primary's broker in a `--workers` worker.
   */
  readonly fetchDocument?: DocumentFetcher;
  /**
   * Compile without touching the network or starting processes (`gatehouse validate`): key stores
   * neither fetch nor schedule refreshes. Default false.
   */
  readonly offline?: boolean;
  /**
   * The in-memory shared store to use when the configuration names no Redis: in a `--workers`
   * worker, the primary's (over IPC), so workers share limits; else a store in this process.
   */
  readonly localStore?: () => SharedStore;
}
