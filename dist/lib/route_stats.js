/**
 * Request counters and latency histograms per route, kept in plain numbers on the hot path and
 * turned into Prometheus samples only when `/metrics` is scraped (scraped_metrics.ts).
 *
 * A RouteStats is a resource of the gateway's SharedRegistry (`routeStats()`): a route that a reload
 * keeps keeps its counts, a route that a reload removes has its series removed with it, and two
 * gateways in one process count apart.
 */
import { scrapedMetric, useScrapedMetrics } from './scraped_metrics.js';
/** Histogram upper bounds, seconds. */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'OTHER'];
const METHOD_INDEX = new Map(METHODS.map((m, i) => [m, i]));
const OTHER = METHODS.length - 1;
export class RouteStats {
    deployment;
    route;
    /** Request count per `methodIndex * 1000 + status`. */
    counts = new Map();
    /** Observations per bucket (not cumulative); the last slot is +Inf. */
    buckets = new Float64Array(BUCKETS.length + 1);
    sumSec = 0;
    observed = 0;
    constructor(deployment, route) {
        this.deployment = deployment;
        this.route = route;
    }
    /** Records one answered request. */
    record(method, status, seconds) {
        const key = (METHOD_INDEX.get(method) ?? OTHER) * 1000 + status;
        this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
        let i = 0;
        while (i < BUCKETS.length && seconds > BUCKETS[i])
            i++;
        this.buckets[i] += 1;
        this.sumSec += seconds;
        this.observed++;
    }
}
const PREFIX = 'stats:route:';
/**
 * The stats of one route (`deployment` '' and `route` '' for unmatched requests), taken from
 * `registry` so they live as long as a plan uses them. The first call also registers the two
 * request metrics on the registry's Prometheus registry.
 */
export function routeStats(registry, deployment, route) {
    useScrapedMetrics(registry, 'http', () => routeMetrics(registry));
    return registry.acquire(`${PREFIX}${deployment}\0${route}`, () => new RouteStats(deployment, route), () => undefined);
}
function routeMetrics(registry) {
    const all = () => registry.list(PREFIX);
    const name = 'gatehouse_http_request_duration_seconds';
    return [
        scrapedMetric('gatehouse_http_requests_total', 'Requests answered by the data plane, by deployment, route pattern, method and status.', 'counter', () => {
            const out = [];
            for (const s of all()) {
                for (const [key, value] of s.counts) {
                    out.push({ labels: { deployment: s.deployment, route: s.route, method: METHODS[Math.floor(key / 1000)], status: key % 1000 }, value });
                }
            }
            return out;
        }),
        scrapedMetric(name, 'Time from request start to the end of the response, by deployment and route pattern.', 'histogram', () => {
            const out = [];
            for (const s of all()) {
                if (s.observed === 0)
                    continue;
                const labels = { deployment: s.deployment, route: s.route };
                let cumulative = 0;
                for (let i = 0; i < BUCKETS.length; i++) {
                    cumulative += s.buckets[i];
                    out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: BUCKETS[i] }, value: cumulative });
                }
                out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: s.observed });
                out.push({ metricName: `${name}_sum`, labels, value: s.sumSec });
                out.push({ metricName: `${name}_count`, labels, value: s.observed });
            }
            return out;
        }),
    ];
}
