import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StartFailure, startCause, startFix, type StartOutput } from '../../src/functions/start_failure.ts';

const stderr = (text: string): StartOutput[] => text.split('\n').filter((l) => l !== '').map((line) => ({ stream: 'stderr', line, truncated: false }));

// What Node 20 prints for a CommonJS require of a package that is not installed.
const CJS = `node:internal/modules/cjs/loader:1210
  throw err;
  ^

Error: Cannot find module '@fnproject/fdk'
Require stack:
- /srv/fns/hello/func.js
    at Module._resolveFilename (node:internal/modules/cjs/loader:1207:15)
    at Module._load (node:internal/modules/cjs/loader:1038:27)
{
  code: 'MODULE_NOT_FOUND',
  requireStack: [ '/srv/fns/hello/func.js' ]
}

Node.js v20.20.2`;

test('the cause is the error line, not the loader location', () => {
  assert.equal(startCause(stderr(CJS)), "Error: Cannot find module '@fnproject/fdk'");
  const esm = "node:internal/modules/esm/resolve:873\n  throw new ERR_MODULE_NOT_FOUND(packageName, fileURLToPath(base), null);\n        ^\n\nError [ERR_MODULE_NOT_FOUND]: Cannot find package 'x' imported from /f.mjs";
  assert.equal(startCause(stderr(esm)), "Error [ERR_MODULE_NOT_FOUND]: Cannot find package 'x' imported from /f.mjs");
  assert.equal(startCause(stderr('Traceback (most recent call last):\n  File "func.py", line 1\nModuleNotFoundError: No module named \'fdk\'')), "ModuleNotFoundError: No module named 'fdk'");
  assert.equal(startCause(stderr('listening failed for reasons')), 'listening failed for reasons');
  assert.equal(startCause([]), null);
});

test('the fix for a missing package, a missing file, a missing command', () => {
  assert.equal(startFix("Error: Cannot find module '@fnproject/fdk'", '/srv/fns/hello', 'node'), 'run "npm install" in /srv/fns/hello');
  assert.match(String(startFix("Error: Cannot find module './lib/x'", '/d', 'node')), /check that \.\/lib\/x exists/);
  assert.match(String(startFix('spawn python9 ENOENT', '/d', 'python9')), /"python9" was not found/);
  assert.equal(startFix('Error: something else', '/d', 'node'), null);
});

test('regression: a function that fails to start names the cause and the fix in its error', () => {
  const e = new StartFailure('exited before listening (code 1, signal none)', stderr(CJS), '/srv/fns/hello', 'node');
  assert.equal(e.message, `exited before listening (code 1, signal none): Error: Cannot find module '@fnproject/fdk' (fix: run "npm install" in /srv/fns/hello)`);
  const spawnFailed = new StartFailure('spawn /nope ENOENT', [], '/d', '/nope');
  assert.equal(spawnFailed.message, 'spawn /nope ENOENT (fix: "/nope" was not found: install it, or fix the entrypoint in /d/func.yaml)');
});
