/**
 * The console's browser code has its own tsconfig (DOM library, Preact's JSX), which the root
 * `tsc -p .` does not cover (it excludes src/console/ui). This runs it, so `npm test` type-checks
 * every file esbuild bundles.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ROOT } from '../../helpers/gateway.ts';

test('src/console/ui type-checks with its own tsconfig (tsc -p src/console/ui)', { timeout: 120_000 }, () => {
  const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'src/console/ui')], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, `tsc -p src/console/ui:\n${r.stdout}${r.stderr}`);
});
