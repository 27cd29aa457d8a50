/**
 * `/admin/idp` as a unit over a real token-service state (SQLite in a temporary directory): the test
 * token's curl is one a shell reads back word for word, whatever the route's path holds.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IdpState } from '../../src/idp/idp_state.ts';
import { createKeyEnvelope } from '../../src/idp/key_envelope.ts';
import { seedFromConfig } from '../../src/idp/seed.ts';
import { IdpStore, openDriver } from '../../src/idp/store/store.ts';
import { answerIdp } from '../../src/server/admin_idp.ts';
import { answerIdpRequest } from '../../src/server/admin_plane.ts';

let dir = '';
let state: IdpState;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'admin-idp-'));
  state = new IdpState(new IdpStore(openDriver('.gatehouse/idp.sqlite', dir), createKeyEnvelope(undefined)), 'http://localhost:4000/');
  await state.store.migrate();
  await state.refresh(true);
  await seedFromConfig(state, { apis: [{ identifier: 'https://api', scopes: ['read'] }], applications: [{ name: 'a', clientId: 'app', clientSecret: 'app-secret-0123456789', grants: [{ audience: 'https://api', scopes: ['read'] }] }] }, dir);
});
after(async () => {
  await state.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The words a POSIX shell makes of `command` (its first word replaced by printf). */
function words(command: string): string[] {
  return execFileSync('sh', ['-c', command.replace(/^curl /, "printf '%s\\n' ")], { encoding: 'utf8' }).trimEnd().split('\n');
}

const config = (path: string, auth: Record<string, unknown> = {}) => ({
  deployments: [
    {
      name: 'd',
      pathPrefix: '/v1',
      specification: {
        requestPolicies: { authentication: { type: 'JWT_AUTHENTICATION', issuers: ['i'], audiences: ['https://api'], publicKeys: { type: 'REMOTE_JWKS', uri: 'u' }, ...auth } },
        routes: [{ path, methods: ['GET'], backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200 } }],
      },
    },
  ],
});

async function mint(cfg: unknown): Promise<{ access_token: string; curl: string }> {
  const a = await answerIdp({ state, url: 'http://127.0.0.1:4000', config: () => cfg, dataUrl: () => 'http://127.0.0.1:8080' }, 'POST', '/admin/idp/test-token', JSON.stringify({ clientId: 'app', audience: 'https://api' }));
  assert.equal(a.status, 200, JSON.stringify(a.value));
  return a.value as { access_token: string; curl: string };
}

it('regression: the curl quotes each word, so a route path with a quote or a space stays one argument', async () => {
  const t = await mint(config("/it's here; echo pwned"));
  assert.deepEqual(words(t.curl), ['-H', `Authorization: Bearer ${t.access_token}`, '-X', 'GET', "http://127.0.0.1:8080/v1/it's here; echo pwned"]);
});

it('puts the token where the route reads it: another header and scheme, or a query parameter', async () => {
  const header = await mint(config('/x', { tokenHeader: 'X-Api-Token', tokenAuthScheme: 'Token' }));
  assert.deepEqual(words(header.curl), ['-H', `X-Api-Token: Token ${header.access_token}`, '-X', 'GET', 'http://127.0.0.1:8080/v1/x']);
  const query = await mint(config('/x', { tokenQueryParam: 'access_token' }));
  assert.deepEqual(words(query.curl), [`http://127.0.0.1:8080/v1/x?access_token=${query.access_token}`]);
});

const deps = () => ({ state, url: 'http://127.0.0.1:4000', config: () => ({}), dataUrl: () => 'http://127.0.0.1:8080' });

it('regression: a scope that is null or not an object is a 400, not a 500 from a TypeError', async () => {
  for (const scopes of [[null], [5], [['read']], [{ description: 'no value' }]]) {
    const a = await answerIdp(deps(), 'POST', '/admin/idp/apis', JSON.stringify({ identifier: 'https://bad-scopes', scopes }));
    assert.equal(a.status, 400, `${JSON.stringify(scopes)}: ${JSON.stringify(a.value)}`);
  }
  assert.ok(!state.snapshot.apis.some((x) => x.identifier === 'https://bad-scopes'));
});

it('regression: rotating an HS256 or unknown key family is a 400 naming the algorithms, not a 500; the keys stay as they were', async () => {
  const before = state.snapshot.keys.map((k) => `${k.kid}:${k.state}`).sort();
  for (const alg of ['HS256', 'none', 'rs256']) {
    const a = await answerIdp(deps(), 'POST', '/admin/idp/keys/rotate', JSON.stringify({ alg }));
    assert.equal(a.status, 400, `${alg}: ${JSON.stringify(a.value)}`);
    assert.match((a.value as { message: string }).message, /RS256, PS256, ES256, EdDSA/);
  }
  const bad = await answerIdp(deps(), 'POST', '/admin/idp/keys/rotate', JSON.stringify({ alg: 5 }));
  assert.equal(bad.status, 400, 'a non-string alg is bad input, not "every family"');
  assert.deepEqual(state.snapshot.keys.map((k) => `${k.kid}:${k.state}`).sort(), before);
});

it('regression: HEAD of a token-service read answers as its GET does (200), not 404', async () => {
  for (const path of ['/admin/idp', '/admin/idp/apis', '/admin/idp/keys']) {
    const head = await answerIdpRequest(deps(), 'HEAD', path, '');
    assert.equal(head.status, 200, path);
  }
  assert.equal((await answerIdpRequest(deps(), 'HEAD', '/admin/idp/test-token', '')).status, 404, 'HEAD is never a change');
});
