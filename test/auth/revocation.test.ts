/**
 * The revocation list (src/auth/revocation.ts) and its admin API (revocation_admin.ts): local
 * behaviour with an injected clock, and the shared list on a real redis-server (two stores on one
 * server stand for two gateways).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { RevocationList, RETAIN_AFTER_EXP_SEC, REVOCATIONS_MAX } from '../../src/auth/revocation.ts';
import { answerRevocations } from '../../src/auth/revocation_admin.ts';
import { REVOCATIONS_KEY, REVOCATIONS_SET } from '../../src/auth/revocation_compile.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import { SharedRegistry } from '../../src/lib/shared_registry.ts';
import { createRedisStore, settingsFromUrl } from '../../src/state/redis.ts';
import { collectingLogger } from '../helpers/log_sink.ts';
import { eventually } from '../helpers/eventually.ts';
import { redisOrSkip, startRedis } from '../helpers/redis.ts';

const T0 = Date.UTC(2026, 0, 1);
const nowSec = T0 / 1000;

function localList(maxEntries?: number) {
  const clock = new ManualClock(T0);
  const { log, records } = collectingLogger('info');
  return { list: new RevocationList({ log, clock, ...(maxEntries !== undefined ? { maxEntries } : {}) }), clock, records };
}

test('a revoked jti is on the list until an hour after its exp; other values never match', async () => {
  const { list, clock } = localList();
  assert.equal(list.size, 0);
  assert.deepEqual(await list.revoke('a', nowSec + 60), { result: 'added', shared: null });
  assert.deepEqual(await list.revoke('a', nowSec + 120), { result: 'updated', shared: null });
  await list.revoke('b', nowSec + 30);
  assert.ok(list.has('a') && list.has('b'));
  for (const other of ['c', undefined, 42, null, ['a']]) assert.equal(list.has(other), false, String(other));
  assert.deepEqual(list.list(), [{ jti: 'b', exp: nowSec + 30 }, { jti: 'a', exp: nowSec + 120 }]);
  clock.advance((30 + RETAIN_AFTER_EXP_SEC - 1) * 1000);
  assert.equal(list.list().length, 2, 'kept while a policy with the largest skew could still accept b');
  clock.advance(1000);
  assert.deepEqual(list.list(), [{ jti: 'a', exp: nowSec + 120 }]);
  assert.deepEqual(await list.unrevoke('a'), { result: true, shared: null });
  assert.deepEqual(await list.unrevoke('a'), { result: false, shared: null });
  assert.equal(list.size, 0);
});

test('the list is bounded: past maxEntries a revocation is refused, unless expired entries make room', async () => {
  const { list, clock } = localList(2);
  assert.equal(REVOCATIONS_MAX, 100_000);
  await list.revoke('a', nowSec + 10);
  await list.revoke('b', nowSec + 1000);
  assert.equal((await list.revoke('c', nowSec + 10)).result, 'full');
  assert.equal((await list.revoke('a', nowSec + 20)).result, 'updated', 'moving an entry needs no room');
  clock.advance((20 + RETAIN_AFTER_EXP_SEC) * 1000);
  assert.equal((await list.revoke('c', nowSec + 5000)).result, 'added', 'a sweep made room');
  assert.equal(list.has('a'), false);
});

function registryWith(list: RevocationList): SharedRegistry {
  const registry = new SharedRegistry();
  registry.acquire(REVOCATIONS_KEY, () => list, () => undefined);
  return registry;
}

test('admin API: POST adds (201) or moves (200), GET lists jti and expiry, DELETE removes (204, then 404)', async () => {
  const { list } = localList();
  const registry = registryWith(list);
  const at = (method: string, path: string, body = '') => answerRevocations(registry, method, path, body, T0);
  const added = await at('POST', '/admin/revocations', JSON.stringify({ jti: 'tok-1', exp: nowSec + 600 }));
  assert.equal(added.status, 201);
  assert.deepEqual(added.value, { jti: 'tok-1', exp: nowSec + 600, shared: null });
  assert.equal((await at('POST', '/admin/revocations', JSON.stringify({ jti: 'tok-1', exp: nowSec + 900 }))).status, 200);
  await at('POST', '/admin/revocations', JSON.stringify({ jti: 'a/b c', exp: nowSec + 60 }));
  const listed = await at('GET', '/admin/revocations');
  assert.equal(listed.status, 200);
  assert.deepEqual(listed.value, {
    count: 2,
    max: REVOCATIONS_MAX,
    shared: null,
    revocations: [
      { jti: 'a/b c', exp: nowSec + 60, expiresAt: new Date((nowSec + 60) * 1000).toISOString() },
      { jti: 'tok-1', exp: nowSec + 900, expiresAt: new Date((nowSec + 900) * 1000).toISOString() },
    ],
  });
  assert.deepEqual(await at('DELETE', `/admin/revocations/${encodeURIComponent('a/b c')}`), { status: 204, value: null });
  assert.equal((await at('DELETE', '/admin/revocations/a%2Fb%20c')).status, 404);
  assert.equal(list.size, 1);
  const batch = await at('POST', '/admin/revocations', JSON.stringify({ revocations: [{ jti: 'x', exp: nowSec + 5 }, { jti: 'tok-1', exp: nowSec + 5 }, { jti: 'old', exp: nowSec - 2 * RETAIN_AFTER_EXP_SEC }] }));
  assert.deepEqual(batch, { status: 200, value: { added: 1, updated: 1, skipped: 1, shared: null } });
});

test('admin API: bad input is a 400 naming the problem; other methods 405; a full list 507', async () => {
  const { list } = localList(1);
  const registry = registryWith(list);
  const at = (method: string, path: string, body = '') => answerRevocations(registry, method, path, body, T0);
  const cases: [string, RegExp][] = [
    ['not json', /must be JSON/],
    ['[]', /must be an object/],
    [JSON.stringify({ jti: '', exp: nowSec }), /jti must be a non-empty string/],
    [JSON.stringify({ jti: 'x'.repeat(257), exp: nowSec }), /longer than 256/],
    [JSON.stringify({ jti: 'a', exp: '1700000000' }), /exp must be the token's exp claim/],
    [JSON.stringify({ jti: 'a', exp: 1.5 }), /exp must be the token's exp claim/],
    [JSON.stringify({ jti: 'a', exp: T0 + 600_000 }), /looks like milliseconds/],
    [JSON.stringify({ jti: 'a', exp: nowSec - RETAIN_AFTER_EXP_SEC }), /refused as expired already/],
    [JSON.stringify({ jti: 'a', exp: nowSec, token: 'eyJ...' }), /body.token is not a field/],
    [JSON.stringify({ revocations: {} }), /a batch is/],
    [JSON.stringify({ revocations: [{ jti: 'a' }] }), /revocations\[0\].exp/],
  ];
  for (const [body, message] of cases) {
    const a = await at('POST', '/admin/revocations', body);
    assert.equal(a.status, 400, body);
    assert.match((a.value as { message: string }).message, message, body);
  }
  assert.equal((await at('PUT', '/admin/revocations')).status, 405);
  assert.equal((await at('GET', '/admin/revocations/a')).status, 405);
  assert.equal((await at('DELETE', '/admin/revocations/a/b')).status, 404);
  assert.equal((await at('DELETE', '/admin/revocations/%E0%A4%A')).status, 400);
  assert.equal(list.size, 0, 'nothing was added by a refused request');
  assert.equal((await at('POST', '/admin/revocations', JSON.stringify({ jti: 'a', exp: nowSec + 5 }))).status, 201);
  const full = await at('POST', '/admin/revocations', JSON.stringify({ jti: 'b', exp: nowSec + 5 }));
  assert.equal(full.status, 507);
  assert.match((full.value as { message: string }).message, /revocation list is full \(1 entries\)/);
  assert.equal((await answerRevocations(new SharedRegistry(), 'GET', '/admin/revocations', '')).status, 503, 'no plan compiled yet');
});

async function sharedPair(t: TestContext) {
  if (redisOrSkip(t) === null) return null;
  const redis = await startRedis();
  t.after(() => redis.close());
  const make = () => {
    const { log, records } = collectingLogger('info');
    const store = createRedisStore(settingsFromUrl(redis.url, { commandTimeoutMs: 300, connectTimeoutMs: 300 }), { log });
    const list = new RevocationList({ log });
    const detach = list.attach(store.expiringSet!(REVOCATIONS_SET), store.health().target);
    t.after(async () => {
      detach();
      await store.close();
    });
    return { store, list, records };
  };
  const a = make();
  const b = make();
  await eventually('both connected', () => a.store.health().up && b.store.health().up);
  return { redis, a, b };
}

test('shared: a revocation made on one gateway reaches another on the same Redis; so does its removal', async (t) => {
  const env = await sharedPair(t);
  if (env === null) return;
  const { a, b } = env;
  const exp = Math.floor(Date.now() / 1000) + 600;
  assert.deepEqual(await a.list.revoke('shared-1', exp), { result: 'added', shared: true });
  assert.equal(a.list.has('shared-1'), true, 'at once on the gateway that made it');
  await eventually('b polls it in', () => b.list.has('shared-1'), { timeoutMs: 3000 });
  assert.deepEqual(b.list.list(), [{ jti: 'shared-1', exp }]);
  assert.deepEqual(await b.list.revoke('shared-1', exp), { result: 'updated', shared: true });
  assert.deepEqual(await b.list.unrevoke('shared-1'), { result: true, shared: true });
  await eventually('a polls the removal in', () => !a.list.has('shared-1'), { timeoutMs: 3000 });
  assert.equal(b.list.syncState()?.up, true);
});

test('regression: the shared list\'s first poll, made as the plan is compiled, reported a Redis outage at every start (sent before the connection was open)', async (t) => {
  const env = await sharedPair(t);
  if (env === null) return;
  for (const g of [env.a, env.b]) {
    await eventually('the first poll is done', () => g.list.syncState()?.lastSyncAt !== null, { timeoutMs: 3000 });
    assert.deepEqual(g.records.filter((r) => (r['level'] as number) >= 40).map((r) => r['msg']), [], 'no warning');
    assert.equal(g.store.health().failures, 0, 'no failed command');
  }
});

test('shared: Redis down never fails a change; it applies here, is sent when Redis is back, and a Redis that came back empty is refilled', async (t) => {
  const env = await sharedPair(t);
  if (env === null) return;
  const { redis, a, b } = env;
  const exp = Math.floor(Date.now() / 1000) + 600;
  await a.list.revoke('before-outage', exp);
  await eventually('b has it', () => b.list.has('before-outage'), { timeoutMs: 3000 });
  await redis.stop();
  const during = await a.list.revoke('during-outage', exp);
  assert.deepEqual(during, { result: 'added', shared: false });
  assert.equal(a.list.has('during-outage'), true, 'enforced here at once');
  assert.equal(b.list.has('before-outage'), true, 'b keeps what it had');
  await eventually('a reports the outage', () => a.list.syncState()?.up === false, { timeoutMs: 3000 });
  assert.equal(a.list.syncState()?.unsynced, 1);
  assert.ok(a.records.some((r) => /revocation list: shared store unreachable/.test(String(r['msg']))), 'one warning');
  await redis.restart();
  // The server is back empty: b's version went backwards, so b sends before-outage again; a sends during-outage.
  await eventually('both entries reach both gateways', () => ['before-outage', 'during-outage'].every((j) => a.list.has(j) && b.list.has(j)), { timeoutMs: 8000 });
  await eventually('a is in sync again', () => a.list.syncState()?.up === true && a.list.syncState()?.unsynced === 0, { timeoutMs: 3000 });
  const members = await a.store.expiringSet!(REVOCATIONS_SET).members(0, 10);
  assert.deepEqual(members.map(([m]) => m).sort(), ['before-outage', 'during-outage'], 'Redis holds both again');
});
