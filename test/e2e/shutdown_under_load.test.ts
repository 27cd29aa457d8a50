/**
 * SIGTERM under load: every request the gateway has accepted completes (stock, proxied and function
 * routes alike), new connections are refused once draining starts, the process exits 0, and no
 * function process or socket directory outlives it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { request } from 'node:http';
import { join } from 'node:path';
import { ROOT, startGateway } from '../helpers/gateway.ts';
import { startUpstream } from '../helpers/upstream.ts';
import { eventually } from '../helpers/eventually.ts';

type Outcome = { status: number; body: string } | { error: string; gotBytes: boolean };

/** One request on a fresh connection, so each outcome belongs to exactly one request. */
function once(url: string): Promise<Outcome> {
  return new Promise((resolve) => {
    let gotBytes = false;
    const req = request(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      gotBytes = true;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', (e) => resolve({ error: e.message, gotBytes }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message, gotBytes }));
    req.end();
  });
}

function pidsOf(parent: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(parent)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when there is no child
  }
}

describe('shutdown under load (e2e)', () => {
  it('completes every accepted request and leaves no function behind', async () => {
    const up = await startUpstream();
    const gw = await startGateway({
      config: {
        server: { host: '127.0.0.1', shutdownTimeoutInSeconds: 10 },
        functions: { echo: { path: join(ROOT, 'test/fixtures/functions/echo'), maxConcurrency: 3, maxQueue: 500 } },
        deployments: [
          {
            name: 'load',
            pathPrefix: '/',
            specification: {
              routes: [
                { path: '/stock', backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'stock' } },
                { path: '/slow', backend: { type: 'HTTP_BACKEND', url: `${up.url}/slow-headers?ms=300` } },
                { path: '/fn', backend: { type: 'ORACLE_FUNCTIONS_BACKEND', functionId: 'echo' } },
              ],
            },
          },
        ],
      },
    });
    try {
      // Warm the function so its containers exist before the signal.
      const warm = await once(`${gw.url}/fn`);
      assert.ok('status' in warm && warm.status === 200, JSON.stringify(warm));
      // The function containers among the gateway's children, by their FN_LISTENER
      // (unix:<dir>/lsnr.sock). In a development checkout the gateway has another child, tsx's
      // esbuild service, started when tsx first needs it: regression, it was taken for a container.
      const containers = pidsOf(gw.proc.pid!).flatMap((pid) => {
        let env: string | undefined;
        try {
          env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').find((e) => e.startsWith('FN_LISTENER=unix:'));
        } catch {
          return []; // gone already: not a container
        }
        return env === undefined ? [] : [{ pid, socketDir: dirname(env.slice('FN_LISTENER=unix:'.length)) }];
      });
      assert.ok(containers.length >= 1, 'a function container is running');
      const children = containers.map((c) => c.pid);
      const socketDirs = containers.map((c) => c.socketDir);
      for (const d of socketDirs) assert.equal(existsSync(d), true);

      const outcomes: Outcome[] = [];
      let stop = false;
      const paths = ['/stock', '/slow', '/fn'];
      const workers = Array.from({ length: 12 }, async (_, i) => {
        while (!stop) outcomes.push(await once(`${gw.url}${paths[i % paths.length]}`));
      });
      // Load first (answers coming back on every path), then the signal: a count, not a fixed sleep,
      // so a slow machine still signals a gateway under load.
      await eventually('the gateway answers under load', () => outcomes.filter((o) => 'status' in o).length >= 40, { timeoutMs: 20_000, intervalMs: 10 });
      gw.proc.kill('SIGTERM');
      const code = await gw.exited;
      stop = true;
      await Promise.all(workers);

      assert.equal(code, 0);
      const answered = outcomes.filter((o): o is { status: number; body: string } => 'status' in o);
      const failed = outcomes.filter((o): o is { error: string; gotBytes: boolean } => 'error' in o);
      assert.ok(answered.length > 30, `enough load: ${answered.length} answered`);
      assert.deepEqual([...new Set(answered.map((o) => o.status))], [200], 'every answered request succeeded');
      for (const f of failed) {
        assert.equal(f.gotBytes, false, 'no response was cut off after it started');
        assert.ok(['ECONNREFUSED', 'ECONNRESET'].includes(f.error), `only refused connections after draining began: ${f.error}`);
      }
      for (const pid of children) assert.throws(() => process.kill(pid, 0), 'function container stopped');
      for (const d of socketDirs) assert.equal(existsSync(d), false, `socket directory removed: ${d}`);
    } finally {
      await gw.stop();
      await up.close();
    }
  });
});
