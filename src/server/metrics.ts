/** Request metrics of the data plane (prom-client default registry, served on the admin plane). */
import client from 'prom-client';

export const requestsTotal = new client.Counter({
  name: 'gatehouse_http_requests_total',
  help: 'Requests answered by the data plane, by deployment, route pattern, method and status.',
  labelNames: ['deployment', 'route', 'method', 'status'] as const,
});

export const requestDuration = new client.Histogram({
  name: 'gatehouse_http_request_duration_seconds',
  help: 'Time from request start to the last byte of the response, by deployment and route pattern.',
  labelNames: ['deployment', 'route'] as const,
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
});

export const configReloads = new client.Counter({
  name: 'gatehouse_config_reloads_total',
  help: 'Configuration reloads by result (applied, rejected).',
  labelNames: ['result'] as const,
});

client.collectDefaultMetrics({ prefix: 'gatehouse_process_' });
