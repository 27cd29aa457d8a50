/**
 * The source layout is a rule, not a habit: each folder of src/ is one stage of the data path and
 * may import only from itself, from stages to its right, from lib/ and from the shared type files
 * at the root (types.ts, plan.ts, errors.ts). The identity provider imports nothing from auth/.
 * This test reads every import in src/ and fails on the first that breaks the rule.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = resolve(import.meta.dirname, '../../src');
/** Left to right: a stage may import the stages after it. */
const ORDER = ['cli', 'config', 'server', 'router', 'auth', 'policies', 'state', 'console', 'backends', 'functions', 'idp', 'lib'];
const ROOT_FILES = new Set(['types.ts', 'plan.ts', 'errors.ts']);

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

function stageOf(file: string): string {
  const rel = relative(SRC, file);
  return rel.includes('/') ? (rel.split('/')[0] as string) : rel;
}

test('regression: every import in src/ follows the source layout (no stage imports one to its left)', () => {
  const broken: string[] = [];
  for (const file of files(SRC)) {
    const from = stageOf(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'/gm)) {
      const target = resolve(dirname(file), m[1] as string);
      const to = stageOf(target);
      if (to === from || ROOT_FILES.has(to) || to === 'lib') continue;
      const ok = ORDER.includes(from) ? ORDER.indexOf(to) > ORDER.indexOf(from) : ROOT_FILES.has(from);
      if (!ok || (from === 'idp' && to === 'auth')) broken.push(`${relative(SRC, file)} imports ${relative(SRC, target)}`);
    }
  }
  assert.deepEqual(broken, []);
});
