/**
 * Gateway page: authentication decisions per deployment, recent authentication failures with their
 * reasons (the admin API never holds a token, so there is none to show) and every key store with
 * its keys, age, next refresh and last error, from GET /admin/auth.
 */
import type { AdminAuth, KeyStoreState } from '../admin_types.ts';
import { DataTable } from '../components/data_table.tsx';
import { clock, duration, relative } from '../format.ts';
import { explainReason } from '../reasons.ts';

/** Decisions per deployment since start: every reason's count and the decision cache's hit rate. */
function Decisions({ auth }: { auth: AdminAuth }) {
  const rows = Object.entries(auth.decisions ?? {});
  if (rows.length === 0) return null;
  return (
    <DataTable caption="Authentication decisions by deployment since start" columns={['Deployment', 'Decisions by reason', 'Decision cache hits']}>
      {rows.map(([deployment, d]) => {
        const lookups = d.cacheHits + d.cacheMisses;
        return (
          <tr key={deployment}>
            <th scope="row">{deployment}</th>
            <td>
              {Object.entries(d.reasons)
                .sort((a, b) => b[1] - a[1])
                .map(([reason, n]) => `${reason} ${n}`)
                .join(', ') || '–'}
            </td>
            <td>{lookups === 0 ? '–' : `${d.cacheHits} of ${lookups} (${Math.round((100 * d.cacheHits) / lookups)}%)`}</td>
          </tr>
        );
      })}
    </DataTable>
  );
}

export function FailuresSection({ auth }: { auth: AdminAuth }) {
  const byReason = Object.entries(auth.failuresByReason ?? {}).sort((a, b) => b[1] - a[1]);
  return (
    <section aria-labelledby="failures-h">
      <h2 id="failures-h">Recent authentication failures</h2>
      {byReason.length > 0 && (
        <p>
          Totals:{' '}
          {byReason.map(([reason, n], i) => (
            <span key={reason}>
              {i > 0 && ', '}
              <code>{reason}</code> {n}
            </span>
          ))}
        </p>
      )}
      <Decisions auth={auth} />
      {auth.recentFailures.length === 0 ? (
        <p>No authentication failures since the gateway started.</p>
      ) : (
        <DataTable caption="Most recent authentication failures, newest first" columns={['Time', 'Deployment', 'Reason', 'What it means']}>
          {auth.recentFailures.slice(0, 50).map((f, i) => (
            <tr key={`${f.at}-${i}`}>
              <td>{clock(f.at)}</td>
              <td>{f.deployment}</td>
              <td>
                <code>{f.reason}</code>
              </td>
              <td>{explainReason(f.reason) ?? 'See the reasons in docs/troubleshooting.md.'}</td>
            </tr>
          ))}
        </DataTable>
      )}
    </section>
  );
}

function KeyStore({ store }: { store: KeyStoreState }) {
  return (
    <section class="card" aria-label={`Key store ${store.source}`}>
      <h3>
        <code>{store.source}</code>
      </h3>
      <dl class="facts">
        <dt>Type</dt>
        <dd>{store.type}</dd>
        <dt>Status</dt>
        <dd class={store.usable ? 'ok' : 'bad'}>{store.usable ? 'usable' : 'no usable keys'}</dd>
        <dt>Age</dt>
        <dd>{duration(store.ageSeconds)}</dd>
        <dt>Next refresh</dt>
        <dd>{relative(store.nextRefresh)}</dd>
        <dt>Last error</dt>
        <dd class={store.lastError ? 'bad' : ''}>{store.lastError ? `${store.lastError} (${relative(store.lastErrorAt)})` : 'none'}</dd>
        {store.fetches !== undefined && (
          <>
            <dt>Fetches / failures</dt>
            <dd>
              {store.fetches} / {store.failures ?? 0}
            </dd>
          </>
        )}
      </dl>
      <table>
        <caption class="sr-only">Keys of {store.source}</caption>
        <thead>
          <tr>
            <th scope="col">kid</th>
            <th scope="col">Type</th>
            <th scope="col">Algorithms</th>
          </tr>
        </thead>
        <tbody>
          {store.keys.map((k, i) => (
            <tr key={k.kid ?? i} data-kid={k.kid ?? ''}>
              <td>
                <code>{k.kid ?? '(none)'}</code>
              </td>
              <td>
                {k.kty ?? k.type ?? ''}
                {k.bits !== undefined ? ` ${k.bits}` : ''}
              </td>
              <td>{k.algs?.join(', ') ?? k.alg ?? ''}</td>
            </tr>
          ))}
          {store.keys.length === 0 && (
            <tr>
              <td colSpan={3}>no keys</td>
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}

export function KeyStoresSection({ auth }: { auth: AdminAuth }) {
  return (
    <section aria-labelledby="keys-h">
      <h2 id="keys-h">Key stores</h2>
      {auth.jwks.length === 0 ? <p>No deployment validates tokens against a key set.</p> : auth.jwks.map((s) => <KeyStore key={s.source} store={s} />)}
    </section>
  );
}
