/**
 * Function pools across hot reloads of the real `gatehouse serve`: an unchanged function keeps its
 * warm container, a changed one is replaced and its old container stopped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ROOT, startGateway } from '../helpers/gateway.ts';
import { eventually } from '../helpers/eventually.ts';
import { isAlive } from '../helpers/process.ts';

const FIX = join(ROOT, 'test/fixtures/functions');

function configWith(routes: string[], pidFn: Record<string, unknown>) {
  return {
    deployments: [
      {
        name: 'r',
        pathPrefix: '/r',
        specification: { routes: routes.map((p) => ({ path: p, backend: { type: 'ORACLE_FUNCTIONS_BACKEND', functionId: 'pid' } })) },
      },
    ],
    functions: { pid: { path: join(FIX, 'pid'), ...pidFn } },
  };
}


test('warm containers survive a reload when the function is unchanged, and are replaced when it changes', async () => {
  const gw = await startGateway({ config: configWith(['/a'], {}) });
  try {
    const reloads = () => gw.records().filter((r) => r['msg'] === 'config reloaded').length;
    const reload = async (cfg: object) => {
      const before = reloads();
      writeFileSync(gw.configFile, stringify(cfg));
      gw.proc.kill('SIGHUP');
      await gw.waitFor(() => reloads() > before, 5000);
    };
    const pidOf = async (path: string) => {
      const r = await fetch(gw.url + path, { method: 'POST', body: '{}' });
      assert.equal(r.status, 200);
      return ((await r.json()) as { pid: number }).pid;
    };
    const first = await pidOf('/r/a');
    await reload(configWith(['/a', '/b'], {}));
    assert.equal(await pidOf('/r/b'), first, 'same warm container after a reload that did not touch the function');
    await reload(configWith(['/a', '/b'], { maxConcurrency: 2 }));
    const second = await pidOf('/r/a');
    assert.notEqual(second, first);
    await eventually('the old pool was disposed', () => !isAlive(first), { timeoutMs: 5000 });
  } finally {
    await gw.stop();
  }
});
