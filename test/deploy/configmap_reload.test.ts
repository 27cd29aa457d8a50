/**
 * A ConfigMap mounted as a directory (deploy/deployment.yaml) is updated the way the kubelet's
 * AtomicWriter does it: the keys are symlinks through `..data` (`gatehouse.yaml ->
 * ..data/gatehouse.yaml`), `..data` is a symlink to a timestamped directory, and an update writes a
 * new timestamped directory, points `..data_tmp` at it, renames `..data_tmp` over `..data` and
 * removes the old directory. The file the gateway watches never changes name or link: only `..data`
 * sees an event. This test lays the volume out and swaps it exactly so, with a real gateway.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startGateway } from '../helpers/gateway.ts';
import { eventually } from '../helpers/eventually.ts';

function config(body: string): string {
  return stringify({
    server: { host: '127.0.0.1' },
    deployments: [{ name: 'cm', pathPrefix: '/', specification: { routes: [{ path: '/which', backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body } }] } }],
  });
}

/** The kubelet's names: `..` + a timestamp, so the directories sort and never clash with a key. */
let serial = 0;
function timestamped(): string {
  serial += 1;
  return `..${new Date().toISOString().replace(/[-:T.Z]/g, '_')}${serial}`;
}

/** Writes a new version of the volume and swaps it in, as AtomicWriter does. */
function atomicWrite(volume: string, files: Record<string, string>, previous: string | null): string {
  const dir = timestamped();
  mkdirSync(join(volume, dir));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(volume, dir, name), content);
  symlinkSync(dir, join(volume, '..data_tmp'));
  renameSync(join(volume, '..data_tmp'), join(volume, '..data'));
  for (const name of Object.keys(files)) {
    try {
      symlinkSync(join('..data', name), join(volume, name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  if (previous !== null) rmSync(join(volume, previous), { recursive: true });
  return dir;
}

describe('ConfigMap volume (e2e)', () => {
  const volume = mkdtempSync(join(tmpdir(), 'gatehouse-configmap-'));
  after(() => rmSync(volume, { recursive: true, force: true }));

  it('regression: a ConfigMap update (the kubelet swapping ..data) is hot-reloaded (the watcher reacted to the watched file names only)', async () => {
    let current = atomicWrite(volume, { 'gatehouse.yaml': config('first') }, null);
    // `cwd` is the volume: the harness passes --config <volume>/gatehouse.yaml (the symlink).
    const gw = await startGateway({ cwd: volume, config: config('first') });
    try {
      assert.equal(await (await fetch(`${gw.url}/which`)).text(), 'first');
      current = atomicWrite(volume, { 'gatehouse.yaml': config('second') }, current);
      await eventually('the new ConfigMap version is served', async () => (await (await fetch(`${gw.url}/which`)).text()) === 'second');
      // Log lines are written in batches, up to 25 ms after the event: wait for it.
      await gw.waitFor((r) => r['msg'] === 'config reloaded');
      // A second update too: the watch survives the removal of the directory it first resolved.
      current = atomicWrite(volume, { 'gatehouse.yaml': config('third') }, current);
      await eventually('the next version is served', async () => (await (await fetch(`${gw.url}/which`)).text()) === 'third');
    } finally {
      await gw.stop();
    }
  });
});
