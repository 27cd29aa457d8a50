/**
 * The OpenTelemetry SDK behind `telemetry:` (lib/tracing.ts): a tracer provider with a parent-based
 * ratio sampler, a BatchSpanProcessor and the OTLP/HTTP (JSON) exporter, and W3C trace context.
 *
 * The SDK is loaded here, synchronously (createRequire: compiling a plan is synchronous), and only
 * when a configuration turns tracing on: it costs ~150 ms and ~5 MB of heap to load, which a
 * gateway without tracing should not pay at start-up (the same rule keeps the database drivers out
 * of a gateway without a token service).
 */
import { createRequire } from 'node:module';
import type * as OtelApi from '@opentelemetry/api';
import type { Context, Span, Tracer, TextMapPropagator } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Logger } from './log.ts';
import { urlWithoutQuery } from './tracing.ts';

const require = createRequire(import.meta.url);

/** What the tracing module needs from the SDK once it is loaded. */
export interface OtelRuntime {
  readonly api: typeof OtelApi;
  readonly propagator: TextMapPropagator;
}

let runtime: OtelRuntime | null = null;

/** The API and the W3C propagator, loaded on first use. */
export function otel(): OtelRuntime {
  if (runtime === null) {
    const api = require('@opentelemetry/api') as typeof OtelApi;
    const core = require('@opentelemetry/core') as typeof import('@opentelemetry/core');
    runtime = { api, propagator: new core.W3CTraceContextPropagator() };
  }
  return runtime;
}

export interface ProviderSettings {
  endpoint: string;
  headers: Readonly<Record<string, string>>;
  /** Per export request, and the bound on the flush at shutdown. */
  timeoutMs: number;
  serviceName: string;
  /** Share of new traces recorded, 0..1; a client's sampled flag decides for its traces. */
  sampleRatio: number;
}

export interface TracerHandle {
  readonly tracer: Tracer;
  /** Exports what is queued and stops; bounded by `timeoutMs`, never rejects. */
  shutdown(): Promise<void>;
}

/** Between two warnings about failed exports: a collector that is down is said once a minute. */
const EXPORT_WARNING_EVERY_MS = 60_000;

/**
 * The exporter, with failures logged (the SDK drops them silently). A failed export never
 * reaches a request: spans are queued in memory and sent by the batch processor's timer.
 */
function loggingExporter(inner: SpanExporter, log: Logger, endpoint: string): SpanExporter {
  let lastWarningMs = -Infinity;
  return {
    export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
      inner.export(spans, (result) => {
        if (result.code !== 0 && Date.now() - lastWarningMs >= EXPORT_WARNING_EVERY_MS) {
          lastWarningMs = Date.now();
          log.warn({ endpoint, spans: spans.length, err: result.error?.message }, 'tracing: span export failed (spans dropped)');
        }
        done(result);
      });
    },
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
  };
}

export function createTracerProvider(s: ProviderSettings, log: Logger): TracerHandle {
  const sdk = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
  const { resourceFromAttributes } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const exporter = new OTLPTraceExporter({ url: s.endpoint, headers: { ...s.headers }, timeoutMillis: s.timeoutMs });
  const provider = new sdk.BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': s.serviceName }),
    // Parent-based: a client's sampled flag decides for its trace; the ratio, for traces that start here.
    sampler: new sdk.ParentBasedSampler({ root: s.sampleRatio >= 1 ? new sdk.AlwaysOnSampler() : new sdk.TraceIdRatioBasedSampler(s.sampleRatio) }),
    spanProcessors: [new sdk.BatchSpanProcessor(loggingExporter(exporter, log, urlWithoutQuery(s.endpoint)), { exportTimeoutMillis: s.timeoutMs })],
  });
  return {
    tracer: provider.getTracer('gatehouse'),
    async shutdown() {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, s.timeoutMs);
        timer.unref();
      });
      await Promise.race([provider.shutdown().catch(() => undefined), late]);
      clearTimeout(timer);
    },
  };
}

export type { Context, Span };
