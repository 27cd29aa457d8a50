/**
 * A real OTLP/HTTP traces receiver on loopback, standing in for an OpenTelemetry Collector:
 * `POST /v1/traces` with `application/json` (OTLP's JSON encoding, which the OTLP/HTTP exporter
 * sends); other content types get 415. Spans are flattened into `spans`, with their resource's and
 * scope's attributes beside them. `mode = 'error'` answers 503, `'hang'` never answers.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

type AnyValue = { stringValue?: string; intValue?: number | string; doubleValue?: number; boolValue?: boolean; arrayValue?: { values?: AnyValue[] } };
interface KeyValue {
  key: string;
  value: AnyValue;
}

/** OTLP's span kinds (its enum, not the API's). */
const KINDS = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'] as const;

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  name: string;
  kind: (typeof KINDS)[number];
  attributes: Record<string, unknown>;
  /** 0 unset, 1 ok, 2 error. */
  status: { code: number; message?: string };
  resource: Record<string, unknown>;
  scope: string;
}

export interface ExportRequest {
  headers: IncomingHttpHeaders;
  /** The body as received (to check what was, and was not, exported). */
  body: string;
}

export interface OtlpReceiver {
  /** The traces endpoint: what `tracing.otlp.endpoint` should be. */
  readonly endpoint: string;
  readonly spans: ReceivedSpan[];
  readonly requests: ExportRequest[];
  mode: 'ok' | 'error' | 'hang';
  /** Spans of one trace. */
  trace(traceId: string): ReceivedSpan[];
  close(): Promise<void>;
}

function valueOf(v: AnyValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(valueOf);
  return undefined;
}

function attributesOf(list: KeyValue[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list ?? []) out[kv.key] = valueOf(kv.value);
  return out;
}

interface ExportTraceServiceRequest {
  resourceSpans?: {
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: {
      scope?: { name?: string };
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        attributes?: KeyValue[];
        status?: { code?: number; message?: string };
      }[];
    }[];
  }[];
}

function flatten(req: ExportTraceServiceRequest): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of req.resourceSpans ?? []) {
    const resource = attributesOf(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId ?? '',
          name: s.name,
          kind: KINDS[s.kind] ?? 'UNSPECIFIED',
          attributes: attributesOf(s.attributes),
          status: { code: s.status?.code ?? 0, ...(s.status?.message ? { message: s.status.message } : {}) },
          resource,
          scope: ss.scope?.name ?? '',
        });
      }
    }
  }
  return out;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const requests: ExportRequest[] = [];
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();
  const self = {
    endpoint: '',
    spans,
    requests,
    mode: 'ok' as OtlpReceiver['mode'],
    trace: (traceId: string) => spans.filter((s) => s.traceId === traceId),
    close: () => Promise.resolve(),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ headers: req.headers, body });
      if (self.mode === 'hang') return void hanging.add(res);
      if (self.mode === 'error') {
        res.writeHead(503, { 'content-type': 'application/json' });
        return void res.end('{}');
      }
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404);
        return void res.end();
      }
      if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
        res.writeHead(415);
        return void res.end();
      }
      spans.push(...flatten(JSON.parse(body) as ExportTraceServiceRequest));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  self.endpoint = `http://127.0.0.1:${port}/v1/traces`;
  self.close = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      hanging.clear();
      server.close(() => r());
    });
  return self;
}
