/** Gateway page: function pools (containers, busy, queued, cold starts, calls by outcome). */
import { DataTable } from '../components/data_table.tsx';
import type { FunctionPool } from '../functions_view.ts';
import { num } from '../format.ts';

const n = (v: number | null) => (v === null ? '–' : num(v));

export function FunctionsSection({ pools }: { pools: FunctionPool[] }) {
  return (
    <section aria-labelledby="functions-h">
      <h2 id="functions-h">Function pools</h2>
      {pools.length === 0 ? (
        <p>No functions are configured.</p>
      ) : (
        <DataTable caption="Function pools" columns={['Function', 'Warm containers', 'Busy / idle / starting', 'Queued', 'Cold starts', 'Calls', 'Outcomes', 'Call mean']}>
          {pools.map((p) => (
            <tr key={p.id}>
              <th scope="row">
                <code>{p.id}</code>
                {p.kind === 'remote' && <span class="muted"> (remote)</span>}
              </th>
              <td>{n(p.containers)}</td>
              <td>
                {n(p.busy)} / {n(p.idle)} / {n(p.starting)}
              </td>
              <td>{n(p.queued)}</td>
              <td>{n(p.coldStarts)}</td>
              <td>{num(p.calls)}</td>
              <td>
                {Object.entries(p.outcomes)
                  .map(([o, c]) => `${o} ${num(c)}`)
                  .join(', ') || '–'}
              </td>
              <td>{p.callMeanMs === null ? '–' : `${num(p.callMeanMs)} ms`}</td>
            </tr>
          ))}
        </DataTable>
      )}
    </section>
  );
}
