/** `--workers`: the primary's /admin/functions and /admin/auth merge every worker's answer (src/server/admin_merge.ts). */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mergeAuthStates, sumFunctionStates } from '../../src/server/admin_merge.ts';
import type { FunctionState } from '../../src/lib/function_state.ts';

const local = (id: string, n: Partial<FunctionState>): FunctionState => ({ id, kind: 'local', containers: 0, busy: 0, idle: 0, starting: 0, queued: 0, coldStarts: 0, ...n });
const remote = (id: string): FunctionState => ({ id, kind: 'remote', containers: null, busy: null, idle: null, starting: null, queued: null, coldStarts: 0 });

it('sums each function over the workers; a function one worker lacks is kept; remote ones stay null', () => {
  const w1 = [local('a', { containers: 2, busy: 1, idle: 1, coldStarts: 2 }), remote('r')];
  const w2 = [local('a', { containers: 1, idle: 1, queued: 3, starting: 1, coldStarts: 1 }), local('b', { containers: 1, idle: 1, coldStarts: 1 }), remote('r')];
  assert.deepEqual(sumFunctionStates([w1, w2]), [
    { id: 'a', kind: 'local', containers: 3, busy: 1, idle: 2, starting: 1, queued: 3, coldStarts: 3 },
    remote('r'),
    local('b', { containers: 1, idle: 1, coldStarts: 1 }),
  ]);
  assert.deepEqual(sumFunctionStates([]), []);
});

it('merges /admin/auth: recent failures newest first with their worker, counts summed, key stores from the first', () => {
  const w1 = {
    jwks: [{ source: 'u', keys: [{ kid: 'k' }] }],
    decisions: { d: { reasons: { allowed: 2, signature_invalid: 1 }, cacheHits: 1, cacheMisses: 2 } },
    recentFailures: [{ at: '2026-01-01T00:00:03.000Z', deployment: 'd', reason: 'signature_invalid' }, { at: '2026-01-01T00:00:01.000Z', deployment: 'd', reason: 'expired' }],
    failuresByReason: { signature_invalid: 1, expired: 1 },
    warnings: [],
  };
  const w2 = {
    jwks: [{ source: 'u', keys: [] }],
    decisions: { d: { reasons: { allowed: 1, expired: 1 }, cacheHits: 0, cacheMisses: 1 }, e: { reasons: { allowed: 1 }, cacheHits: 0, cacheMisses: 1 } },
    recentFailures: [{ at: '2026-01-01T00:00:02.000Z', deployment: 'd', reason: 'expired' }],
    failuresByReason: { expired: 1 },
    warnings: [],
  };
  assert.deepEqual(mergeAuthStates([{ pid: 1, state: w1 }, { pid: 2, state: w2 }]), {
    jwks: w1.jwks,
    warnings: [],
    decisions: { d: { reasons: { allowed: 3, signature_invalid: 1, expired: 1 }, cacheHits: 1, cacheMisses: 3 }, e: { reasons: { allowed: 1 }, cacheHits: 0, cacheMisses: 1 } },
    recentFailures: [
      { at: '2026-01-01T00:00:03.000Z', deployment: 'd', reason: 'signature_invalid', worker: 1 },
      { at: '2026-01-01T00:00:02.000Z', deployment: 'd', reason: 'expired', worker: 2 },
      { at: '2026-01-01T00:00:01.000Z', deployment: 'd', reason: 'expired', worker: 1 },
    ],
    failuresByReason: { signature_invalid: 1, expired: 2 },
  });
});

it('keeps as many recent failures as one gateway does (100), the newest', () => {
  const many = (pid: number, second: number) => ({
    pid,
    state: { recentFailures: Array.from({ length: 100 }, (_, i) => ({ at: `2026-01-01T00:${String(second).padStart(2, '0')}:00.${String(999 - i).padStart(3, '0')}Z`, deployment: 'd', reason: 'expired' })) },
  });
  const merged = mergeAuthStates([many(1, 1), many(2, 2)])['recentFailures'] as { worker: number }[];
  assert.equal(merged.length, 100);
  assert.ok(merged.every((f) => f.worker === 2), 'the newer worker\'s failures');
});
