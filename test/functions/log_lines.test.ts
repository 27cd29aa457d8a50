import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { MAX_LOG_LINE_BYTES, splitLines } from '../../src/functions/log_lines.ts';

function collect(maxBytes?: number): { stream: PassThrough; lines: [string, boolean][] } {
  const stream = new PassThrough();
  const lines: [string, boolean][] = [];
  splitLines(stream, (line, truncated) => lines.push([line, truncated]), maxBytes);
  return { stream, lines };
}

test('lines split across chunks, CRLF and a last line without newline', async () => {
  const { stream, lines } = collect();
  stream.write('one\r\ntw');
  stream.write('o\n\nthree');
  stream.end();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(lines, [['one', false], ['two', false], ['', false], ['three', false]]);
});

test('regression: function stdout/stderr lines are capped in length: a line without newline is handed on truncated at the cap, without waiting for its end', async () => {
  const { stream, lines } = collect(8);
  stream.write('abcdefghijkl'); // over the cap, no newline yet
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(lines, [['abcdefgh', true]], 'handed on at the cap, before any newline');
  stream.write('x'.repeat(1000)); // the rest of the same line is dropped
  stream.write('yy\nnext\n');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(lines, [['abcdefgh', true], ['next', false]]);
});

test('a line exactly at the cap is whole, one byte more is truncated', async () => {
  const { stream, lines } = collect(4);
  stream.write('abcd\nabcde\n');
  stream.write('abcd');
  stream.write('\n');
  stream.end();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(lines, [['abcd', false], ['abcd', true], ['abcd', false]]);
});

test('the default cap is 16 KiB', () => {
  assert.equal(MAX_LOG_LINE_BYTES, 16 * 1024);
});
