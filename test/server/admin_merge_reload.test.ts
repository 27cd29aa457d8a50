/** `--workers`: how the primary sums its workers' reload answers (src/server/admin_merge.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeReloads } from '../../src/server/admin_merge.ts';

const ok = { applied: true, errors: [] };

test('every worker applied: applied, no errors; one rejected: its errors', () => {
  assert.deepEqual(mergeReloads([{ pid: 1, result: ok }, { pid: 2, result: ok }]), { applied: true, errors: [] });
  assert.deepEqual(mergeReloads([{ pid: 1, result: ok }, { pid: 2, result: { applied: false, errors: ['deployments[0]: bad'] } }]), { applied: false, errors: ['deployments[0]: bad'] });
});

test('regression: a worker that did not answer is named in the errors, not a "rejected" reload with no error while the other worker applied it', () => {
  const r = mergeReloads([{ pid: 11, result: ok }, { pid: 12, result: null }]);
  assert.equal(r.applied, false);
  assert.equal(r.errors.length, 1);
  assert.match(r.errors[0]!, /^worker 12 did not answer: .*send the reload again$/);
});
