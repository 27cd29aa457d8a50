import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../src/lib/clock.ts';
import { createMemoryCache, createMemoryStore } from '../../src/state/memory.ts';
import { eventually } from '../helpers/eventually.ts';

const limit = (points: number, windowSeconds = 60, name = 'test') => ({ name, points, windowSeconds });

test('memory counters: allow `points` hits per key and window, then refuse with the time left', async () => {
  const store = createMemoryStore();
  const spec = limit(3);
  const seen = [];
  for (let i = 0; i < 4; i++) seen.push(await store.counters.consume(spec, 'a'));
  assert.deepEqual(seen.map((c) => [c.allowed, c.remaining]), [[true, 2], [true, 1], [true, 0], [false, 0]]);
  for (const c of seen) assert.ok(c.resetMs > 59_000 && c.resetMs <= 60_000, `resetMs ${c.resetMs}`);
  assert.equal((await store.counters.consume(spec, 'b')).allowed, true, 'another key counts apart');
  assert.equal((await store.counters.consume(limit(3, 60, 'other'), 'a')).allowed, true, 'another limit counts apart');
});

test('memory counters: a window ends and the count starts again', async () => {
  const store = createMemoryStore();
  const spec = limit(1, 1);
  assert.equal((await store.counters.consume(spec, 'k')).allowed, true);
  assert.equal((await store.counters.consume(spec, 'k')).allowed, false);
  await eventually('the 1 s window ended', async () => (await store.counters.consume(spec, 'k')).allowed, { timeoutMs: 3000, intervalMs: 100 });
});

test('memory counters: windowSeconds overrides the window of a key being started, not of a running one', async () => {
  const store = createMemoryStore();
  const spec = limit(5, 60);
  const first = await store.counters.consume(spec, 'k', 3600);
  assert.ok(first.resetMs > 3_500_000, `resetMs ${first.resetMs}`);
  const running = await store.counters.consume(spec, 'k', 10);
  assert.ok(running.resetMs > 3_500_000, 'the running window keeps its end');
});

test('memory counters: a reload that changes points under the same name keeps the count', async () => {
  const store = createMemoryStore();
  for (let i = 0; i < 3; i++) await store.counters.consume(limit(3), 'k');
  assert.equal((await store.counters.consume(limit(3), 'k')).allowed, false);
  const raised = await store.counters.consume(limit(10), 'k');
  assert.deepEqual([raised.allowed, raised.remaining], [true, 5]);
});

test('memory cache: getNow answers at once what get resolves to — the same Buffer — and null once expired', async () => {
  const clock = new ManualClock();
  const cache = createMemoryCache({ clock });
  const value = Buffer.from('entry');
  await cache.set('k', value, 1000);
  assert.equal(cache.getNow('k'), value, 'the stored Buffer itself (the response cache decodes each entry once, by Buffer)');
  assert.equal(await cache.get('k'), value);
  assert.equal(cache.getNow('never'), null);
  clock.advance(1000);
  assert.equal(cache.getNow('k'), null);
  assert.equal(cache.size, 0, 'an expired entry is dropped when read');
  const store = createMemoryStore({ clock });
  await store.cache.set('s', value, 1000);
  assert.equal(store.cache.getNow?.('s'), value, 'the store offers it too');
});

test('memory cache: a value lives for its TTL (injected clock)', async () => {
  const clock = new ManualClock();
  const cache = createMemoryCache({ clock });
  await cache.set('k', Buffer.from([0, 1, 255]), 1000);
  assert.deepEqual(await cache.get('k'), Buffer.from([0, 1, 255]));
  clock.advance(999);
  assert.notEqual(await cache.get('k'), null);
  clock.advance(1);
  assert.equal(await cache.get('k'), null);
  assert.equal(cache.size, 0, 'an expired entry is dropped when read');
  assert.equal(await cache.get('never'), null);
});

test('memory cache: a value over maxEntryBytes is not stored (and replaces no older value)', async () => {
  const cache = createMemoryCache({ maxEntryBytes: 100 });
  await cache.set('k', Buffer.alloc(100), 60_000);
  assert.equal((await cache.get('k'))?.length, 100);
  await cache.set('k', Buffer.alloc(101), 60_000);
  assert.equal(await cache.get('k'), null, 'a stale smaller value is not served in place of the refused one');
});

test('memory cache: the bytes held stay within maxBytes, oldest entries going first', async () => {
  const maxBytes = 64 * 1024;
  const cache = createMemoryCache({ maxBytes, maxEntryBytes: 8 * 1024 });
  for (let i = 0; i < 200; i++) {
    await cache.set(`k${i}`, Buffer.alloc(1024, i), 60_000);
    assert.ok(cache.bytes <= maxBytes, `${cache.bytes} bytes held after ${i + 1} sets`);
  }
  assert.equal((await cache.get('k199'))?.[0], 199, 'the newest entry is kept');
  assert.equal(await cache.get('k0'), null, 'the oldest entry went');
});

test('memory store: configureCache applies new bounds and keeps the counts', async () => {
  const store = createMemoryStore({ maxEntryBytes: 10 });
  await store.counters.consume(limit(2), 'k');
  await store.cache.set('big', Buffer.alloc(20), 60_000);
  assert.equal(await store.cache.get('big'), null);
  store.configureCache({ maxEntryBytes: 100 });
  await store.cache.set('big', Buffer.alloc(20), 60_000);
  assert.equal((await store.cache.get('big'))?.length, 20);
  assert.deepEqual(store.cacheUsage().entries, 1);
  assert.equal((await store.counters.consume(limit(2), 'k')).remaining, 0, 'the count went on');
  assert.deepEqual(store.health(), { kind: 'memory', target: 'memory', up: true, lastError: null, downSince: null, failures: 0 });
});
