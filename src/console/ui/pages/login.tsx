/**
 * Login: the operator pastes an admin key or a token-service access token with `gatehouse:admin`.
 * It is checked with GET /admin/whoami before it is kept (sessionStorage, this tab only).
 */
import { useState } from 'preact/hooks';
import { call, saveCredential } from '../api.ts';
import type { WhoAmI } from '../admin_types.ts';
import { errorText } from '../hooks.ts';

export function LoginPage({ onLogin }: { onLogin(who: WhoAmI): void }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    const credential = value.trim();
    if (credential === '') return setError('Paste an admin key or token first.');
    setBusy(true);
    setError(null);
    try {
      const who = await call<WhoAmI>('GET', '/admin/whoami', undefined, credential);
      saveCredential(credential);
      setValue('');
      onLogin(who);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="login" aria-labelledby="login-h">
      <h1 id="login-h">Sign in to the Gatehouse console</h1>
      <p>
        Paste an admin key (from <code>admin.keys</code>, or the generated key in <code>.gatehouse/admin-key</code> next to the configuration file) or an
        access token from the token service that carries the <code>gatehouse:admin</code> scope.
      </p>
      <form onSubmit={submit}>
        <label for="credential">Admin key or token</label>
        <input
          id="credential"
          name="credential"
          type="password"
          autocomplete="off"
          spellcheck={false}
          value={value}
          onInput={(e) => setValue((e.currentTarget as HTMLInputElement).value)}
          aria-describedby={error ? 'login-error' : undefined}
          required
        />
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
      {error && (
        <p id="login-error" role="alert" class="bad">
          Not signed in: {error}
        </p>
      )}
      <p class="muted">The credential is kept in this tab only (sessionStorage) and sent as an Authorization header to this admin plane.</p>
    </section>
  );
}
