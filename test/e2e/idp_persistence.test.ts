/**
 * End-to-end: the provider's state survives a restart of the real process, on SQLite (with the
 * private keys sealed by a master key) and on PostgreSQL: tokens signed before the restart still
 * verify, rotated keys stay rotated, applications made through the management API still work.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import pg from 'pg';
import { freePort, startIdp, tokenRequest } from '../idp/idp_process.ts';
import { postgresUrlOrSkip } from '../idp/postgres_env.ts';

const AUD = 'https://auth0-jwt-authorizer';
const MASTER = 'an-operator-master-key-for-tests';

async function survivesRestart(t: TestContext, database: string | undefined, env: NodeJS.ProcessEnv): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-idp-persist-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  const config = {
    port,
    ...(database === undefined ? {} : { database }),
    apis: [{ name: 'JWT Authorizer', identifier: AUD, scopes: ['read:hello'] }],
    applications: [{ name: 'Test Application', clientId: 'persist-client', clientSecret: 'persist-secret', grants: [{ audience: AUD, scopes: ['read:hello'] }] }],
    management: { clientId: 'mgmt', clientSecret: 'mgmt-secret' },
  };
  const get = (url: string, body: Record<string, unknown> = {}) =>
    tokenRequest(url, { client_id: 'persist-client', client_secret: 'persist-secret', audience: AUD, grant_type: 'client_credentials', ...body });

  let idp = await startIdp(dir, config, { env });
  let made: { client_id: string; client_secret: string };
  let before: string;
  let rotatedKid: string;
  try {
    before = String((await get(idp.url)).body['access_token']);
    const mgmt = String((await tokenRequest(idp.url, { client_id: 'mgmt', client_secret: 'mgmt-secret', audience: `${idp.issuer}api/v2/`, grant_type: 'client_credentials' })).body['access_token']);
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${idp.url}/api/v2${path}`, { method, headers: { authorization: `Bearer ${mgmt}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      assert.ok(res.status < 300, `${method} ${path}: ${res.status}`);
      return (await res.json()) as Record<string, unknown>;
    };
    await call('POST', '/resource-servers', { name: 'Kept', identifier: 'urn:kept', scopes: [{ value: 'keep', description: 'k' }], signing_alg: 'ES256' });
    made = (await call('POST', '/clients', { name: 'Kept client' })) as typeof made;
    await call('POST', '/client-grants', { client_id: made.client_id, audience: 'urn:kept', scope: ['keep'] });
    rotatedKid = String((await call('POST', '/keys/signing/rotate')).kid);
  } finally {
    await idp.stop();
  }

  idp = await startIdp(dir, config, { env });
  try {
    assert.equal(idp.issuer, `http://localhost:${port}/`, 'the issuer is stable across restarts');
    const jwks = createRemoteJWKSet(new URL(`${idp.url}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(before, jwks, { issuer: idp.issuer, audience: AUD });
    assert.equal(payload.sub, 'persist-client@clients', 'a token from before the restart verifies (its key is now previous)');
    const after = String((await get(idp.url)).body['access_token']);
    assert.equal(decodeProtectedHeader(after).kid, rotatedKid, 'the rotation survived');
    const kept = await tokenRequest(idp.url, { client_id: made.client_id, client_secret: made.client_secret, audience: 'urn:kept', grant_type: 'client_credentials' });
    assert.equal(kept.status, 200, JSON.stringify(kept.body));
    await jwtVerify(String(kept.body['access_token']), jwks, { issuer: idp.issuer, audience: 'urn:kept', algorithms: ['ES256'] });
    assert.equal((await get(idp.url, { client_secret: 'wrong' })).status, 401);
  } finally {
    await idp.stop();
  }
  return dir;
}

test('SQLite: state survives a restart; private keys are sealed at rest with the master key', async (t) => {
  const dir = await survivesRestart(t, undefined, { GATEHOUSE_IDP_MASTER_KEY: MASTER });
  const files = readdirSync(join(dir, '.gatehouse'));
  assert.ok(files.includes('idp.sqlite'), files.join(' '));
  for (const f of files.filter((x) => x.startsWith('idp.sqlite'))) {
    assert.ok(!readFileSync(join(dir, '.gatehouse', f)).toString('latin1').includes('PRIVATE KEY'), `${f} holds a clear private key`);
  }
  // Without the master key the provider refuses to start instead of failing later.
  await assert.rejects(startIdp(dir, { port: 0 }, { env: { GATEHOUSE_IDP_MASTER_KEY: '' } }), /GATEHOUSE_IDP_MASTER_KEY/);
});

test('PostgreSQL: state survives a restart', async (t) => {
  const url = postgresUrlOrSkip(t);
  if (url === null) return;
  const schema = `idp_e2e_${process.pid}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  try {
    const scoped = `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    await survivesRestart(t, scoped, {});
    const n = await admin.query(`SELECT count(*)::int AS n FROM ${schema}.idp_clients WHERE name = 'Kept client'`);
    assert.equal((n.rows[0] as { n: number }).n, 1, 'the records are in PostgreSQL');
  } finally {
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  }
});
