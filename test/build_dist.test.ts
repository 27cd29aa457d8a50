/**
 * The compiled package (issue 15): dist/ is committed, because an install without dev dependencies
 * (`npm ci --omit=dev`, the container image) has no compiler and runs dist/ as it is. So dist/ must
 * be exactly what `npm run build` makes of src/ today, and it must need nothing that such an install
 * lacks: every import in it is a Node built-in, a package in `dependencies`, or a file of dist/.
 * bin/gatehouse.js chooses between dist/ and src/ (through tsx); the last test checks that choice
 * on real processes.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BIN, ROOT } from './helpers/gateway.ts';

const DIST = join(ROOT, 'dist');
const BUILD_HINT = 'run `npm run build` and commit dist/';

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]))
    .sort();
}

/**
 * The module specifiers a compiled file loads: static imports and re-exports (tsc writes each
 * declaration at the start of a line), `import '…'`, and literal `import('…')` / `require('…')`.
 * A dynamic import of a computed name (cli/main.js's commands) is not a literal and is covered by the
 * relative files all being in dist/.
 */
function specifiersOf(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\b[^;'"`]*?\bfrom\s*(['"])([^'"\n]+)\1/gm)) out.push(m[2]!);
  for (const m of text.matchAll(/^\s*import\s*(['"])([^'"\n]+)\1/gm)) out.push(m[2]!);
  for (const m of text.matchAll(/\b(?:import|require)\s*\(\s*(['"])([^'"\n]+)\1\s*\)/g)) out.push(m[2]!);
  return out;
}

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

describe('the compiled package (dist/)', () => {
  const temp: string[] = [];
  after(() => {
    for (const dir of temp) rmSync(dir, { recursive: true, force: true });
  });

  it('dist/ is what `npm run build` makes of src/', { timeout: 120_000 }, () => {
    const out = join(mkdtempSync(join(tmpdir(), 'gatehouse-build-')), 'dist');
    temp.push(dirname(out));
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--out', out], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, `npm run build failed:\n${r.stdout}${r.stderr}`);

    const built = files(out).map((f) => relative(out, f));
    const committed = files(DIST).map((f) => relative(DIST, f));
    assert.ok(built.includes('cli/main.js'), `the build made no cli/main.js: ${built.slice(0, 10).join(', ')}`);
    const missing = built.filter((f) => !committed.includes(f));
    const stale = committed.filter((f) => !built.includes(f));
    const changed = built.filter((f) => committed.includes(f) && !readFileSync(join(out, f)).equals(readFileSync(join(DIST, f))));
    assert.deepEqual(
      { missing, stale, changed },
      { missing: [], stale: [], changed: [] },
      `dist/ differs from a build of src/ (missing: files the build makes; stale: files it no longer makes; changed: different content): ${BUILD_HINT}`,
    );
  });

  it('dist/ imports only Node built-ins, packages in `dependencies` and files of dist/', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    const builtins = new Set(builtinModules);
    const js = files(DIST).filter((f) => f.endsWith('.js'));
    assert.ok(js.length > 50, `dist/ holds ${js.length} JavaScript files: ${BUILD_HINT}`);
    const wrong: string[] = [];
    const packages = new Set<string>();
    let relatives = 0;
    for (const file of js) {
      const where = relative(ROOT, file);
      for (const spec of specifiersOf(readFileSync(file, 'utf8'))) {
        if (spec.startsWith('.')) {
          relatives++;
          const target = resolve(dirname(file), spec);
          if (!target.startsWith(`${DIST}/`)) wrong.push(`${where}: ${spec} leaves dist/`);
          else if (!spec.endsWith('.js')) wrong.push(`${where}: ${spec} is not compiled JavaScript (the build rewrites .ts imports to .js)`);
          else if (!existsSync(target)) wrong.push(`${where}: ${spec} does not exist`);
        } else if (spec.startsWith('node:') || builtins.has(spec)) {
          continue;
        } else {
          const name = packageName(spec);
          packages.add(name);
          if (pkg.dependencies[name] !== undefined) continue;
          wrong.push(`${where}: ${spec} is ${pkg.devDependencies[name] !== undefined ? 'a dev dependency' : 'not a dependency'}, absent from an install with --omit=dev`);
        }
      }
    }
    assert.deepEqual(wrong, []);
    // The scan must have seen the imports it checks, or an empty pass would prove nothing.
    assert.ok(relatives > 100, `only ${relatives} relative imports found`);
    for (const name of ['jose', 'pino', 'yaml', 'better-sqlite3', 'pg']) assert.ok(packages.has(name), `no import of ${name} found in dist/`);
    for (const name of ['tsx', 'typescript']) assert.ok(!packages.has(name));
  });

  it('bin/gatehouse.js runs dist/ with GATEHOUSE_DIST=1 and src/ through tsx in a checkout with dev dependencies', { timeout: 60_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bin-'));
    temp.push(dir);
    const helper = pathToFileURL(join(ROOT, 'test/helpers/module_trace.mjs')).href;
    const loaded = (env: NodeJS.ProcessEnv): string[] => {
      const trace = join(dir, `trace-${env['GATEHOUSE_DIST'] ?? 'default'}`);
      const r = spawnSync(process.execPath, ['--import', helper, BIN, '--version'], {
        cwd: ROOT,
        env: { ...process.env, ...env, GATEHOUSE_MODULE_TRACE: trace },
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^\d+\.\d+\.\d+/);
      return readFileSync(trace, 'utf8').split('\n');
    };
    const mainJs = pathToFileURL(join(DIST, 'cli/main.js')).href;
    const mainTs = pathToFileURL(join(ROOT, 'src/cli/main.ts')).href;
    const usesTsx = (mods: string[]) => mods.some((m) => m.includes('/node_modules/tsx/'));

    const compiled = loaded({ GATEHOUSE_DIST: '1' });
    assert.ok(compiled.includes(mainJs), 'GATEHOUSE_DIST=1 runs dist/cli/main.js');
    assert.ok(!compiled.includes(mainTs) && !usesTsx(compiled), 'GATEHOUSE_DIST=1 loads neither src/ nor tsx');

    // This checkout has its dev dependencies (the tests run through tsx): src/ by default.
    const source = loaded({ GATEHOUSE_DIST: undefined });
    assert.ok(source.includes(mainTs) && usesTsx(source), 'a checkout with tsx installed runs src/ through tsx');
    assert.ok(!source.includes(mainJs));
  });
});
