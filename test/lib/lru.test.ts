import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lru } from '../../src/lib/lru.ts';

test('keeps at most maxEntries and evicts the least recently used', () => {
  const lru = new Lru<string, number>({ maxEntries: 4 });
  for (let i = 0; i < 100; i++) lru.set(`k${i}`, i);
  assert.ok(lru.size <= 4);
  assert.equal(lru.get('k99'), 99);
  assert.equal(lru.get('k0'), undefined);
});

test('a recently read entry survives rotations that drop unread ones', () => {
  const lru = new Lru<string, number>({ maxEntries: 4 });
  lru.set('hot', 1);
  for (let i = 0; i < 20; i++) {
    lru.set(`k${i}`, i);
    assert.equal(lru.get('hot'), 1, `round ${i}`);
  }
});

test('bounded in bytes too; values larger than a generation are not kept', () => {
  const lru = new Lru<string, string>({ maxEntries: 1000, maxBytes: 1000 });
  for (let i = 0; i < 50; i++) lru.set(`k${i}`, 'x', 100);
  assert.ok(lru.bytes <= 1000);
  lru.set('huge', 'x', 600);
  assert.equal(lru.get('huge'), undefined);
});

test('delete and prune remove entries and their bytes', () => {
  const lru = new Lru<string, number>({ maxEntries: 10 });
  lru.set('a', 1, 10);
  lru.set('b', 2, 10);
  lru.set('c', 3, 10);
  assert.ok(lru.delete('a'));
  assert.equal(lru.prune((v) => v === 2), 1);
  assert.equal(lru.size, 1);
  assert.equal(lru.bytes, 10);
});
