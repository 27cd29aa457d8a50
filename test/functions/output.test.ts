/**
 * What a function writes, and what it fails with, as the gateway logs it: real FDK functions in
 * child processes (test/fixtures/functions) behind the real function backend.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { MAX_LOG_LINE_BYTES } from '../../src/functions/log_lines.ts';
import { FIXTURES, startHarness, type Harness } from './harness.ts';
import { eventually } from '../helpers/eventually.ts';

let h: Harness;

before(async () => {
  h = await startHarness({ longline: { path: 'longline' }, missing: { path: 'missing_module' } });
});

after(async () => {
  await h.close();
});

test('regression: function stdout/stderr lines are capped in length: a 10 MB line without newline is logged truncated at 16 KiB', async () => {
  const r1 = await fetch(`${h.url}/longline`);
  assert.equal(r1.status, 200);
  // The line has no newline yet: it is logged as soon as it reaches the cap, not held whole.
  await eventually('the long line was logged, truncated', () => h.logs.some((l) => l['fnId'] === 'longline' && l['truncated'] === true));
  const long = h.logs.filter((l) => l['fnId'] === 'longline' && l['stream'] === 'stdout');
  assert.equal(long.length, 1);
  assert.equal(String(long[0]!['msg']).length, MAX_LOG_LINE_BYTES);
  assert.equal(long[0]!['msg'], 'x'.repeat(MAX_LOG_LINE_BYTES));
  const r2 = await fetch(`${h.url}/longline`);
  assert.equal(r2.status, 200);
  await eventually('the next line is logged whole', () => h.logs.some((l) => l['fnId'] === 'longline' && l['msg'] === 'after the long line'));
  const after = h.logs.find((l) => l['msg'] === 'after the long line')!;
  assert.equal(after['truncated'], undefined);
  assert.equal(h.logs.filter((l) => l['fnId'] === 'longline' && l['stream'] === 'stdout').length, 2, 'the rest of the long line was dropped');
});

test('regression: a function that fails to start (missing module) names the cause and the fix in one log record', async () => {
  const r = await fetch(`${h.url}/missing`);
  assert.equal(r.status, 502);
  assert.deepEqual(await r.json(), { code: 502, message: 'Function could not be started' });
  const dir = join(FIXTURES, 'missing_module');
  const failed = h.logs.filter((l) => l['fnId'] === 'missing' && l['msg'] === 'function container failed to start');
  assert.equal(failed.length, 1);
  const detail = String(failed[0]!['detail']);
  assert.match(detail, /^exited before listening \(code 1, signal none\): Error: Cannot find module 'gatehouse-fixture-not-installed'/);
  assert.ok(detail.endsWith(`(fix: run "npm install" in ${dir})`), detail);
  assert.ok((failed[0]!['output'] as string[]).some((l) => l.includes('Require stack:')), 'the first lines are kept beside it');
  // No flood: the function's lines are not logged one by one, and no "container exited" warning.
  assert.deepEqual(h.logs.filter((l) => l['fnId'] === 'missing' && (l['stream'] !== undefined || l['msg'] === 'function container exited')), []);
  const call = h.logs.find((l) => l['fnId'] === 'missing' && l['msg'] === 'function call failed');
  assert.equal(call?.['detail'], detail, 'the call failure carries the same explanation');
});
