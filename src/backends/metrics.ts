/** Counters shared by the backends. */
import client from 'prom-client';

export const upstreamErrors = new client.Counter({
  name: 'gatehouse_upstream_errors_total',
  help: 'HTTP backend failures by origin and kind (connect_refused, connect_timeout, read_timeout, send_timeout, response_broken, ...).',
  labelNames: ['origin', 'kind'] as const,
});
