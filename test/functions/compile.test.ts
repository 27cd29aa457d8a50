import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFunctionBackend } from '../../src/backends/function.ts';
import { compileFunctions, containerSpec, entryPath } from '../../src/functions/compile.ts';
import { checkFuncYaml } from '../../src/functions/func_yaml.ts';
import { makeContext } from './harness.ts';

test('an unknown functionId in a route is a config error naming the route field', () => {
  const { ctx } = makeContext();
  const catalog = compileFunctions({ echo: { path: 'echo' } }, 'functions', ctx);
  const b = createFunctionBackend({ type: 'ORACLE_FUNCTIONS_BACKEND', functionId: 'x' }, 'deployments[0].specification.routes[1].backend', ctx, catalog);
  assert.equal(b, null);
  assert.deepEqual(ctx.issues, [{ path: 'deployments[0].specification.routes[1].backend.functionId', message: 'unknown function "x" (not in functions)' }]);
  assert.ok(createFunctionBackend({ type: 'ORACLE_FUNCTIONS_BACKEND', functionId: 'echo' }, 'r', ctx, catalog));
  return ctx.registry.closeAll();
});

test('OCIDs are functionIds; their config path is quoted', () => {
  const { ctx } = makeContext();
  const ocid = 'ocid1.fnfunc.oc1.phx.aaaaaaaexample';
  const catalog = compileFunctions({ [ocid]: { path: 'nope' } }, 'functions', ctx);
  assert.equal(entryPath('functions', 'hello'), 'functions.hello');
  assert.equal(ctx.issues.length, 1);
  assert.equal(ctx.issues[0]?.path, `functions["${ocid}"].path`);
  assert.match(ctx.issues[0]?.message ?? '', /nope is not a directory/);
  // A known function whose directory is broken gives no second error at the route.
  assert.equal(createFunctionBackend({ type: 'ORACLE_FUNCTIONS_BACKEND', functionId: ocid }, 'r', ctx, catalog), null);
  assert.equal(ctx.issues.length, 1);
});

test('func.yaml problems name the file and the field', () => {
  const { ctx } = makeContext();
  compileFunctions({ f: { path: '.' } }, 'functions', ctx);
  assert.equal(ctx.issues[0]?.path, 'functions.f.path');
  assert.match(ctx.issues[0]?.message ?? '', /fixtures\/functions\/func\.yaml: not found/);
});

test('exactly one of path and invokeEndpoint', () => {
  const { ctx } = makeContext();
  compileFunctions({ a: {}, b: { path: 'echo', invokeEndpoint: 'http://fn:8080/invoke/x' } }, 'functions', ctx);
  assert.deepEqual(ctx.issues.map((i) => i.path), ['functions.a', 'functions.b']);
});

test('pools survive a recompile with the same settings and are disposed when they change', async () => {
  const { ctx } = makeContext();
  const first = compileFunctions({ echo: { path: 'echo' } }, 'functions', ctx).get('echo');
  await ctx.registry.commit();
  const same = compileFunctions({ echo: { path: 'echo' } }, 'functions', ctx).get('echo');
  await ctx.registry.commit();
  assert.equal(same, first);
  const changed = compileFunctions({ echo: { path: 'echo', maxConcurrency: 2 } }, 'functions', ctx).get('echo');
  await ctx.registry.commit();
  assert.notEqual(changed, first);
  // The old pool is closed: it refuses calls.
  const out = await first!.invoke({ callId: 'c', headers: [], body: Buffer.alloc(0) });
  assert.deepEqual(out.ok ? null : out.failure, 'closed');
  await ctx.registry.closeAll();
});

test('container environment: Fn variables, config layering, node heap cap, no gateway secrets', () => {
  process.env['GATEHOUSE_TEST_SECRET'] = 'top-secret';
  try {
    const r = checkFuncYaml({ schema_version: 20180708, name: 'hello', runtime: 'node', entrypoint: 'node func.js', memory: 256, config: { A: 'yaml', B: 'yaml' } });
    assert.ok(r.ok);
    const spec = containerSpec('ocid1.fn', '/fn', r.spec, { appName: 'myapp', config: { B: 'gw', C: 1 } });
    assert.equal(spec.argv[0], process.execPath);
    assert.equal(spec.argv[1], 'func.js');
    assert.equal(spec.env['FN_FORMAT'], 'http-stream');
    assert.equal(spec.env['FN_FN_ID'], 'ocid1.fn');
    assert.equal(spec.env['FN_FN_NAME'], 'hello');
    assert.equal(spec.env['FN_APP_NAME'], 'myapp');
    assert.equal(spec.env['FN_APP_ID'], 'myapp');
    assert.equal(spec.env['FN_MEMORY'], '256');
    assert.equal(spec.env['FN_TYPE'], 'sync');
    assert.equal(spec.env['A'], 'yaml');
    assert.equal(spec.env['B'], 'gw');
    assert.equal(spec.env['C'], '1');
    assert.equal(spec.env['NODE_OPTIONS'], '--max-old-space-size=192');
    assert.equal(spec.env['GATEHOUSE_TEST_SECRET'], undefined);
    assert.equal(spec.env['FN_LISTENER'], undefined); // per container
  } finally {
    delete process.env['GATEHOUSE_TEST_SECRET'];
  }
});
