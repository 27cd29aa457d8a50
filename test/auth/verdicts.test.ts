import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AuthReason } from '../../src/auth/types.ts';
import { ALL_REASONS, denial } from '../../src/auth/verdicts.ts';

// Exact type equality (both directions), checked by `tsc -p .`, which includes the tests.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const derivedFromTheList: Equal<AuthReason, (typeof ALL_REASONS)[number]> = true;
// The list is the source (a literal tuple), not a second copy typed by a hand-written union.
const listIsTheSource: Equal<(typeof ALL_REASONS)[0], 'ok'> = true;

test('regression: the AuthReason type is derived from its one list, ALL_REASONS', () => {
  assert.equal(derivedFromTheList && listIsTheSource, true);
  // stats.ts counts by position: 0 and 1 are the allowed outcomes.
  assert.deepEqual(ALL_REASONS.slice(0, 2), ['ok', 'anonymous']);
  assert.equal(new Set(ALL_REASONS).size, ALL_REASONS.length, 'no duplicates');
  for (const reason of ALL_REASONS.slice(2)) {
    const v = denial(reason);
    assert.equal(v.reason, reason);
    assert.ok([401, 403, 503].includes(v.status), reason);
  }
});

test('docs/token-validation.md lists every denial reason, in the list\'s order', () => {
  const doc = readFileSync(new URL('../../docs/token-validation.md', import.meta.url), 'utf8');
  const paragraph = /^Reasons: ([\s\S]*?); and `ok` \/ `anonymous` when allowed\.$/m.exec(doc);
  assert.ok(paragraph, 'the Reasons paragraph');
  const listed = [...paragraph[1]!.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]);
  assert.deepEqual(listed, ALL_REASONS.slice(2));
});
