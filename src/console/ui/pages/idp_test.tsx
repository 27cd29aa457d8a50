/**
 * Token service → Test: mint an access token for an application's grant on an API (as the Test
 * tab of Auth0's dashboard does) and show the curl that calls a route of the live plan with it.
 */
import { useState } from 'preact/hooks';
import { post } from '../api.ts';
import type { TestToken } from '../admin_types.ts';
import { ActionFailed } from '../components/action_feedback.tsx';
import { CopyButton } from '../components/copy_button.tsx';
import { useAction } from '../hooks.ts';
import type { IdpData } from './token_service.tsx';

export function TestTab({ data }: { data: IdpData }) {
  const granted = data.grants.filter((g) => data.applications.some((a) => a.client_id === g.client_id));
  const [choice, setChoice] = useState('');
  const grant = granted.find((g) => g.id === choice) ?? granted[0];
  const mint = useAction(() => post<TestToken>('/admin/idp/test-token', { clientId: grant?.client_id, audience: grant?.audience }));
  const nameOf = (clientId: string) => data.applications.find((a) => a.client_id === clientId)?.name ?? clientId;
  const t = mint.result;
  return (
    <section aria-labelledby="test-h">
      <h2 id="test-h">Test</h2>
      <p>Mint an access token as an application would get it from the token endpoint, and call the gateway with it.</p>
      {granted.length === 0 ? (
        <p>No application has a grant yet: grant one on the Applications tab.</p>
      ) : (
        <form
          class="stack"
          onSubmit={(e) => {
            e.preventDefault();
            void mint.run();
          }}
        >
          <label for="test-grant">Application and API</label>
          <select
            id="test-grant"
            value={grant?.id}
            onChange={(e) => {
              setChoice(e.currentTarget.value);
              mint.clear();
            }}
          >
            {granted.map((g) => (
              <option key={g.id} value={g.id}>
                {nameOf(g.client_id)} → {g.audience}
              </option>
            ))}
          </select>
          <div>
            <button type="submit" disabled={mint.busy}>
              Get a test token
            </button>
          </div>
        </form>
      )}
      <ActionFailed prefix="No token" error={mint.error} />
      {t && (
        <div class="result" aria-live="polite">
          <h3>Access token</h3>
          <p class="muted">
            {t.token_type}, expires in {t.expires_in} s{t.scope ? `, scope: ${t.scope}` : ''}
          </p>
          <label for="test-token">Token</label>
          <textarea id="test-token" readOnly rows={4} value={t.access_token} />
          <CopyButton text={t.access_token} label="Copy the token" />
          <h3>Call the gateway</h3>
          <p>{t.route ? `${t.route.method} ${t.route.url} (deployment ${t.route.deployment})` : 'No route of the live plan accepts this audience; replace <URL> with yours.'}</p>
          <pre>
            <code data-testid="test-curl">{t.curl}</code>
          </pre>
          <CopyButton text={t.curl} label="Copy the curl command" />
        </div>
      )}
    </section>
  );
}
