import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readRssBytes, watchMemory } from '../../src/functions/memory_watch.ts';

test('readRssBytes reads a live process and returns null for a gone one', () => {
  const rss = readRssBytes(process.pid);
  assert.ok(rss !== null && rss > 10 * 1024 * 1024, `rss ${rss}`);
  assert.equal(readRssBytes(2 ** 22 + 12345), null);
});

test('a process growing past its limit is reported once; one under it is not', async () => {
  const grow = spawn(process.execPath, ['-e', 'const a = []; setInterval(() => a.push(Buffer.alloc(4e6).fill(1)), 5)'], { stdio: 'ignore' });
  const idle = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  let idleReports = 0;
  const stopIdle = watchMemory(idle.pid!, 200 * 1024 * 1024, () => idleReports++);
  try {
    const rss = await new Promise<number>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('not reported within 5 s')), 5000);
      let reports = 0;
      watchMemory(grow.pid!, 100 * 1024 * 1024, (bytes) => {
        reports++;
        clearTimeout(t);
        // Deliberately lets time pass (4 polls of 50 ms): proving there is no second report needs a window.
        setTimeout(() => (reports === 1 ? resolve(bytes) : reject(new Error('reported twice'))), 200);
      });
    });
    assert.ok(rss > 100 * 1024 * 1024);
    assert.equal(idleReports, 0);
  } finally {
    stopIdle();
    grow.kill('SIGKILL');
    idle.kill('SIGKILL');
  }
});
