/**
 * The subscriber store: the same contract on SQLite and on PostgreSQL (when one is available),
 * client tokens hashed at rest (the database never holds a token), a revision that moves with
 * every change (what gateways poll), and refusals with their HTTP status.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import {
  CLIENT_TOKEN_PREFIX,
  generateClientToken,
  hashClientToken,
  SubscriberError,
  SubscriberStore,
  subscriberDatabase,
} from '../../src/state/subscribers.ts';
import { postgresUrlOrSkip } from '../idp/postgres_env.ts';

/** Runs the store contract; returns every token it was handed, for the at-rest checks. */
async function exercise(open: () => SubscriberStore): Promise<string[]> {
  const tokens: string[] = [];
  let store = open();
  await store.migrate();
  await store.migrate(); // idempotent
  const rev0 = await store.revision();
  const created = await store.create({ id: 'acme', displayName: 'Acme Corp', usagePlans: ['gold', 'free'], clients: ['web', 'batch'] });
  tokens.push(...created.tokens.map((t) => t.token));
  assert.deepEqual(created.tokens.map((t) => t.name), ['web', 'batch']);
  assert.equal(await store.revision(), rev0 + 1, 'one write, one revision');
  const added = await store.addClient('acme', 'mobile');
  tokens.push(added.token);
  assert.equal(added.client.tokenHash, hashClientToken(added.token));
  await store.close();

  store = open();
  const loaded = await store.load();
  assert.equal(loaded.revision, rev0 + 2);
  const acme = loaded.subscribers.find((s) => s.id === 'acme');
  assert.ok(acme !== undefined);
  assert.equal(acme.displayName, 'Acme Corp');
  assert.deepEqual(acme.usagePlans, ['gold', 'free'], 'plan order is kept');
  assert.deepEqual(acme.clients.map((c) => c.name).sort(), ['batch', 'mobile', 'web']);
  assert.deepEqual(new Set(acme.clients.map((c) => c.tokenHash)), new Set(tokens.map(hashClientToken)));

  await assert.rejects(store.create({ id: 'acme', displayName: 'again', usagePlans: ['gold'] }), (e: unknown) => e instanceof SubscriberError && e.status === 409);
  await assert.rejects(store.addClient('acme', 'web'), (e: unknown) => e instanceof SubscriberError && e.status === 409);
  await assert.rejects(store.addClient('nobody', 'web'), (e: unknown) => e instanceof SubscriberError && e.status === 404);
  await assert.rejects(store.create({ id: 'bad id', displayName: 'x', usagePlans: ['gold'] }), (e: unknown) => e instanceof SubscriberError && e.status === 400);
  await assert.rejects(store.create({ id: 'x', displayName: 'x', usagePlans: [] }), (e: unknown) => e instanceof SubscriberError && e.status === 400);
  await assert.rejects(store.addClient('acme', 'a/b'), (e: unknown) => e instanceof SubscriberError && e.status === 400);
  assert.equal(await store.revision(), rev0 + 2, 'refused changes do not move the revision');

  assert.equal(await store.removeClient('acme', 'batch'), true);
  assert.equal(await store.removeClient('acme', 'batch'), false);
  assert.deepEqual((await store.load()).subscribers.find((s) => s.id === 'acme')?.clients.map((c) => c.name).sort(), ['mobile', 'web']);
  assert.equal(await store.delete('acme'), true);
  assert.equal(await store.delete('acme'), false);
  assert.deepEqual((await store.load()).subscribers, []);
  // A deleted subscriber's client names and tokens are gone with it.
  await store.create({ id: 'acme', displayName: 'Acme again', usagePlans: ['gold'], clients: ['web'] });
  assert.deepEqual((await store.load()).subscribers.map((s) => s.clients.length), [1]);
  await store.close();
  return tokens;
}

test('SQLite: subscribers survive reopening and no client token is stored, only its SHA-256', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'subscribers-'));
  try {
    const tokens = await exercise(() => SubscriberStore.open('nested/idp.sqlite', dir));
    const file = join(dir, 'nested/idp.sqlite');
    const db = new Database(file, { readonly: true });
    const rows = db.prepare('SELECT token_hash FROM gw_subscriber_clients').all() as { token_hash: string }[];
    db.close();
    for (const r of rows) assert.match(r.token_hash, /^[0-9a-f]{64}$/);
    // Every file of the database (main, WAL, shared memory): no token, in any part.
    for (const name of readdirSync(join(dir, 'nested'))) {
      const bytes = readFileSync(join(dir, 'nested', name)).toString('latin1');
      for (const token of tokens) {
        assert.ok(!bytes.includes(token), `${name} holds a client token`);
        assert.ok(!bytes.includes(token.slice(CLIENT_TOKEN_PREFIX.length, CLIENT_TOKEN_PREFIX.length + 20)), `${name} holds part of a client token`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('PostgreSQL: the same store contract, tokens hashed at rest', async (t) => {
  const url = postgresUrlOrSkip(t);
  if (url === null) return;
  const schema = `subscribers_test_${process.pid}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  try {
    const scoped = `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    const tokens = await exercise(() => SubscriberStore.open(scoped, '/'));
    const rows = (await admin.query(`SELECT token_hash FROM ${schema}.gw_subscriber_clients`)).rows as { token_hash: string }[];
    assert.equal(rows.length, 1);
    const all = JSON.stringify((await admin.query(`SELECT * FROM ${schema}.gw_subscriber_clients`)).rows);
    for (const token of tokens) assert.ok(!all.includes(token));
  } finally {
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  }
});

test('generated client tokens: recognisable prefix, 32 random bytes in base64url, never twice the same', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const t = generateClientToken();
    assert.match(t, /^ghk_[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(t.slice(4), 'base64url').length, 32);
    seen.add(t);
  }
  assert.equal(seen.size, 1000);
  assert.equal(hashClientToken('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', 'hex SHA-256 (FIPS 180-2 test vector)');
});

test('subscriberDatabase: state.database, else identityProvider.database, else the token service default', () => {
  assert.equal(subscriberDatabase({ state: { database: 'postgres://db/gw' }, identityProvider: { database: 'idp.sqlite' } }), 'postgres://db/gw');
  assert.equal(subscriberDatabase({ identityProvider: { database: 'idp.sqlite' } }), 'idp.sqlite');
  assert.equal(subscriberDatabase({}), '.gatehouse/idp.sqlite');
});
