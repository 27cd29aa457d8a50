import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBatchedWriter, wholeLines } from '../../src/lib/batched_writer.ts';
import { eventually } from '../helpers/eventually.ts';

function tempFile(): { path: string; fd: number; done(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-batched-'));
  const path = join(dir, 'out.log');
  const fd = openSync(path, 'w');
  return { path, fd, done: () => (closeSync(fd), rmSync(dir, { recursive: true, force: true })) };
}

test('lines are gathered, then written together after flushMs, in order', async () => {
  const f = tempFile();
  try {
    const w = createBatchedWriter(f.fd, { flushMs: 20 });
    for (let i = 0; i < 5; i++) w.write(`line ${i}\n`);
    assert.equal(readFileSync(f.path, 'utf8'), '', 'nothing written at once');
    await eventually('the batch is written', () => readFileSync(f.path, 'utf8') === 'line 0\nline 1\nline 2\nline 3\nline 4\n', { timeoutMs: 2000, intervalMs: 5 });
  } finally {
    f.done();
  }
});

test('a full batch is written at once; flushSync writes the rest', () => {
  const f = tempFile();
  try {
    const w = createBatchedWriter(f.fd, { batchBytes: 64, flushMs: 60_000 });
    const line = `${'x'.repeat(31)}\n`;
    w.write(line);
    assert.equal(readFileSync(f.path, 'utf8'), '');
    w.write(line);
    w.write('tail\n');
    assert.equal(readFileSync(f.path, 'utf8'), line + line);
    w.flushSync();
    assert.equal(readFileSync(f.path, 'utf8'), `${line}${line}tail\n`);
  } finally {
    f.done();
  }
});

test('regression: a reader that stops reading does not stall the writer (pino.destination sync slept 100 ms per full pipe); every line arrives once it reads again', async () => {
  // The reader naps 1.5 s first: the pipe (64 KiB) fills, writes meet EAGAIN and are held back.
  const reader = spawn(process.execPath, ['-e', 'setTimeout(() => { let n = 0; process.stdin.on("data", (d) => { for (const c of d) if (c === 10) n++; }); process.stdin.on("end", () => process.stdout.write(String(n))); }, 1500)'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  reader.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const fd = (reader.stdin as unknown as { _handle: { fd: number } })._handle.fd;
  const w = createBatchedWriter(fd, { batchBytes: 16 * 1024, retryMs: 2 });
  const lines = 4000; // ~400 KB, several pipes' worth
  const t0 = performance.now();
  for (let i = 0; i < lines; i++) w.write(`${String(i).padStart(8, '0')} ${'y'.repeat(90)}\n`);
  // Well within the reader's nap: the writes did not wait for it.
  assert.ok(performance.now() - t0 < 1000, `writing took ${performance.now() - t0} ms`);
  w.flushSync();
  reader.stdin.end();
  await new Promise((r) => reader.once('close', r));
  assert.equal(out, String(lines));
});

test('regression: a 16 KiB batch in one write could be split on a pipe shared by --workers processes, garbling lines; wholeLines keeps each write to whole lines within PIPE_BUF (a longer line alone and whole)', () => {
  const line = (n: number) => `${'x'.repeat(n - 1)}\n`;
  assert.equal(wholeLines(Buffer.from(line(100).repeat(3))), 300);
  assert.equal(wholeLines(Buffer.from(line(1000).repeat(5))), 4000, 'four lines fit in 4096 bytes, the fifth waits');
  assert.equal(wholeLines(Buffer.from(line(6000) + line(10))), 6000, 'one line over PIPE_BUF goes alone');
  assert.equal(wholeLines(Buffer.from('y'.repeat(5000))), 5000, 'no newline at all: everything');
});

test('regression: flushSync(maxWaitMs) gives up on a reader that never reads (the exit flush waited forever, so the process could not exit)', { timeout: 30_000 }, async () => {
  const reader = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: ['pipe', 'ignore', 'inherit'] });
  try {
    const fd = (reader.stdin as unknown as { _handle: { fd: number } })._handle.fd;
    const w = createBatchedWriter(fd, { batchBytes: 16 * 1024, retryMs: 2 });
    // Far more than the pipe holds: most of it stays held back.
    for (let i = 0; i < 40_000; i++) w.write(`${String(i).padStart(8, '0')} ${'y'.repeat(90)}\n`);
    const t0 = performance.now();
    w.flushSync(300);
    const took = performance.now() - t0;
    assert.ok(took >= 250 && took < 5000, `gave up after ${Math.round(took)} ms`);
  } finally {
    reader.kill('SIGKILL');
  }
});
