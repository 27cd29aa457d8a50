/**
 * Tracing (issue 15): W3C trace context (`traceparent`, `tracestate`) taken from clients and
 * passed on to backends, and OpenTelemetry spans exported over OTLP/HTTP when `telemetry:` is set.
 *
 * Spans: one SERVER span per request (route, method, status, request id), an INTERNAL
 * `authentication` span (outcome reason, decision-cache hit; never the token), a CLIENT span per
 * backend call (upstream URL without its query, status; the function id), and a CLIENT span per
 * JWKS or discovery fetch (URL, status). The backend span is the parent the backend is told
 * about: its id is the one in the `traceparent` the upstream or function receives.
 *
 * Off (no `telemetry:` section) it costs nothing: the plan's `tracer` is null, each request's
 * `trace` is null, the data plane and the backends test that and do nothing else, and the SDK is
 * not even loaded (lib/tracing_sdk.ts). The client's `traceparent` then crosses the gateway like
 * any other header, unchanged.
 *
 * No context manager (AsyncLocalStorage) is installed: parents are passed explicitly through the
 * request's `trace`, which costs nothing on requests that do not trace. JWKS fetches are shared by
 * every request that waits for them (single-flight), so they are traces of their own.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { CompileContext, GatewayRequest } from '../types.ts';
import { nonEmptyString, object } from './json_schema.ts';
import type { Logger } from './log.ts';
import { createTracerProvider, otel, type Context, type OtelRuntime, type ProviderSettings, type Span, type TracerHandle } from './tracing_sdk.ts';

/** `telemetry:` as the schema lets it through. */
export interface TracingConfig {
  otlp: { endpoint: string; headers?: Record<string, string>; timeoutMs?: number };
  serviceName?: string;
  sampleRatio?: number;
}

export const TRACING_DEFAULTS = { serviceName: 'gatehouse', sampleRatio: 1, timeoutMs: 10_000 } as const;

/** JSON-schema fragment for the top-level `telemetry:` section. */
export const tracingSchema: Record<string, unknown> = {
  ...object(
    {
      otlp: object(
        {
          endpoint: {
            ...nonEmptyString,
            description: 'OTLP/HTTP traces endpoint, the full URL (http://collector:4318/v1/traces). Spans are sent as JSON.',
          },
          headers: {
            type: 'object',
            additionalProperties: { type: 'string' },
            description: 'Headers sent with every export (an API key: use ${VAR} to keep it out of the file).',
          },
          timeoutMs: { type: 'integer', minimum: 1, maximum: 600_000, description: `Per export request, and the longest the flush at shutdown waits, ms (default ${TRACING_DEFAULTS.timeoutMs}).` },
        },
        ['endpoint'],
      ),
      serviceName: { ...nonEmptyString, description: `service.name of the spans (default ${TRACING_DEFAULTS.serviceName}).` },
      sampleRatio: {
        type: 'number',
        minimum: 0,
        maximum: 1,
        description: 'Share of new traces recorded (default 1.0). Parent-based: a request whose traceparent says sampled (or not) follows its caller.',
      },
    },
    ['otlp'],
  ),
  description: 'OpenTelemetry tracing: spans exported over OTLP/HTTP. Absent: tracing off (traceparent still passes through unchanged).',
};

/**
 * OpenTelemetry semantic-convention attribute names (stable HTTP, URL, client and error
 * conventions; `faas.invoked_name` is still incubating). Written out so the request path needs no
 * package; test/lib/tracing.test.ts checks them against @opentelemetry/semantic-conventions.
 */
export const ATTR = {
  HTTP_REQUEST_METHOD: 'http.request.method',
  HTTP_RESPONSE_STATUS_CODE: 'http.response.status_code',
  HTTP_ROUTE: 'http.route',
  URL_PATH: 'url.path',
  URL_SCHEME: 'url.scheme',
  URL_FULL: 'url.full',
  CLIENT_ADDRESS: 'client.address',
  USER_AGENT_ORIGINAL: 'user_agent.original',
  ERROR_TYPE: 'error.type',
  FAAS_INVOKED_NAME: 'faas.invoked_name',
} as const;

/** Gatehouse's own attributes. */
export const GATEHOUSE_ATTR = {
  REQUEST_ID: 'gatehouse.request_id',
  DEPLOYMENT: 'gatehouse.deployment',
  /** On the request span: the access log's reason (rate_limited, scope_insufficient, ok, ...). */
  REASON: 'gatehouse.reason',
  AUTH_REASON: 'gatehouse.auth.reason',
  AUTH_CACHE_HIT: 'gatehouse.auth.cache_hit',
  BACKEND_TYPE: 'gatehouse.backend.type',
  FN_CALL_ID: 'gatehouse.fn.call_id',
} as const;

const SPAN_KIND = { INTERNAL: 0, SERVER: 1, CLIENT: 2 } as const;
const STATUS_ERROR = 2;

