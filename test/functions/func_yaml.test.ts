import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { checkFuncYaml, readFuncYaml } from '../../src/functions/func_yaml.ts';
import { FIXTURES } from './harness.ts';

test('func.yaml as fn init writes it: Fn defaults applied', () => {
  const r = checkFuncYaml({ schema_version: 20180708, name: 'hello', version: '0.0.1', runtime: 'node', build_image: 'fnproject/node:20-dev', run_image: 'fnproject/node:20', entrypoint: 'node func.js' });
  assert.ok(r.ok);
  assert.deepEqual(r.spec, { name: 'hello', runtime: 'node', entrypoint: ['node', 'func.js'], memoryMb: 128, timeoutMs: 30_000, idleTimeoutMs: 30_000, config: {} });
});

test('func.yaml fields and config are read', () => {
  const r = checkFuncYaml({ schema_version: '20180708', name: 'f', runtime: 'node', entrypoint: '  node  func.js ', memory: 256, timeout: 5, idle_timeout: 60, config: { A: 'x', N: 3, B: true } });
  assert.ok(r.ok);
  assert.equal(r.spec.memoryMb, 256);
  assert.equal(r.spec.timeoutMs, 5000);
  assert.equal(r.spec.idleTimeoutMs, 60_000);
  assert.deepEqual(r.spec.entrypoint, ['node', 'func.js']);
  assert.deepEqual(r.spec.config, { A: 'x', N: '3', B: 'true' });
});

test('func.yaml problems name their field', () => {
  const r = checkFuncYaml({ schema_version: 1, runtime: 'node', memory: 9000, timeout: 0, idle_timeout: 1.5, config: { X: { nested: 1 } } });
  assert.ok(!r.ok);
  assert.deepEqual(r.problems, [
    'schema_version: must be 20180708',
    'name: is required',
    'entrypoint: is required (for example "node func.js")',
    'memory: must be an integer from 1 to 8192',
    'timeout: must be an integer from 1 to 300',
    'idle_timeout: must be an integer from 1 to 3600',
    'config.X: must be a string',
  ]);
});

test('docker runtime is refused with a reason', () => {
  const r = checkFuncYaml({ schema_version: 20180708, name: 'd', runtime: 'docker' });
  assert.ok(!r.ok);
  assert.match(r.problems[0] ?? '', /^runtime: "docker"/);
});

test('readFuncYaml reads a fixture and reports a missing file by name', () => {
  const ok = readFuncYaml(join(FIXTURES, 'echo'));
  assert.ok(ok.result.ok);
  assert.equal(ok.result.spec.config['GREETING'], 'hi');
  const missing = readFuncYaml(FIXTURES);
  assert.equal(missing.file, join(FIXTURES, 'func.yaml'));
  assert.ok(!missing.result.ok);
  assert.match(missing.result.problems[0] ?? '', /not found/);
});
