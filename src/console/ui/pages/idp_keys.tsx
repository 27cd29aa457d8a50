/**
 * Token service → Signing keys, with Auth0's semantics: rotate (next → current, current →
 * previous, a new next key) and revoke a previous key (it leaves the JWKS; tokens it signed stop
 * verifying once gateways refetch).
 */
import { post } from '../api.ts';
import type { IdpKey } from '../admin_types.ts';
import { ActionFailed, ActionStatus } from '../components/action_feedback.tsx';
import { ConfirmButton } from '../components/confirm_button.tsx';
import { DataTable } from '../components/data_table.tsx';
import { clock } from '../format.ts';
import { useAction } from '../hooks.ts';
import type { IdpData } from './token_service.tsx';

const ORDER: Record<IdpKey['state'], number> = { current: 0, next: 1, previous: 2, revoked: 3 };

export function KeysTab({ data, changed }: { data: IdpData; changed(): void }) {
  const rotate = useAction(async () => {
    const r = await post<{ current: { kid: string; alg: string }[] }>('/admin/idp/keys/rotate');
    changed();
    return r;
  });
  const revoke = useAction(async (kid: string) => {
    const k = await post<IdpKey>(`/admin/idp/keys/${encodeURIComponent(kid)}/revoke`);
    changed();
    return k;
  });
  const keys = [...data.keys].sort((a, b) => ORDER[a.state] - ORDER[b.state] || a.alg.localeCompare(b.alg));
  return (
    <section aria-labelledby="signing-h">
      <h2 id="signing-h">Signing keys</h2>
      <p>
        Rotating makes the next key current and publishes a new next key. Tokens signed with the previous key still verify until you revoke it. Gateways
        pick up a new key when a token names a kid they do not know.
      </p>
      <p>
        <ConfirmButton busy={rotate.busy} question="Rotate the signing keys? New tokens will be signed with the next key." onConfirm={() => rotate.run()}>
          Rotate signing key
        </ConfirmButton>{' '}
        <ActionStatus prefix="Not rotated" error={rotate.error}>
          {rotate.result && `Rotated: the current key is now ${rotate.result.current.map((k) => `${k.kid} (${k.alg})`).join(', ')}.`}
        </ActionStatus>
      </p>
      <DataTable caption="Signing keys" columns={['kid', 'Algorithm', 'State', 'Current since', 'Current until', 'Revoked at']} actions>
        {keys.map((k) => (
          <tr key={k.kid} data-kid={k.kid} data-state={k.state} data-alg={k.alg}>
            <th scope="row">
              <code>{k.kid}</code>
            </th>
            <td>{k.alg}</td>
            <td class={k.state === 'revoked' ? 'bad' : k.state === 'current' ? 'ok' : ''}>{k.state}</td>
            <td>{clock(k.current_since)}</td>
            <td>{clock(k.current_until)}</td>
            <td>{clock(k.revoked_at)}</td>
            <td>
              {k.state === 'previous' && (
                <ConfirmButton class="danger" busy={revoke.busy} label={`Revoke key ${k.kid}`} question={`Revoke key ${k.kid}? Tokens it signed will stop verifying.`} onConfirm={() => revoke.run(k.kid)}>
                  Revoke
                </ConfirmButton>
              )}
            </td>
          </tr>
        ))}
      </DataTable>
      <ActionFailed prefix="Not revoked" error={revoke.error} />
    </section>
  );
}
