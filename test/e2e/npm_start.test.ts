/**
 * `npm start` under a process manager: the manager signals the process it started (npm), and the
 * gateway must stop with it. npm runs a script through `sh -c`, and npm forwards SIGTERM only to
 * that shell, which dies without passing it on: the gateway was left running, orphaned. The start
 * script therefore `exec`s node, so the shell becomes the gateway.
 *
 * The test runs the repository's real `package.json` (copied verbatim) with `npm` from PATH, in a
 * scratch directory inside the repository (git-ignored .gatehouse/) holding a copy of the
 * quickstart, so the quickstart's own token-service store is not touched and the function finds
 * @fnproject/fdk in node_modules. Ports come from the environment the quickstart config reads.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/gateway.ts';
import { eventually } from '../helpers/eventually.ts';
import { freePort } from '../helpers/net.ts';
import { isAlive } from '../helpers/process.ts';

/** True when something accepts a TCP connection on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

describe('npm start (e2e)', () => {
  const cleanups: (() => void)[] = [];
  after(() => {
    for (const c of cleanups.reverse()) c();
  });

  it('regression: npm start passes SIGTERM on to the gateway', { timeout: 60_000 }, async () => {
    mkdirSync(join(ROOT, '.gatehouse'), { recursive: true });
    const dir = mkdtempSync(join(ROOT, '.gatehouse', 'test-npm-start-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    symlinkSync(join(ROOT, 'bin'), join(dir, 'bin'));
    mkdirSync(join(dir, 'examples'));
    cpSync(join(ROOT, 'examples/quickstart'), join(dir, 'examples/quickstart'), { recursive: true, filter: (src) => !src.endsWith('.gatehouse') });

    const idpPort = await freePort();
    const npm = spawn('npm', ['start'], {
      cwd: dir,
      env: { ...process.env, PORT: '0', ADMIN_PORT: '0', IDP_PORT: String(idpPort), GATEHOUSE_LOG_LEVEL: 'info', npm_config_update_notifier: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // 'close': npm has exited and every line it relayed has been read.
    const npmClosed = new Promise<void>((resolve) => npm.once('close', () => resolve()));
    let gatewayPid: number | null = null;
    // If the gateway outlives npm (the bug), do not leave it running after the test.
    cleanups.push(() => {
      if (gatewayPid !== null && isAlive(gatewayPid)) process.kill(gatewayPid, 'SIGKILL');
      if (npm.exitCode === null && npm.signalCode === null) npm.kill('SIGKILL');
    });

    // npm prints its own "> gatehouse@… start" lines on stdout too: only JSON lines are records.
    const records: Record<string, unknown>[] = [];
    let out = '';
    let err = '';
    npm.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      let nl;
      while ((nl = out.indexOf('\n')) !== -1) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        if (line.startsWith('{')) records.push(JSON.parse(line) as Record<string, unknown>);
      }
    });
    npm.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));

    const ready = () => records.find((r) => r['msg'] === 'gatehouse ready');
    await eventually(`npm start is ready (stderr: ${err})`, () => ready() !== undefined || npm.exitCode !== null, { timeoutMs: 30_000 });
    const rec = ready();
    assert.ok(rec, `npm start exited with ${npm.exitCode} before it was ready:\n${err}`);
    gatewayPid = rec['pid'] as number;
    const dataPort = Number(new URL(rec['dataUrl'] as string).port);
    assert.notEqual(gatewayPid, npm.pid, 'the gateway runs in its own process, under npm');
    assert.equal(await listening(dataPort), true);

    npm.kill('SIGTERM'); // npm's pid only, as systemd or a container runtime would
    const pid = gatewayPid;
    await eventually(`the gateway (pid ${pid}) exits after npm got SIGTERM`, () => !isAlive(pid), { timeoutMs: 20_000 });
    await npmClosed;
    assert.equal(await listening(dataPort), false, 'the data port is closed');
    assert.ok(
      records.some((r) => r['msg'] === 'signal received' && r['signal'] === 'SIGTERM'),
      'the gateway received SIGTERM and shut down gracefully (not killed with its parent)',
    );
  });
});
