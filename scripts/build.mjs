// `npm run build`: compiles src/ to dist/ with tsc (tsconfig.build.json), and bundles the operator
// console's browser code (src/console/ui/) into dist/console/ui/ with esbuild (index.html, app.js,
// app.css: minified, uPlot's CSS included, nothing loaded from elsewhere at run time).
// Usage: node scripts/build.mjs [--out DIR]
// tsc writes into a fresh directory, which then replaces dist/ (or is DIR), so a source file that
// was deleted or renamed leaves no stale JavaScript behind. The output depends on the sources and
// the compiler version only, so a rebuild of an unchanged tree is byte for byte the committed dist/
// (test/build_dist.test.ts checks it).
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildConsole } from './build_console.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { out: { type: 'string' } } });
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');

const dist = join(ROOT, 'dist');
const out = values.out === undefined ? mkdtempSync(join(ROOT, '.dist-build-')) : resolve(values.out);
const r = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', out], { cwd: ROOT, stdio: 'inherit' });
if (r.status !== 0) {
  if (values.out === undefined) rmSync(out, { recursive: true, force: true });
  process.exit(r.status ?? 1);
}
// The console (issue 18): its own bundler step, also runnable alone (scripts/build_console.mjs).
try {
  await buildConsole(join(out, 'console', 'ui'));
} catch (err) {
  console.error(`console bundle failed: ${err instanceof Error ? err.message : String(err)}`);
  if (values.out === undefined) rmSync(out, { recursive: true, force: true });
  process.exit(1);
}
if (values.out === undefined) {
  // mkdtemp makes the directory 0700: dist/ must be readable by whoever runs it (the image's user).
  chmodSync(out, 0o755);
  if (existsSync(dist)) rmSync(dist, { recursive: true });
  renameSync(out, dist);
}