/** Tracings whose plan may be live, newest last: key fetches (which outlive plans) use the newest. */
const live: Tracing[] = [];

/** `url` without its query, fragment and `user:password@` (each may carry a secret; a JWKS URI may have credentials). */
export function urlWithoutQuery(url: string): string {
  const end = url.search(/[?#]/);
  const base = end === -1 ? url : url.slice(0, end);
  return base.includes('@') ? base.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/]*@/, '$1') : base;
}

/** A CLIENT span: a backend call or a key fetch. */
export class ClientSpan {
  readonly span: Span;
  readonly #context: Context;
  readonly #rt: OtelRuntime;

  constructor(span: Span, context: Context, rt: OtelRuntime) {
    this.span = span;
    this.#context = context;
    this.#rt = rt;
  }

  /**
   * Names this span as the parent in `headers` (node-style, lower-case): `traceparent` replaced,
   * `tracestate` carried over from the client when it came with a valid `traceparent`.
   */
  inject(headers: Record<string, string | string[]>): void {
    delete headers['tracestate'];
    this.#rt.propagator.inject(this.#context, headers, this.#rt.api.defaultTextMapSetter);
  }

  /** `traceparent` (and `tracestate`) naming this span, for a carrier that is not a header map. */
  traceHeaders(): Record<string, string> {
    const out: Record<string, string> = {};
    this.#rt.propagator.inject(this.#context, out, this.#rt.api.defaultTextMapSetter);
    return out;
  }

  /** The peer answered with `status`; 4xx and 5xx mark the span as failed (HTTP client conventions). */
  answered(status: number): void {
    this.span.setAttribute(ATTR.HTTP_RESPONSE_STATUS_CODE, status);
    if (status >= 400) this.span.setStatus({ code: STATUS_ERROR });
  }

  /** The call failed without an answer (`kind`: connect_refused, timeout, ...). */
  failed(kind: string, message?: string): void {
    this.span.setAttribute(ATTR.ERROR_TYPE, kind);
    this.span.setStatus(message === undefined ? { code: STATUS_ERROR } : { code: STATUS_ERROR, message });
  }

  end(): void {
    this.span.end();
  }
}

/** An authentication policy whose decision-cache hits can be counted (auth/authenticator.ts). */
interface CountsCacheHits {
  readonly stats?: { readonly cacheHits: number };
}

/** One request's spans. Created only when tracing is on (GatewayRequest.trace). */
export class RequestTrace {
  readonly span: Span;
  /** The request span's context: the parent of its children. */
  readonly context: Context;
  readonly #tracing: Tracing;
  readonly #method: string;
  #auth: Span | null = null;
  #authStats: { readonly cacheHits: number } | null = null;
  #hitsBefore = 0;

  constructor(tracing: Tracing, method: string, span: Span, context: Context) {
    this.#tracing = tracing;
    this.#method = method;
    this.span = span;
    this.context = context;
  }

  startAuthentication(policy: object): void {
    this.#auth = this.#tracing.tracer.startSpan('authentication', { kind: SPAN_KIND.INTERNAL }, this.context);
    this.#authStats = (policy as CountsCacheHits).stats ?? null;
    this.#hitsBefore = this.#authStats?.cacheHits ?? 0;
  }

