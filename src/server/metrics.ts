/** Metrics of the gateway process (prom-client default registry, served on the admin plane). Per-route request metrics are in route_stats.ts. */
import client from 'prom-client';

export const configReloads = new client.Counter({
  name: 'gatehouse_config_reloads_total',
  help: 'Configuration reloads by result (applied, rejected).',
  labelNames: ['result'] as const,
});

client.collectDefaultMetrics({ prefix: 'gatehouse_process_' });
