import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SEMI_SPACE_FLAG, SEMI_SPACE_MB, semiSpaceMb, workerExecArgv } from '../../src/lib/node_flags.ts';
import { ROOT } from '../helpers/gateway.ts';

describe('node flags (the young generation Gatehouse is measured with)', () => {
  it('reads --max-semi-space-size from the node arguments or NODE_OPTIONS, else null', () => {
    assert.equal(semiSpaceMb(['--max-semi-space-size=32'], undefined), 32);
    assert.equal(semiSpaceMb([], '--enable-source-maps --max-semi-space-size=64'), 64);
    assert.equal(semiSpaceMb([], '--max-semi-space-size 48'), 48);
    assert.equal(semiSpaceMb(['--import', 'tsx'], ''), null);
    assert.equal(semiSpaceMb(['--max_semi_space_size=24'], undefined), 24, "V8's own spelling");
    assert.equal(semiSpaceMb(['--max-semi-space-size=64'], '--max-semi-space-size=8'), 64, 'the command line after NODE_OPTIONS: the last one wins');
  });

  it('workers get the flag unless the primary was started with one, which is kept as it is', () => {
    assert.deepEqual(workerExecArgv(['--import', 'tsx'], undefined), [`--max-semi-space-size=${SEMI_SPACE_MB}`, '--import', 'tsx']);
    assert.deepEqual(workerExecArgv(['--max-semi-space-size=8'], undefined), ['--max-semi-space-size=8']);
    assert.deepEqual(workerExecArgv(['--max_semi_space_size=8'], undefined), ['--max_semi_space_size=8']);
    assert.deepEqual(workerExecArgv([], '--max-semi-space-size=8'), [], 'NODE_OPTIONS reaches the workers by itself');
  });
});

test('npm start runs node with the flag (the Dockerfile and the systemd unit have tests of their own)', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.match(pkg.scripts['start'] ?? '', new RegExp(`^exec node ${SEMI_SPACE_FLAG} bin/gatehouse\\.js serve `));
});
