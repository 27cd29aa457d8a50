/**
 * Token service → APIs: the APIs (audiences) with their scopes; create one, change an API's scopes,
 * delete a managed one.
 */
import { useState } from 'preact/hooks';
import { call, post } from '../api.ts';
import type { IdpApi } from '../admin_types.ts';
import { ActionStatus, ActionFailed } from '../components/action_feedback.tsx';
import { ConfirmButton } from '../components/confirm_button.tsx';
import { DataTable } from '../components/data_table.tsx';
import { duration } from '../format.ts';
import { useAction } from '../hooks.ts';
import type { IdpData } from './token_service.tsx';

const ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256'];

/** `read:a, write:b` or `read:a write:b` → `['read:a', 'write:b']`. */
export function splitScopes(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter((s) => s !== ''))];
}

function CreateApi({ changed }: { changed(): void }) {
  const [name, setName] = useState('');
  const [identifier, setIdentifier] = useState('');
  const [scopes, setScopes] = useState('');
  const [alg, setAlg] = useState('RS256');
  const create = useAction(async () => {
    const api = await post<IdpApi>('/admin/idp/apis', { name: name.trim() || undefined, identifier: identifier.trim(), scopes: splitScopes(scopes), signing_alg: alg });
    setName('');
    setIdentifier('');
    setScopes('');
    changed();
    return api;
  });
  return (
    <form
      class="stack"
      aria-labelledby="create-api-h"
      onSubmit={(e) => {
        e.preventDefault();
        void create.run();
      }}
    >
      <h3 id="create-api-h">Create an API</h3>
      <label for="api-name">Name</label>
      <input id="api-name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
      <label for="api-identifier">Identifier (the audience)</label>
      <input id="api-identifier" required placeholder="https://api.example.com" value={identifier} onInput={(e) => setIdentifier(e.currentTarget.value)} />
      <label for="api-scopes">Scopes (separated by spaces or commas)</label>
      <input id="api-scopes" placeholder="read:items write:items" value={scopes} onInput={(e) => setScopes(e.currentTarget.value)} />
      <label for="api-alg">Signing algorithm</label>
      <select id="api-alg" value={alg} onChange={(e) => setAlg(e.currentTarget.value)}>
        {ALGS.map((a) => (
          <option key={a}>{a}</option>
        ))}
      </select>
      <div>
        <button type="submit" disabled={create.busy}>
          Create API
        </button>{' '}
        <ActionStatus prefix="Not created" error={create.error}>
          {create.result && `Created ${create.result.identifier}.`}
        </ActionStatus>
      </div>
    </form>
  );
}

/** Replaces an API's scopes (PATCH), keeping the descriptions of the scopes that stay. */
function EditScopes({ api, done }: { api: IdpApi; done(saved: boolean): void }) {
  const [text, setText] = useState(api.scopes.map((s) => s.value).join(' '));
  const save = useAction(async () => {
    const scopes = splitScopes(text).map((value) => api.scopes.find((s) => s.value === value) ?? { value });
    const r = await call<IdpApi>('PATCH', `/admin/idp/apis/${encodeURIComponent(api.id)}`, { scopes });
    done(true);
    return r;
  });
  return (
    <form
      class="stack"
      aria-labelledby="edit-scopes-h"
      onSubmit={(e) => {
        e.preventDefault();
        void save.run();
      }}
    >
      <h3 id="edit-scopes-h">Scopes of {api.name}</h3>
      <label for="edit-scopes">Scopes (separated by spaces or commas)</label>
      <input id="edit-scopes" value={text} onInput={(e) => setText(e.currentTarget.value)} />
      {api.origin === 'config' && <p class="muted">This API comes from the configuration file: its scopes there are applied again at the next start.</p>}
      <div>
        <button type="submit" disabled={save.busy}>
          Save scopes
        </button>{' '}
        <button type="button" class="link" onClick={() => done(false)}>
          Cancel
        </button>{' '}
        <ActionStatus prefix="Not saved" error={save.error} />
      </div>
    </form>
  );
}

export function ApisTab({ data, changed }: { data: IdpData; changed(): void }) {
  const [editing, setEditing] = useState<string | null>(null);
  const editedApi = data.apis.find((a) => a.id === editing);
  const remove = useAction(async (api: IdpApi) => {
    await call('DELETE', `/admin/idp/apis/${encodeURIComponent(api.id)}`);
    changed();
  });
  return (
    <section aria-labelledby="apis-h">
      <h2 id="apis-h">APIs</h2>
      <DataTable caption="APIs of the token service" columns={['Name', 'Identifier (audience)', 'Signing', 'Token lifetime', 'Scopes', 'Origin']} actions>
        {data.apis.map((a) => (
          <tr key={a.id}>
            <th scope="row">{a.name}</th>
            <td>
              <code>{a.identifier}</code>
            </td>
            <td>{a.signing_alg}</td>
            <td>{duration(a.token_lifetime)}</td>
            <td>
              <ul class="tags">
                {a.scopes.map((s) => (
                  <li key={s.value} title={s.description}>
                    {s.value}
                  </li>
                ))}
              </ul>
            </td>
            <td>{a.origin}</td>
            <td class="actions">
              {!a.is_system && (
                <button type="button" class="secondary" onClick={() => setEditing(a.id)} aria-label={`Edit the scopes of ${a.name}`}>
                  Edit scopes
                </button>
              )}{' '}
              {a.origin === 'managed' && (
                <ConfirmButton class="danger" busy={remove.busy} question={`Delete the API ${a.identifier} and its grants?`} onConfirm={() => remove.run(a)}>
                  Delete
                </ConfirmButton>
              )}
            </td>
          </tr>
        ))}
      </DataTable>
      <ActionFailed prefix="Not deleted" error={remove.error} />
      {editedApi && (
        <EditScopes
          key={editedApi.id}
          api={editedApi}
          done={(saved) => {
            setEditing(null);
            if (saved) changed();
          }}
        />
      )}
      <CreateApi changed={changed} />
    </section>
  );
}
