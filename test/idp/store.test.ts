import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createKeyEnvelope } from '../../src/idp/key_envelope.ts';
import { apiRecord, clientRecord } from '../../src/idp/operations.ts';
import { ensureFamily } from '../../src/idp/signing_keys.ts';
import { IdpStore, openDriver } from '../../src/idp/store/store.ts';
import { postgresUrlOrSkip } from './postgres_env.ts';

const now = new Date('2026-11-28T10:00:00Z');

async function exercise(open: () => IdpStore): Promise<void> {
  let store = open();
  await store.migrate();
  await store.migrate(); // idempotent
  const rev0 = await store.revision();
  const api = apiRecord({ identifier: 'hs', signingAlg: 'HS256', signingSecret: 'sixteen-characters!', scopes: ['a'] }, null, 'config', now);
  const client = clientRecord({ name: 'c', clientId: 'c1', clientSecret: 's' }, 'managed', now).client;
  const keys = await ensureFamily([], 'ES256', now, 'localhost');
  await store.write(async (tx) => {
    await tx.putApi(api);
    await tx.putClient(client);
    await tx.putGrant({ id: 'g1', clientId: 'c1', apiId: api.id, scopes: ['a'] });
    for (const k of keys) await tx.putKey(k);
  });
  assert.equal(await store.revision(), rev0 + 1);
  await store.close();

  store = open();
  const c = await store.load();
  assert.deepEqual(c.apis.find((a) => a.id === api.id), api);
  assert.deepEqual(c.clients.find((x) => x.clientId === 'c1'), client);
  assert.deepEqual(c.grants.find((g) => g.id === 'g1'), { id: 'g1', clientId: 'c1', apiId: api.id, scopes: ['a'] });
  for (const k of keys) assert.deepEqual(c.keys.find((x) => x.kid === k.kid), k);

  await store.write(async (tx) => tx.deleteApi(api.id));
  const after = await store.load();
  assert.ok(!after.apis.some((a) => a.id === api.id));
  assert.ok(!after.grants.some((g) => g.id === 'g1'), 'deleting an API deletes its grants');
  await store.write(async (tx) => {
    await tx.deleteClient('c1');
    for (const k of keys) await tx.putKey({ ...k, state: 'revoked' });
  });
  await store.close();
}

test('SQLite: records survive reopening, private keys and HS256 secrets are sealed at rest', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'idp-store-'));
  try {
    const file = join(dir, 'nested/idp.sqlite');
    await exercise(() => new IdpStore(openDriver('nested/idp.sqlite', dir), createKeyEnvelope('master')));
    const db = new Database(file, { readonly: true });
    const rows = db.prepare('SELECT private_key FROM idp_keys').all() as { private_key: string }[];
    db.close();
    assert.ok(rows.length > 0);
    for (const r of rows) assert.match(r.private_key, /^aes256gcm:v1:/);
    assert.ok(!readFileSync(file).toString('latin1').includes('PRIVATE KEY'));
    const wrongKey = new IdpStore(openDriver(file, dir), createKeyEnvelope('other'));
    await assert.rejects(wrongKey.load(), /wrong GATEHOUSE_IDP_MASTER_KEY/);
    await wrongKey.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('PostgreSQL: the same store contract', async (t) => {
  const url = postgresUrlOrSkip(t);
  if (url === null) return;
  const schema = `idp_test_${process.pid}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  try {
    const scoped = `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    await exercise(() => new IdpStore(openDriver(scoped, '/'), createKeyEnvelope(undefined)));
    const rows = await admin.query(`SELECT count(*)::int AS n FROM ${schema}.idp_keys`);
    assert.ok((rows.rows[0] as { n: number }).n > 0);
  } finally {
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  }
});
