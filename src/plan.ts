/**
 * The compiled plan: what `config/compile.ts` produces and the server serves. Types only. They live
 * here, beside types.ts, so the server and the CLI can name a plan without importing the config
 * stage, and the config stage can build one without importing the server: the stages depend one
 * way only.
 */
import type { IncomingMessage } from 'node:http';
import type { ServerTls } from './server/tls.ts';
import type { Logger } from './lib/log.ts';
import type { RouteStats } from './lib/route_stats.ts';
import type { SharedRegistry } from './lib/shared_registry.ts';
import type { Tracing } from './lib/tracing.ts';
import type { ConfigIssue } from './errors.ts';
import type { Router } from './router/router.ts';
import type { AuthenticationPolicy, AuthorizationPolicy } from './auth/types.ts';
import type { AdmissionPolicy, Backend, RequestTransform, ResponseCachePolicy, ResponseHeaderTransform } from './types.ts';
import type { CorsPolicy } from './policies/cors.ts';
import type { RequestValidation } from './policies/validation.ts';

/** Everything the request path needs to know about one route. */
export interface RoutePlan {
  readonly deployment: string;
  /** Full route pattern (`/v1/items/{id}`): the metrics label and the access-log field. */
  readonly route: string;
  /** The deployment's mutual TLS check (its client certificate), run first; null when it requires none. */
  readonly mutualTls: AdmissionPolicy | null;
  /** The deployment's rate limit, counted before authentication; null when it has none. */
  readonly rateLimit: AdmissionPolicy | null;
  readonly authentication: AuthenticationPolicy | null;
  readonly authorization: AuthorizationPolicy | null;
  /** The deployment's usage plans, checked after authorization; null when it has none. */
  readonly usagePlans: AdmissionPolicy | null;
  readonly backend: Backend;
  /** The route's response cache, consulted just before the backend; null when it has none. */
  readonly responseCache: ResponseCachePolicy | null;
  /** CORS: the route's own policy, else its deployment's. A preflight is answered before authentication. */
  readonly cors: CorsPolicy | null;
  /** Header, query and body validations, run after authorization; null when none or all DISABLED. */
  readonly validation: RequestValidation | null;
  /** Request header and query transformations, run after validation, just before the backend. */
  readonly requestTransform: RequestTransform | null;
  /**
   * What the backend does to the headers it answers with: the route's response header
   * transformation and, on a CORS route, keeping the policy's CORS headers over the backend's.
   */
  readonly responseTransform: ResponseHeaderTransform | null;
  /**
   * Where the route's access lines go, bound to its deployment; null when accessLog.isEnabled is
   * false or the route's log level hides `info` (decided at compile time).
   */
  readonly accessLog: Logger | null;
  /** Logger bound to the deployment, at its executionLog level. */
  readonly log: Logger;
  /** Request counters and latency histogram of this route (kept across reloads while the route exists). */
  readonly stats: RouteStats;
}

/** What the banner and `GET /admin/plan` say about a deployment. */
export interface DeploymentSummary {
  name: string;
  pathPrefix: string;
  routes: number;
  paths: { path: string; methods: string[]; backend: string; authenticated: boolean }[];
}

/** The data plane's own settings, every default applied. */
export interface ServerSettings {
  host: string;
  port: number;
  maxHeaderBytes: number;
  maxBodyBytes: number;
  headersTimeoutInSeconds: number;
  requestTimeoutInSeconds: number;
  keepAliveTimeoutInSeconds: number;
  shutdownTimeoutInSeconds: number;
}

/** One thing `/health/ready` waits for: the key store of a deployment's authentication policy. */
export interface ReadinessCheck {
  readonly deployment: string;
  /** The key source (JWKS or discovery URI, `static:N`). */
  readonly source: string;
  /** Resolves true once keys are usable. */
  ready(): Promise<boolean>;
  /** Why keys are not usable, when the store knows (its last fetch error). */
  problem(): string | null;
}

export interface Plan {
  readonly router: Router<RoutePlan>;
  readonly server: Readonly<ServerSettings>;
  /** `server.tls` with its certificates loaded, and `server.httpPort`; null: plain HTTP. */
  readonly tls: ServerTls | null;
  /** How to read a request's client address when `server.trustedProxies` is set; null: the socket's peer. */
  readonly clientAddress: ((req: IncomingMessage) => string) | null;
  readonly admin: { readonly host: string; readonly port: number };
  readonly deployments: readonly DeploymentSummary[];
  /** What readiness waits for: one entry per deployment with an authentication policy. */
  readonly readiness: readonly ReadinessCheck[];
  /** Stats of requests that matched no route (400, 404, 405). */
  readonly unmatched: RouteStats;
  /** Things that load but deserve a look (a check OCI allows to be left out, ...), with their paths. */
  readonly warnings: readonly ConfigIssue[];
  /** The configuration with secrets blanked, for `GET /admin/plan`. */
  readonly redacted: unknown;
  /** The `identityProvider` section, when present (started by `serve`, not per plan). */
  readonly identityProvider: unknown;
  /** Absolute paths the plan was read from: the config file and each specificationFile. */
  readonly sources: readonly string[];
  /** The `tracing:` section's tracer; null: tracing off, and requests pay one null check. */
  readonly tracer: Tracing | null;
}

/**
 * Reads the configuration and compiles it into a plan, taking long-lived resources from `registry`.
 * The server calls it at start and on every reload; the CLI builds it (the server does not import
 * the config stage). Throws ConfigError.
 */
export type PlanLoader = (registry: SharedRegistry) => Plan;
