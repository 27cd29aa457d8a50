/**
 * Function metrics (listed in docs/functions.md), registered on the gateway's own Prometheus
 * registry. Label children are resolved once per function (`functionMetrics(registry, id)`), so a
 * call costs a counter increment and one observation. A function that a reload removes has its
 * series removed with it.
 */
import client from 'prom-client';
/** The six metric families, one set per gateway. */
class FunctionMetricFamilies {
    #target;
    invocations;
    errors;
    coldStarts;
    coldStartSeconds;
    warmContainers;
    callSeconds;
    constructor(target) {
        this.#target = target;
        const registers = [target];
        this.invocations = new client.Counter({
            name: 'gatehouse_function_invocations_total',
            help: 'Function calls, by function and outcome (ok, or the failure: function_error, timeout, crash, memory, busy...).',
            labelNames: ['function_id', 'outcome'],
            registers,
        });
        this.errors = new client.Counter({
            name: 'gatehouse_function_errors_total',
            help: 'Function calls that did not produce a function result, by function and reason.',
            labelNames: ['function_id', 'reason'],
            registers,
        });
        this.coldStarts = new client.Counter({
            name: 'gatehouse_function_cold_starts_total',
            help: 'Containers started (each start is a cold start for the call that waits on it).',
            labelNames: ['function_id'],
            registers,
        });
        this.coldStartSeconds = new client.Histogram({
            name: 'gatehouse_function_cold_start_seconds',
            help: 'Time from spawning a container to its socket being ready.',
            labelNames: ['function_id'],
            buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
            registers,
        });
        this.warmContainers = new client.Gauge({
            name: 'gatehouse_function_warm_containers',
            help: 'Live (started) containers per function, idle or busy.',
            labelNames: ['function_id'],
            registers,
        });
        this.callSeconds = new client.Histogram({
            name: 'gatehouse_function_call_duration_seconds',
            help: 'Time from the call reaching a container (or remote server) to its complete answer.',
            labelNames: ['function_id'],
            buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
            registers,
        });
    }
    unregister() {
        for (const m of [this.invocations, this.errors, this.coldStarts, this.coldStartSeconds, this.warmContainers, this.callSeconds]) {
            this.#target.removeSingleMetric(m.name);
        }
    }
}
function bind(f, functionId) {
    const outcomes = new Set();
    const coldCount = f.coldStarts.labels(functionId);
    const coldHist = f.coldStartSeconds.labels(functionId);
    return {
        ok: f.invocations.labels(functionId, 'ok'),
        outcome(outcome) {
            outcomes.add(outcome);
            f.invocations.labels(functionId, outcome).inc();
            f.errors.labels(functionId, outcome).inc();
        },
        coldStart(seconds) {
            coldCount.inc();
            coldHist.observe(seconds);
        },
        warm: f.warmContainers.labels(functionId),
        callSeconds: f.callSeconds.labels(functionId),
        remove() {
            f.invocations.remove(functionId, 'ok');
            for (const o of outcomes) {
                f.invocations.remove(functionId, o);
                f.errors.remove(functionId, o);
            }
            f.coldStarts.remove(functionId);
            f.coldStartSeconds.remove(functionId);
            f.warmContainers.remove(functionId);
            f.callSeconds.remove(functionId);
        },
    };
}
/**
 * Metric children bound to one function, kept while a plan serves a function with that id (also
 * across a reload that restarts its pool with new settings).
 */
export function functionMetrics(registry, functionId) {
    const families = registry.acquire('metrics:functions', () => new FunctionMetricFamilies(registry.metrics), (f) => f.unregister());
    return registry.acquire(`stats:function:${functionId}`, () => bind(families, functionId), (m) => m.remove());
}
