/**
 * Function metrics (DESIGN §8) on prom-client's default registry. Label children are resolved once
 * per function (`functionMetrics(id)`), so a call costs a counter increment and one observation.
 */
import client from 'prom-client';

const invocations = new client.Counter({
  name: 'gatehouse_function_invocations_total',
  help: 'Function calls, by function and outcome (ok, or the failure: function_error, timeout, crash, memory, busy...).',
  labelNames: ['function_id', 'outcome'],
});

const errors = new client.Counter({
  name: 'gatehouse_function_errors_total',
  help: 'Function calls that did not produce a function result, by function and reason.',
  labelNames: ['function_id', 'reason'],
});

const coldStarts = new client.Counter({
  name: 'gatehouse_function_cold_starts_total',
  help: 'Containers started (each start is a cold start for the call that waits on it).',
  labelNames: ['function_id'],
});

const coldStartSeconds = new client.Histogram({
  name: 'gatehouse_function_cold_start_seconds',
  help: 'Time from spawning a container to its socket being ready.',
  labelNames: ['function_id'],
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
});

const warmContainers = new client.Gauge({
  name: 'gatehouse_function_warm_containers',
  help: 'Live (started) containers per function, idle or busy.',
  labelNames: ['function_id'],
});

const callSeconds = new client.Histogram({
  name: 'gatehouse_function_call_duration_seconds',
  help: 'Time from the call reaching a container (or remote server) to its complete answer.',
  labelNames: ['function_id'],
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
});

export interface FunctionMetrics {
  ok: client.Counter.Internal;
  outcome(outcome: string): void;
  coldStart(seconds: number): void;
  warm: client.Gauge.Internal<string>;
  callSeconds: client.Histogram.Internal<string>;
}

/** Metric children bound to one function. */
export function functionMetrics(functionId: string): FunctionMetrics {
  const coldCount = coldStarts.labels(functionId);
  const coldHist = coldStartSeconds.labels(functionId);
  return {
    ok: invocations.labels(functionId, 'ok'),
    outcome(outcome: string) {
      invocations.labels(functionId, outcome).inc();
      errors.labels(functionId, outcome).inc();
    },
    coldStart(seconds: number) {
      coldCount.inc();
      coldHist.observe(seconds);
    },
    warm: warmContainers.labels(functionId),
    callSeconds: callSeconds.labels(functionId),
  };
}
