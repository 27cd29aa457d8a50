import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Redis } from 'ioredis';
import { createRedisStore, redisSettingsKey, redisTarget, settingsFromUrl, type RedisSettings } from '../../src/state/redis.ts';
import { eventually } from '../helpers/eventually.ts';
import { collectingLogger } from '../helpers/log_sink.ts';
import { redisOrSkip, startRedis, type RunningRedis } from '../helpers/redis.ts';

async function redisFor(t: TestContext, password?: string): Promise<RunningRedis | null> {
  if (redisOrSkip(t) === null) return null;
  const redis = await startRedis(password !== undefined ? { password } : {});
  t.after(() => redis.close());
  return redis;
}

function storeOn(t: TestContext, url: string, extra: Parameters<typeof settingsFromUrl>[1] = {}) {
  const { log, records } = collectingLogger('info');
  const store = createRedisStore(settingsFromUrl(url, extra), { log });
  t.after(() => store.close());
  return { store, records };
}

const limit = { name: 'shared', points: 5, windowSeconds: 60 };

test('redis counters: two stores on one server (two gateways) share one count', async (t) => {
  const redis = await redisFor(t);
  if (redis === null) return;
  const a = storeOn(t, redis.url).store;
  const b = storeOn(t, redis.url).store;
  await eventually('both connected', () => a.health().up && b.health().up);
  const answers = [];
  for (let i = 0; i < 6; i++) answers.push(await (i % 2 === 0 ? a : b).counters.consume(limit, 'client-1'));
  assert.deepEqual(answers.map((c) => c.allowed), [true, true, true, true, true, false]);
  assert.deepEqual(answers.map((c) => c.remaining), [4, 3, 2, 1, 0, 0]);
  for (const c of answers) assert.ok(c.resetMs > 55_000 && c.resetMs <= 60_000, `resetMs ${c.resetMs}`);
  assert.equal((await b.counters.consume(limit, 'client-2')).allowed, true, 'another key counts apart');
  const quota = await a.counters.consume({ name: 'quota', points: 10, windowSeconds: 60 }, 'k', 3600);
  assert.ok(quota.resetMs > 3_500_000, `windowSeconds starts the key's window: resetMs ${quota.resetMs}`);
});

test('redis cache: values go through Redis as bytes under gatehouse: keys, live for their TTL, and large ones are not stored', async (t) => {
  const redis = await redisFor(t);
  if (redis === null) return;
  const a = storeOn(t, redis.url, { maxEntryBytes: 1000 }).store;
  const b = storeOn(t, redis.url).store;
  await eventually('both connected', () => a.health().up && b.health().up);
  const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80]);
  await a.cache.set('answer', bytes, 60_000);
  assert.deepEqual(await b.cache.get('answer'), bytes, 'written by one store, read by the other, byte for byte');
  assert.equal(await b.cache.get('absent'), null);
  const raw = new Redis({ port: redis.port, host: '127.0.0.1', lazyConnect: true });
  t.after(() => raw.disconnect());
  await raw.connect();
  const keys = await raw.keys('*');
  assert.ok(keys.length > 0 && keys.every((k) => k.startsWith('gatehouse:')), keys.join(', '));
  const ttl = await raw.pttl(keys.find((k) => k.endsWith('answer')) as string);
  assert.ok(ttl > 55_000 && ttl <= 60_000, `PX ttl ${ttl}`);
  await a.cache.set('short', bytes, 50);
  await eventually('the 50 ms entry expired', async () => (await b.cache.get('short')) === null, { timeoutMs: 3000 });
  await a.cache.set('big', Buffer.alloc(1001), 60_000);
  assert.equal(await b.cache.get('big'), null, 'over maxEntryBytes: not stored');
});

test('redis outage: operations fail at once, health shows it, one warning; the same store recovers when Redis is back', async (t) => {
  const redis = await redisFor(t);
  if (redis === null) return;
  const commandTimeoutMs = 500;
  const { store, records } = storeOn(t, redis.url, { commandTimeoutMs, connectTimeoutMs: 1000 });
  await eventually('connected', () => store.health().up);
  assert.equal((await store.counters.consume(limit, 'k')).allowed, true);

  await redis.stop();
  const started = Date.now();
  await assert.rejects(async () => store.counters.consume(limit, 'k'));
  await assert.rejects(store.cache.get('k'));
  await assert.rejects(store.cache.set('k', Buffer.from('v'), 1000));
  const took = Date.now() - started;
  assert.ok(took < commandTimeoutMs, `three failing operations took ${took} ms; they must not wait for a timeout`);
  await eventually('health shows the outage', () => !store.health().up);
  const down = store.health();
  assert.equal(down.kind, 'redis');
  assert.equal(down.target, `redis://127.0.0.1:${redis.port}/0`);
  assert.ok(down.downSince !== null && down.lastError !== null, JSON.stringify(down));
  assert.equal(down.failures, 3);
  for (let i = 0; i < 20; i++) await store.cache.get('k').catch(() => undefined);
  const warnings = () => records.filter((r) => r['level'] === 40);
  assert.equal(warnings().length, 1, `one warning per outage, not per operation: ${JSON.stringify(warnings())}`);

  await redis.restart();
  await eventually('the store reconnected on its own', () => store.health().up, { timeoutMs: 5000 });
  assert.deepEqual((await store.counters.consume(limit, 'k')).allowed, true);
  const up = store.health();
  assert.deepEqual([up.lastError, up.downSince, up.failures], [null, null, 23]);
  const infos = records.filter((r) => r['level'] === 30 && String(r['msg']).includes('reachable again'));
  assert.equal(infos.length, 1);
});

