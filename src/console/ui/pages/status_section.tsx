/**
 * Gateway page: readiness, where the planes listen, plan warnings and the last reload's outcome
 * with a Reload button (POST /admin/reload, which re-reads the configuration file; a rejected
 * reload keeps the running plan and says why).
 */
import { post } from '../api.ts';
import type { AdminInfo, AdminPlan, Readiness, ReloadAnswer } from '../admin_types.ts';
import { clock, relative } from '../format.ts';
import { useAction } from '../hooks.ts';

export function StatusSection({ info, ready, plan, onReloaded }: { info: AdminInfo | null; ready: Readiness | null; plan: AdminPlan | null; onReloaded(): void }) {
  // A rejected reload is a 422 whose {applied, errors} body becomes the ApiError's message.
  const reload = useAction(() => post<ReloadAnswer>('/admin/reload').finally(onReloaded));
  const last = info?.lastReload ?? null;
  const warnings = plan?.warnings ?? [];
  return (
    <section aria-labelledby="status-h">
      <h2 id="status-h">Status</h2>
      <dl class="facts">
        <dt>Readiness</dt>
        <dd class={ready?.status === 'ready' ? 'ok' : 'bad'}>
          {ready?.status ?? '…'}
          {ready !== null && ready.reasons.length > 0 && (
            <ul>
              {ready.reasons.map((r, i) => (
                <li key={i}>
                  {[r.deployment, r.keySource].filter(Boolean).join(' · ')}
                  {r.deployment || r.keySource ? ': ' : ''}
                  {r.reason}
                </li>
              ))}
            </ul>
          )}
        </dd>
        <dt>Data plane</dt>
        <dd>
          <code>{info?.dataUrl ?? '…'}</code>
        </dd>
        {info?.idpUrl && (
          <>
            <dt>Token service</dt>
            <dd>
              <code>{info.idpUrl}</code>
            </dd>
          </>
        )}
        <dt>Started</dt>
        <dd>{info ? `${clock(info.startedAt)} (${relative(info.startedAt)})` : '…'}</dd>
        <dt>In flight</dt>
        <dd>{info?.inFlight ?? '…'}</dd>
        <dt>Last reload</dt>
        <dd data-testid="last-reload" class={last === null ? '' : last.result === 'applied' ? 'ok' : 'bad'}>
          {last === null ? 'none since start' : `${last.result} at ${clock(last.at)}`}
          {last !== null && last.errors.length > 0 && (
            <ul>
              {last.errors.map((e, i) => (
                <li key={i}>{e}</li>
              ))}
            </ul>
          )}
        </dd>
      </dl>
      <p>
        <button type="button" onClick={() => void reload.run()} disabled={reload.busy}>
          {reload.busy ? 'Reloading…' : 'Reload configuration'}
        </button>{' '}
        <span role="status">
          {reload.result?.applied && 'Reload applied.'}
          {reload.error && <span class="bad">Reload refused: {reload.error}</span>}
        </span>
      </p>
      {warnings.length > 0 && (
        <>
          <h3>Configuration warnings</h3>
          <ul>
            {warnings.map((w, i) => (
              <li key={i}>{typeof w === 'string' ? w : JSON.stringify(w)}</li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
