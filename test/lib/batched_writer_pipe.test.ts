/**
 * Two real processes writing access-log batches to one shell pipe, as `serve --workers` does (its
 * workers inherit the primary's stdout): no line may be split by the other process's writes. A
 * real `sh` pipeline, because the pipes node creates for a child's stdio are socket pairs, where
 * the PIPE_BUF rule does not apply.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/gateway.ts';

const LINES = 20_000;

test('two processes batching lines into one pipe never split each other\'s lines', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-pipe-'));
  try {
    const writer = join(dir, 'writer.mts');
    // Lines of ~300 bytes: a 16 KiB batch holds about 55, so every batch is well over PIPE_BUF.
    writeFileSync(writer, [
      `import { createBatchedWriter } from ${JSON.stringify(join(ROOT, 'src/lib/batched_writer.ts'))};`,
      'const w = createBatchedWriter(1);',
      'const id = process.argv[2];',
      `for (let i = 0; i < ${LINES}; i++) w.write(JSON.stringify({ id, i, pad: id.repeat(250) }) + '\\n');`,
      'w.flushSync();',
    ].join('\n'));
    const out = join(dir, 'out.log');
    const node = `"${process.execPath}" --import tsx "${writer}"`;
    const code = await new Promise<number | null>((resolve) => {
      const sh = spawn('sh', ['-c', `{ ${node} a & ${node} b & wait; } | cat > "${out}"`], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
      sh.once('exit', resolve);
    });
    assert.equal(code, 0);
    const seen = { a: 0, b: 0 } as Record<string, number>;
    const lines = readFileSync(out, 'utf8').split('\n');
    assert.equal(lines.pop(), '', 'ends with a newline');
    for (const line of lines) {
      const rec = JSON.parse(line) as { id: string; i: number; pad: string };
      assert.equal(rec.i, seen[rec.id], `${rec.id}'s lines arrive whole and in order`);
      assert.equal(rec.pad, rec.id.repeat(250));
      seen[rec.id] = (seen[rec.id] ?? 0) + 1;
    }
    assert.deepEqual(seen, { a: LINES, b: LINES });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