  /**
   * The verdict: its reason, and whether the decision cache answered (a hit is counted
   * synchronously, so a change of the policy's counter during this request is this request's).
   */
  endAuthentication(reason: string, status: number): void {
    const span = this.#auth;
    if (span === null) return;
    this.#auth = null;
    span.setAttribute(GATEHOUSE_ATTR.AUTH_REASON, reason);
    if (this.#authStats !== null) span.setAttribute(GATEHOUSE_ATTR.AUTH_CACHE_HIT, this.#authStats.cacheHits !== this.#hitsBefore);
    if (status !== 0) span.setAttribute(ATTR.HTTP_RESPONSE_STATUS_CODE, status);
    if (status >= 500) span.setStatus({ code: STATUS_ERROR, message: reason });
    span.end();
  }

  /** A backend call, child of the request span: `name` is the span name, `attributes` its first attributes. */
  startBackend(name: string, attributes: Record<string, string>): ClientSpan {
    const t = this.#tracing;
    const span = t.tracer.startSpan(name, { kind: SPAN_KIND.CLIENT, attributes }, this.context);
    return new ClientSpan(span, t.rt.api.trace.setSpan(this.context, span), t.rt);
  }

  /**
   * The answer is complete (status 499: the client went away first). `reason` is the access
   * log's: why a policy refused the request, or the authentication outcome.
   */
  end(deployment: string | undefined, route: string | undefined, status: number, reason: string | null): void {
    const span = this.span;
    this.#auth?.end();
    if (route !== undefined) {
      span.setAttribute(ATTR.HTTP_ROUTE, route);
      // `{method} {route}`: HTTP server conventions want a name of low cardinality.
      span.updateName(`${this.#method} ${route}`);
    }
    if (deployment !== undefined) span.setAttribute(GATEHOUSE_ATTR.DEPLOYMENT, deployment);
    if (reason !== null) span.setAttribute(GATEHOUSE_ATTR.REASON, reason);
    if (status === 499) span.setAttribute(ATTR.ERROR_TYPE, 'client_closed');
    else span.setAttribute(ATTR.HTTP_RESPONSE_STATUS_CODE, status);
    // Server conventions: a 4xx is the client's error, not the server's.
    if (status >= 500 && status !== 499) span.setStatus({ code: STATUS_ERROR });
    span.end();
  }
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * The tracer of one `telemetry:` configuration. Shared across reloads that keep the section as it
 * is (SharedRegistry), shut down (queued spans flushed) when a reload drops or changes it, and
 * when the gateway stops.
 */
export class Tracing {
  readonly rt: OtelRuntime;
  readonly #handle: TracerHandle;

  constructor(settings: ProviderSettings, log: Logger) {
    this.rt = otel();
    this.#handle = createTracerProvider(settings, log);
    live.push(this);
  }

  get tracer(): TracerHandle['tracer'] {
    return this.#handle.tracer;
  }

  /** The request's SERVER span, child of the client's `traceparent` when it sent a valid one. */
  startRequest(ctx: GatewayRequest): RequestTrace {
    const { api, propagator } = this.rt;
    const req = ctx.req;
    const parent = propagator.extract(api.ROOT_CONTEXT, req.headers, api.defaultTextMapGetter);
    const method = req.method ?? 'GET';
    const attributes: Record<string, string> = {
      [ATTR.HTTP_REQUEST_METHOD]: method,
      [ATTR.URL_PATH]: ctx.path,
      [ATTR.URL_SCHEME]: ctx.protocol,
      [ATTR.CLIENT_ADDRESS]: ctx.clientIp,
      [GATEHOUSE_ATTR.REQUEST_ID]: ctx.requestId,
    };
    const agent = header(req.headers, 'user-agent');
    if (agent !== undefined) attributes[ATTR.USER_AGENT_ORIGINAL] = agent;
    const span = this.#handle.tracer.startSpan(method, { kind: SPAN_KIND.SERVER, attributes }, parent);
    return new RequestTrace(this, method, span, api.trace.setSpan(parent, span));
  }

  /** A JWKS or discovery fetch: a trace of its own. */
  startKeyFetch(kind: 'jwks' | 'discovery', url: string): ClientSpan {
    const { api } = this.rt;
    const attributes = { [ATTR.HTTP_REQUEST_METHOD]: 'GET', [ATTR.URL_FULL]: urlWithoutQuery(url) };
    const span = this.#handle.tracer.startSpan(kind === 'jwks' ? 'JWKS fetch' : 'discovery fetch', { kind: SPAN_KIND.CLIENT, attributes }, api.ROOT_CONTEXT);
    return new ClientSpan(span, api.trace.setSpan(api.ROOT_CONTEXT, span), this.rt);
  }

  async shutdown(): Promise<void> {
    const i = live.indexOf(this);
    if (i !== -1) live.splice(i, 1);
    await this.#handle.shutdown();
  }
}

/**
 * A span for a key fetch, from the newest live tracing; null when tracing is off. Key stores
 * outlive plans (they are shared across reloads), so they ask here at each fetch rather than keep
 * the tracer of the plan that created them.
 */
export function startKeyFetchSpan(kind: 'jwks' | 'discovery', url: string): ClientSpan | null {
  const t = live[live.length - 1];
  return t === undefined ? null : t.startKeyFetch(kind, url);
}

/**
 * Compiles `telemetry:` into the plan's tracer: null when the section is absent (or when compiling
 * offline for `gatehouse validate`, which only checks it).
 */
export function compileTracing(config: TracingConfig | undefined, path: string, ctx: CompileContext): Tracing | null {
  if (config === undefined) return null;
  let url: URL | null = null;
  try {
    url = new URL(config.otlp.endpoint);
  } catch {
    // reported below
  }
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    ctx.issue(`${path}.otlp.endpoint`, 'must be an absolute http(s) URL (the collector\'s OTLP/HTTP traces endpoint, e.g. http://collector:4318/v1/traces)');
    return null;
  }
  if (ctx.offline === true) return null;
  const settings: ProviderSettings = {
    endpoint: config.otlp.endpoint,
    headers: config.otlp.headers ?? {},
    timeoutMs: config.otlp.timeoutMs ?? TRACING_DEFAULTS.timeoutMs,
    serviceName: config.serviceName ?? TRACING_DEFAULTS.serviceName,
    sampleRatio: config.sampleRatio ?? TRACING_DEFAULTS.sampleRatio,
  };
  return ctx.registry.acquire(
    `tracing:${JSON.stringify(settings)}`,
    () => new Tracing(settings, ctx.log),
    (t) => t.shutdown(),
  );
}
