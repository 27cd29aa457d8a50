import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addHeader, type HeaderMap } from '../../src/lib/header_map.ts';

test('repeated names become arrays, in order', () => {
  const out: HeaderMap = {};
  addHeader(out, 'set-cookie', 'a=1');
  addHeader(out, 'x-one', 'x');
  addHeader(out, 'set-cookie', 'b=2');
  addHeader(out, 'set-cookie', 'c=3');
  assert.deepEqual(out, { 'set-cookie': ['a=1', 'b=2', 'c=3'], 'x-one': 'x' });
});

test('regression: constructor and __proto__ are headers like any other (constructor was doubled with Object itself)', () => {
  const out: HeaderMap = {};
  addHeader(out, 'constructor', 'c');
  addHeader(out, '__proto__', 'p');
  assert.deepEqual(Object.keys(out), ['constructor', '__proto__']);
  assert.equal(out['constructor'], 'c');
  assert.equal(Object.getOwnPropertyDescriptor(out, '__proto__')?.value, 'p');
  assert.equal(Object.getPrototypeOf(out), Object.prototype, 'the map itself is untouched');
  addHeader(out, 'constructor', 'd');
  assert.deepEqual(out['constructor'], ['c', 'd']);
});
