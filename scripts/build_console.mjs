// The operator console's bundle (issue 18): src/console/ui/ → DIR/index.html, app.js, app.css with
// esbuild (minified IIFE, uPlot's CSS included, nothing fetched from elsewhere at run time).
// scripts/build.mjs calls buildConsole() for dist/console/ui/ (beside the compiled src/console/, never mixed with it); run alone it builds only the console:
//   node scripts/build_console.mjs --out DIR
// esbuild's output depends on its inputs and version only, so a rebuild is byte for byte the same.
// An IIFE bundle holds no import statement, which keeps dist/'s import check meaningful.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const UI = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'src/console/ui');

/** Bundles the console into `outDir` (created when missing). */
export async function buildConsole(outDir) {
  const { build } = await import('esbuild');
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [
      { in: join(UI, 'main.tsx'), out: 'app' },
      { in: join(UI, 'app.css'), out: 'app' },
    ],
    outdir: outDir,
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2022', 'chrome111', 'firefox111', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    tsconfig: join(UI, 'tsconfig.json'),
    charset: 'utf8',
    logLevel: 'warning',
  });
  copyFileSync(join(UI, 'index.html'), join(outDir, 'index.html'));
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  if (values.out === undefined) {
    console.error('usage: node scripts/build_console.mjs --out DIR');
    process.exit(2);
  }
  await buildConsole(resolve(values.out));
}
