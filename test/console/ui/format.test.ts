import { test } from 'node:test';
import assert from 'node:assert/strict';
import { duration, num, relative } from '../../../src/console/ui/format.ts';

test('num keeps few digits, enough to see a change, and a dash for no value', () => {
  assert.deepEqual([num(0), num(3), num(0.05), num(1.234), num(12.34), num(1234.5)], ['0', '3', '0.05', '1.23', '12.3', '1235']);
  assert.deepEqual([num(null), num(undefined), num(NaN), num(Infinity)], ['–', '–', '–', '–']);
});

test('duration and relative read seconds as s, min, h, d', () => {
  assert.deepEqual([duration(42), duration(300), duration(3 * 3600), duration(3 * 86400), duration(-1), duration(null)], ['42 s', '5 min', '3 h', '3 d', '–', '–']);
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(relative('2026-01-01T00:00:30Z', now), 'in 30 s');
  assert.equal(relative('2025-12-31T23:58:00Z', now), '2 min ago');
  assert.equal(relative(null, now), '–');
  assert.equal(relative('not a time', now), 'not a time');
});
