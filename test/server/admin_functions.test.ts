/** `--workers`: the gateway's function pools are the sums of its workers' (src/server/admin_plane.ts sumFunctionStates). */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { sumFunctionStates, type FunctionState } from '../../src/server/admin_plane.ts';

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
