import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSparse } from '../../../src/console/ui/components/sparse.ts';

test('regression: a series with one value between gaps is drawn as points (it drew nothing as a line)', () => {
  assert.equal(isSparse([null, null, 120, null, null, null]), true);
  assert.equal(isSparse([1, 2]), true);
  assert.equal(isSparse([]), true);
  assert.equal(isSparse([1, null, 2, 3]), false);
});
