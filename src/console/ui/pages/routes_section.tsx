/**
 * Gateway page: deployments and their routes (method, path, policies, backend) with each route's
 * live numbers from /metrics (total requests, rate, status mix, latency) and its charts.
 */
import type { AdminPlan } from '../admin_types.ts';
import { Chart } from '../components/chart.tsx';
import { DataTable } from '../components/data_table.tsx';
import { num } from '../format.ts';
import { routeRows, type RouteRow } from '../plan_view.ts';
import { routeKey, STATUS_CLASSES, type TrafficHistory } from '../traffic.ts';

const CLASS_COLOURS = { '2xx': '#2f7d32', '3xx': '#1f5fa8', '4xx': '#b26a00', '5xx': '#c62828' } as const;

function RouteCharts({ row, history }: { row: RouteRow; history: TrafficHistory }) {
  const points = history.points.get(routeKey(row.deployment, row.path)) ?? [];
  const xs = points.map((p) => p.t);
  return (
    <section class="route-charts" aria-label={`Traffic of ${row.path}`} data-readings={points.length}>
      <h4>
        <code>{row.path}</code> <span class="muted">({row.deployment})</span>
      </h4>
      <div class="charts">
        <Chart
          title={`${row.path}: requests per second by status`}
          series={STATUS_CLASSES.map((c) => ({ label: c, stroke: CLASS_COLOURS[c], unit: '/s' }))}
          data={[xs, ...STATUS_CLASSES.map((c) => points.map((p) => p.rateByClass[c]))]}
        />
        <Chart
          title={`${row.path}: latency (ms)`}
          series={[
            { label: 'mean', stroke: '#1f5fa8', unit: ' ms' },
            { label: 'p95', stroke: '#6a1b9a', unit: ' ms' },
          ]}
          data={[xs, points.map((p) => p.meanMs), points.map((p) => p.p95Ms)]}
        />
      </div>
    </section>
  );
}

export function RoutesSection({ plan, history }: { plan: AdminPlan; history: TrafficHistory }) {
  const rows = routeRows(plan);
  const deployments = plan.deployments.map((d) => d.name);
  // One chart per route pattern (methods share it, as they share the metrics), and only for routes
  // with traffic: a plan with hundreds of idle routes would otherwise redraw hundreds of charts.
  const charted = rows.filter(
    (r, i) => rows.findIndex((x) => x.deployment === r.deployment && x.path === r.path) === i && (history.latest.get(routeKey(r.deployment, r.path))?.requests ?? 0) > 0,
  );
  return (
    <section aria-labelledby="routes-h">
      <h2 id="routes-h">Deployments and routes</h2>
      {deployments.length === 0 && <p>No deployments are configured.</p>}
      {deployments.map((name) => {
        const mine = rows.filter((r) => r.deployment === name);
        const d = plan.deployments.find((x) => x.name === name);
        return (
          <section key={name} aria-labelledby={`dep-${name}`}>
            <h3 id={`dep-${name}`}>
              {name} <code class="muted">{d?.pathPrefix}</code>
            </h3>
            <DataTable caption={`Routes of deployment ${name}`} columns={['Method', 'Path', 'Policies', 'Backend', 'Requests', 'Rate', '2xx / 3xx / 4xx / 5xx', 'Latency mean / p95']}>
              {mine.map((r) => {
                const key = routeKey(r.deployment, r.path);
                const totals = history.latest.get(key);
                const last = history.points.get(key)?.at(-1);
                return (
                  <tr key={`${r.path} ${r.methods.join(',')}`} data-route={r.path}>
                    <td>{r.methods.join(', ') || 'any'}</td>
                    <th scope="row">
                      <code>{r.path}</code>
                    </th>
                    <td>
                      <ul class="tags">
                        {r.policies.map((p) => (
                          <li key={p}>{p}</li>
                        ))}
                        {r.policies.length === 0 && <li class="muted">none</li>}
                      </ul>
                    </td>
                    <td>
                      <code>{r.backend}</code>
                    </td>
                    <td data-col="requests">{num(totals?.requests ?? 0)}</td>
                    <td data-col="rate">{num(last?.ratePerSec ?? 0)} /s</td>
                    <td data-col="status">{STATUS_CLASSES.map((c) => num(totals?.byClass[c] ?? 0)).join(' / ')}</td>
                    <td data-col="latency">
                      {num(last?.meanMs)} / {num(last?.p95Ms)} ms
                    </td>
                  </tr>
                );
              })}
            </DataTable>
          </section>
        );
      })}
      <h3>Live traffic</h3>
      <p class="muted">Rates over each 2-second interval, up to the last two minutes. Routes that have not been called since the gateway started have no chart.</p>
      <div class="route-grid">
        {charted.map((r) => (
          <RouteCharts key={routeKey(r.deployment, r.path)} row={r} history={history} />
        ))}
      </div>
    </section>
  );
}
