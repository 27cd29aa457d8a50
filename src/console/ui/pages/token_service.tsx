/**
 * The Token service page, laid out as Auth0's dashboard: APIs, Applications (with their grants),
 * Signing keys, and a Test tab that mints a token and shows the curl that calls a route with it.
 * Everything goes through /admin/idp/... (docs/admin-api.md).
 */
import { useEffect, useState } from 'preact/hooks';
import { get } from '../api.ts';
import type { IdpApi, IdpApplication, IdpGrant, IdpInfo, IdpKey } from '../admin_types.ts';
import { Tabs } from '../components/tabs.tsx';
import { usePoll } from '../hooks.ts';
import { ApisTab } from './idp_apis.tsx';
import { ApplicationsTab } from './idp_applications.tsx';
import { KeysTab } from './idp_keys.tsx';
import { TestTab } from './idp_test.tsx';

const TABS = [
  { id: 'apis', label: 'APIs' },
  { id: 'applications', label: 'Applications' },
  { id: 'keys', label: 'Signing keys' },
  { id: 'test', label: 'Test' },
];

const REFRESH_MS = 5000;

function tabFromHash(): string {
  const id = location.hash.split('/')[2] ?? '';
  return TABS.some((t) => t.id === id) ? id : 'apis';
}

/** Everything the tabs show, loaded together so a change in one tab shows in the others. */
export interface IdpData {
  apis: IdpApi[];
  applications: IdpApplication[];
  grants: IdpGrant[];
  keys: IdpKey[];
}

export function TokenServicePage() {
  const [tab, setTab] = useState(tabFromHash());
  useEffect(() => {
    const onHash = () => setTab(tabFromHash());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  const info = usePoll(() => get<IdpInfo>('/admin/idp'), 60_000);
  const data = usePoll(async (): Promise<IdpData> => {
    const [apis, applications, grants, keys] = await Promise.all([
      get<IdpApi[]>('/admin/idp/apis'),
      get<IdpApplication[]>('/admin/idp/applications'),
      get<IdpGrant[]>('/admin/idp/grants'),
      get<IdpKey[]>('/admin/idp/keys'),
    ]);
    return { apis, applications, grants, keys };
  }, REFRESH_MS);

  return (
    <>
      <h1>Token service</h1>
      {info.data && (
        <dl class="facts">
          <dt>Issuer</dt>
          <dd>
            <code>{info.data.issuer}</code>
          </dd>
          <dt>Token endpoint</dt>
          <dd>
            <code>{info.data.tokenUrl}</code>
          </dd>
          <dt>JWKS</dt>
          <dd>
            <code>{info.data.jwksUri}</code>
          </dd>
        </dl>
      )}
      {(data.error ?? info.error) && (
        <div role="alert" class="notice bad">
          Could not read the token service: {data.error ?? info.error}
        </div>
      )}
      <Tabs
        tabs={TABS}
        selected={tab}
        label="Token service"
        onSelect={(id) => {
          history.replaceState(null, '', `#/idp/${id}`);
          setTab(id);
        }}
      >
        {data.data === null ? (
          <p>Loading…</p>
        ) : tab === 'apis' ? (
          <ApisTab data={data.data} changed={data.refresh} />
        ) : tab === 'applications' ? (
          <ApplicationsTab data={data.data} changed={data.refresh} />
        ) : tab === 'keys' ? (
          <KeysTab data={data.data} changed={data.refresh} />
        ) : (
          <TestTab data={data.data} />
        )}
      </Tabs>
    </>
  );
}
