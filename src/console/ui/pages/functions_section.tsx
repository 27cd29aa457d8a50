/** Gateway page: function pools (containers, busy, queued, cold starts, calls by outcome). */
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
        <div class="table-wrap">
          <table>
            <caption class="sr-only">Function pools</caption>
            <thead>
              <tr>
                <th scope="col">Function</th>
                <th scope="col">Warm containers</th>
                <th scope="col">Busy / idle / starting</th>
                <th scope="col">Queued</th>
                <th scope="col">Cold starts</th>
                <th scope="col">Calls</th>
                <th scope="col">Outcomes</th>
                <th scope="col">Call mean</th>
              </tr>
            </thead>
            <tbody>
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
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