test('redis hung (SIGSTOP): a command fails after commandTimeoutMs instead of hanging, and the store recovers on SIGCONT', async (t) => {
  const redis = await redisFor(t);
  if (redis === null) return;
  const { store } = storeOn(t, redis.url, { commandTimeoutMs: 200 });
  await eventually('connected', () => store.health().up);
  process.kill(redis.pid, 'SIGSTOP');
  t.after(() => {
    try {
      process.kill(redis.pid, 'SIGCONT');
    } catch {
      // already gone
    }
  });
  const started = Date.now();
  await assert.rejects(async () => store.counters.consume(limit, 'k'), /timed out/i);
  const took = Date.now() - started;
  assert.ok(took >= 150 && took < 2000, `failed after ${took} ms`);
  assert.equal(store.health().up, false);
  assert.match(store.health().lastError ?? '', /timed out/i);
  process.kill(redis.pid, 'SIGCONT');
  await eventually('answers again', async () => (await store.cache.get('k').then(() => true, () => false)) && store.health().up);
});

test('redis password: the right one connects; a wrong one fails the operations and is never shown', async (t) => {
  const password = 'pw-7f3c9e';
  const redis = await redisFor(t, password);
  if (redis === null) return;
  const good = storeOn(t, redis.url, { password }).store;
  await eventually('connected with the password', () => good.health().up);
  assert.equal((await good.counters.consume(limit, 'k')).allowed, true);

  const wrong = 'wrong-5d1a';
  const { store: bad, records } = storeOn(t, `redis://:${wrong}@127.0.0.1:${redis.port}`);
  await eventually('the refusal is recorded', () => (bad.health().lastError ?? '').length > 0);
  await assert.rejects(async () => bad.counters.consume(limit, 'k'));
  const health = JSON.stringify(bad.health());
  assert.match(health, /WRONGPASS|NOAUTH|invalid/i);
  assert.ok(!health.includes(wrong) && !JSON.stringify(records).includes(wrong), 'the password is not in health or logs');
});

test('settingsFromUrl: host, port, database, TLS and credentials; targets and registry keys carry no password', () => {
  const s = settingsFromUrl('rediss://user:p%40ss@cache.internal:6380/2', { commandTimeoutMs: 250 });
  assert.deepEqual(
    { host: s.host, port: s.port, db: s.db, username: s.username, password: s.password, tls: s.tls, commandTimeoutMs: s.commandTimeoutMs, connectTimeoutMs: s.connectTimeoutMs },
    { host: 'cache.internal', port: 6380, db: 2, username: 'user', password: 'p@ss', tls: { rejectUnauthorized: true }, commandTimeoutMs: 250, connectTimeoutMs: 1000 },
  );
  assert.equal(redisTarget(s), 'rediss://cache.internal:6380/2');
  assert.ok(!redisSettingsKey(s).includes('p@ss'));
  assert.equal(settingsFromUrl('redis://:inurl@h', { password: 'field' }).password, 'field', 'the password field wins over the URL');
  const plain: RedisSettings = settingsFromUrl('redis://[::1]', {});
  assert.deepEqual([plain.host, plain.port, plain.db, plain.tls], ['::1', 6379, 0, null]);
  assert.equal(redisTarget(plain), 'redis://[::1]:6379/0');
  assert.notEqual(redisSettingsKey(plain), redisSettingsKey({ ...plain, password: 'x' }), 'another password is another connection');
  assert.throws(() => settingsFromUrl('http://h', {}), /redis:\/\//);
  assert.throws(() => settingsFromUrl('redis://h/abc', {}), /database number/);
});

test('regression: operations sent right after the store is made wait for its first connection instead of all failing open', async (t) => {
  const redis = await redisFor(t);
  if (redis === null) return;
  const { store } = storeOn(t, redis.url);
  assert.equal(store.health().up, false, 'not connected yet');
  const answers = await Promise.all([store.counters.consume(limit, 'start'), store.cache.set('k', Buffer.from('v'), 10_000)]);
  assert.equal(answers[0].allowed, true);
  assert.deepEqual(await store.cache.get('k'), Buffer.from('v'));
  assert.equal(store.health().failures, 0);
});

test('the first connection\'s wait is bounded: nothing listening fails at once, a silent server within connect + command timeouts', async (t) => {
  const redis = await redisFor(t);
  if (redis === null) return;
  const port = redis.port;
  await redis.stop();
  const refused = storeOn(t, `redis://127.0.0.1:${port}`).store;
  let started = Date.now();
  await assert.rejects(async () => refused.counters.consume(limit, 'k'));
  assert.ok(Date.now() - started < 500, `refused after ${Date.now() - started} ms`);

  await redis.restart();
  process.kill(redis.pid, 'SIGSTOP');
  t.after(() => {
    try {
      process.kill(redis.pid, 'SIGCONT');
    } catch {
      // gone
    }
  });
  const silent = storeOn(t, redis.url, { connectTimeoutMs: 300, commandTimeoutMs: 200 }).store;
  started = Date.now();
  await assert.rejects(silent.cache.get('k'));
  const took = Date.now() - started;
  assert.ok(took < 2000, `a silent server held the first operation ${took} ms`);
});
