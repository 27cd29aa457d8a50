/**
 * The console's shell: login gate, the navigation between the Gateway and Token service pages
 * (hash routes, so the admin plane serves one file for every page), and sign-out.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, call, credential, forgetCredential, get, setUnauthorizedHandler } from './api.ts';
import type { AdminInfo, WhoAmI } from './admin_types.ts';
import { clock } from './format.ts';
import { GatewayPage } from './pages/gateway.tsx';
import { LoginPage } from './pages/login.tsx';
import { TokenServicePage } from './pages/token_service.tsx';

type Page = 'gateway' | 'idp';

function pageFromHash(): Page {
  return location.hash.startsWith('#/idp') ? 'idp' : 'gateway';
}

export function App() {
  const [who, setWho] = useState<WhoAmI | null>(null);
  const [checking, setChecking] = useState(credential() !== null);
  const [page, setPage] = useState<Page>(pageFromHash());
  const [hasIdp, setHasIdp] = useState(false);

  useEffect(() => {
    const onHash = () => setPage(pageFromHash());
    addEventListener('hashchange', onHash);
    setUnauthorizedHandler(() => {
      forgetCredential();
      setWho(null);
    });
    // A reloaded tab still holds its credential: check it again rather than trust it.
    if (credential() !== null) {
      call<WhoAmI>('GET', '/admin/whoami')
        .then(setWho)
        .catch((err: unknown) => {
          // Refused: the credential is no good any more. Anything else (the gateway restarting)
          // leaves it for the next sign-in to try again.
          if (err instanceof ApiError && (err.status === 401 || err.status === 403)) forgetCredential();
        })
        .finally(() => setChecking(false));
    }
    return () => removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    if (who === null) return;
    get<AdminInfo>('/admin/info')
      .then((i) => setHasIdp(i.idpUrl !== null))
      .catch(() => setHasIdp(false));
  }, [who]);

  useEffect(() => {
    document.title = `${page === 'idp' ? 'Token service' : 'Gateway'} · Gatehouse console`;
  }, [page]);

  if (checking) return <p class="page">Checking your credential…</p>;
  if (who === null) {
    return (
      <main class="page" id="main">
        <LoginPage onLogin={setWho} />
      </main>
    );
  }
  return (
    <>
      <header class="top">
        <a class="skip" href="#main">
          Skip to content
        </a>
        <span class="brand">Gatehouse console</span>
        <nav aria-label="Pages">
          <a href="#/gateway" aria-current={page === 'gateway' ? 'page' : undefined}>
            Gateway
          </a>
          {hasIdp && (
            <a href="#/idp" aria-current={page === 'idp' ? 'page' : undefined}>
              Token service
            </a>
          )}
        </nav>
        <span class="who">
          Signed in: {who.subject}
          {who.expiresAt !== null && ` (until ${clock(who.expiresAt)})`}
          <button
            type="button"
            class="link"
            onClick={() => {
              forgetCredential();
              setWho(null);
            }}
          >
            Sign out
          </button>
        </span>
      </header>
      <main class="page" id="main">
        {page === 'idp' && hasIdp ? <TokenServicePage /> : <GatewayPage />}
      </main>
    </>
  );
}
