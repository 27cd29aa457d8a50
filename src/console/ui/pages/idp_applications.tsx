/**
 * Token service → Applications: the machine-to-machine applications and their grants; create an
 * application (its secret shown once, with a copy button), grant it scopes on an API (a new grant,
 * or a change to the existing one), remove a grant, delete a managed application.
 */
import { useState } from 'preact/hooks';
import { call, post } from '../api.ts';
import type { IdpApplication, IdpGrant } from '../admin_types.ts';
import { ActionFailed, ActionStatus } from '../components/action_feedback.tsx';
import { ConfirmButton } from '../components/confirm_button.tsx';
import { CopyButton } from '../components/copy_button.tsx';
import { DataTable } from '../components/data_table.tsx';
import { useAction } from '../hooks.ts';
import type { IdpData } from './token_service.tsx';

function CreateApplication({ changed }: { changed(): void }) {
  const [name, setName] = useState('');
  const create = useAction(async () => {
    const app = await post<IdpApplication>('/admin/idp/applications', { name: name.trim() });
    setName('');
    changed();
    return app;
  });
  const created = create.result;
  return (
    <form
      class="stack"
      aria-labelledby="create-app-h"
      onSubmit={(e) => {
        e.preventDefault();
        void create.run();
      }}
    >
      <h3 id="create-app-h">Create an application</h3>
      <label for="app-name">Name</label>
      <input id="app-name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
      <div>
        <button type="submit" disabled={create.busy}>
          Create application
        </button>
      </div>
      <ActionFailed prefix="Not created" error={create.error} />
      {created && (
        <div class="notice secret" role="status" aria-labelledby="secret-h">
          <h4 id="secret-h">Application {created.name} created</h4>
          <dl class="facts">
            <dt>Client ID</dt>
            <dd>
              <code data-testid="new-client-id">{created.client_id}</code> <CopyButton text={created.client_id} label="Copy the client ID" />
            </dd>
            <dt>Client secret</dt>
            <dd>
              <code data-testid="new-client-secret">{created.client_secret ?? ''}</code> <CopyButton text={created.client_secret ?? ''} label="Copy the client secret" />
            </dd>
          </dl>
          <p>
            <strong>Copy the secret now: it is shown only once.</strong> It is stored hashed and cannot be displayed again.
          </p>
          <button type="button" onClick={create.clear}>
            I have copied it
          </button>
        </div>
      )}
    </form>
  );
}

function GrantScopes({ data, changed }: { data: IdpData; changed(): void }) {
  const apis = data.apis.filter((a) => !a.is_system);
  const [clientId, setClientId] = useState('');
  const [audience, setAudience] = useState('');
  const [picked, setPicked] = useState<string[] | null>(null);
  const client = clientId || data.applications[0]?.client_id || '';
  const aud = audience || apis[0]?.identifier || '';
  const api = apis.find((a) => a.identifier === aud);
  const existing = data.grants.find((g) => g.client_id === client && g.audience === aud);
  const scopes = picked ?? existing?.scope ?? [];
  const save = useAction(async () => {
    const g = existing
      ? await call<IdpGrant>('PATCH', `/admin/idp/grants/${encodeURIComponent(existing.id)}`, { scope: scopes })
      : await post<IdpGrant>('/admin/idp/grants', { client_id: client, audience: aud, scope: scopes });
    setPicked(null);
    changed();
    return g;
  });
  const toggle = (s: string) => setPicked(scopes.includes(s) ? scopes.filter((x) => x !== s) : [...scopes, s]);
  return (
    <form
      class="stack"
      aria-labelledby="grant-h"
      onSubmit={(e) => {
        e.preventDefault();
        void save.run();
      }}
    >
      <h3 id="grant-h">Grant scopes</h3>
      <label for="grant-app">Application</label>
      <select id="grant-app" value={client} onChange={(e) => (setClientId(e.currentTarget.value), setPicked(null))}>
        {data.applications.map((a) => (
          <option key={a.client_id} value={a.client_id}>
            {a.name} ({a.client_id})
          </option>
        ))}
      </select>
      <label for="grant-api">API</label>
      <select id="grant-api" value={aud} onChange={(e) => (setAudience(e.currentTarget.value), setPicked(null))}>
        {apis.map((a) => (
          <option key={a.id} value={a.identifier}>
            {a.name} ({a.identifier})
          </option>
        ))}
      </select>
      <fieldset>
        <legend>Scopes</legend>
        {(api?.scopes ?? []).map((s) => (
          <label key={s.value} class="check">
            <input type="checkbox" checked={scopes.includes(s.value)} onChange={() => toggle(s.value)} /> {s.value}
          </label>
        ))}
        {(api?.scopes.length ?? 0) === 0 && <p class="muted">This API defines no scopes.</p>}
      </fieldset>
      <div>
        <button type="submit" disabled={save.busy || client === '' || aud === ''}>
          {existing ? 'Update grant' : 'Authorize'}
        </button>{' '}
        <ActionStatus prefix="Not saved" error={save.error}>
          {save.result && 'Grant saved.'}
        </ActionStatus>
      </div>
    </form>
  );
}

export function ApplicationsTab({ data, changed }: { data: IdpData; changed(): void }) {
  const removeGrant = useAction(async (g: IdpGrant) => {
    await call('DELETE', `/admin/idp/grants/${encodeURIComponent(g.id)}`);
    changed();
  });
  const removeApp = useAction(async (a: IdpApplication) => {
    await call('DELETE', `/admin/idp/applications/${encodeURIComponent(a.client_id)}`);
    changed();
  });
  const nameOf = (clientId: string) => data.applications.find((a) => a.client_id === clientId)?.name ?? clientId;
  return (
    <section aria-labelledby="apps-h">
      <h2 id="apps-h">Applications</h2>
      <DataTable caption="Applications of the token service" columns={['Name', 'Client ID', 'Grant types', 'Origin']} actions>
        {data.applications.map((a) => (
          <tr key={a.client_id}>
            <th scope="row">{a.name}</th>
            <td>
              <code>{a.client_id}</code>
            </td>
            <td>{a.grant_types.join(', ')}</td>
            <td>{a.origin}</td>
            <td>
              {a.origin === 'managed' && (
                <ConfirmButton class="danger" busy={removeApp.busy} question={`Delete the application ${a.name}?`} onConfirm={() => removeApp.run(a)}>
                  Delete
                </ConfirmButton>
              )}
            </td>
          </tr>
        ))}
      </DataTable>
      <ActionFailed prefix="Not deleted" error={removeApp.error} />
      <CreateApplication changed={changed} />
      <h2 id="grants-h">Grants</h2>
      <DataTable labelledBy="grants-h" columns={['Application', 'API (audience)', 'Scopes']} actions>
        {data.grants.map((g) => (
          <tr key={g.id}>
            <th scope="row">{nameOf(g.client_id)}</th>
            <td>
              <code>{g.audience}</code>
            </td>
            <td>{g.scope.join(' ') || '–'}</td>
            <td>
              <ConfirmButton class="danger" busy={removeGrant.busy} question="Remove this grant?" onConfirm={() => removeGrant.run(g)}>
                Remove
              </ConfirmButton>
            </td>
          </tr>
        ))}
      </DataTable>
      <ActionFailed prefix="Not removed" error={removeGrant.error} />
      <GrantScopes data={data} changed={changed} />
    </section>
  );
}
