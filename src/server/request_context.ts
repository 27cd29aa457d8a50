/**
 * The one object allocated per routed request. Every field is set in the constructor so V8 keeps
 * a single shape for it: call sites that always see one shape stay monomorphic and fast.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../lib/log.ts';
import type { AuthContext, GatewayRequest, ResponseHeaderTransform } from '../types.ts';
import type { RoutePlan } from '../plan.ts';
import type { RequestTrace } from '../lib/tracing.ts';

export class RequestContext implements GatewayRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly requestId: string;
  readonly path: string;
  readonly search: string;
  readonly params: Readonly<Record<string, string>>;
  readonly segments: readonly string[];
  readonly wildcardFrom: number;
  auth: AuthContext | null;
  readonly clientIp: string;
  usagePlan: string | null;
  readonly protocol: string;
  readonly maxBodyBytes: number;
  readonly log: Logger;
  forwardRawHeaders: readonly string[] | null;
  forwardSearch: string | null;
  readonly responseTransform: ResponseHeaderTransform | null;
  /** The matched route; null for 400/404/405 answers. */
  readonly route: RoutePlan | null;
  /** Auth outcome for the access log: null when the route has no authentication. */
  authReason: string | null;
  /** `process.hrtime.bigint()` at arrival. */
  readonly startNs: bigint;
  /** Set by the data plane right after construction when the plan traces; null otherwise. */
  trace: RequestTrace | null;
  #query: URLSearchParams | null;

  constructor(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    path: string,
    search: string,
    params: Readonly<Record<string, string>>,
    segments: readonly string[],
    wildcardFrom: number,
    maxBodyBytes: number,
    log: Logger,
    route: RoutePlan | null,
    startNs: bigint,
    clientIp: string,
  ) {
    this.req = req;
    this.res = res;
    this.requestId = requestId;
    this.path = path;
    this.search = search;
    this.params = params;
    this.segments = segments;
    this.wildcardFrom = wildcardFrom;
    this.auth = null;
    this.clientIp = clientIp;
    this.usagePlan = null;
    this.protocol = 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http';
    this.maxBodyBytes = maxBodyBytes;
    this.log = log;
    this.forwardRawHeaders = null;
    this.forwardSearch = null;
    this.responseTransform = route === null ? null : route.responseTransform;
    this.route = route;
    this.authReason = null;
    this.startNs = startNs;
    this.trace = null;
    this.#query = null;
  }

  query(): URLSearchParams {
    return (this.#query ??= new URLSearchParams(this.search));
  }
}
