/**
 * A real `redis-server` (Debian's `redis-server` package) on a free 127.0.0.1 port, for the
 * shared-state tests. Missing binary: the test is skipped with a visible message, unless
 * `GATEHOUSE_REQUIRE_REDIS=1` (set by `.ci/run`), where it is a failure. `GATEHOUSE_REDIS_SERVER`
 * names another binary.
 *
 * The configuration goes in on stdin (`redis-server -`), so a password never shows in `ps`.
 * Nothing is persisted: no RDB, no AOF; the working directory is a fresh temporary one.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { freePort } from './net.ts';

export interface RunningRedis {
  /** `redis://127.0.0.1:<port>`, or `rediss://` with TLS (no password in it). */
  readonly url: string;
  readonly port: number;
  /** Pid of the current server process (changes on restart). */
  readonly pid: number;
  /** Stops the server (SIGKILL, like a crash: connections drop at once) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  restart(): Promise<void>;
  /** Stops it for good and removes its directory. */
  close(): Promise<void>;
}

export interface RedisOptions {
  /** Sets `requirepass`. */
  password?: string;
  /** Serve TLS only (no plain port), with this PEM certificate and key. */
  tls?: { certFile: string; keyFile: string };
}

/** The redis-server binary to use. */
export function redisServerPath(): string {
  return process.env['GATEHOUSE_REDIS_SERVER'] || '/usr/bin/redis-server';
}

/**
 * The redis-server path, or null after marking `t` skipped (with the reason shown) when there is
 * none; a failure instead under GATEHOUSE_REQUIRE_REDIS=1.
 */
export function redisOrSkip(t: TestContext): string | null {
  const path = redisServerPath();
  if (existsSync(path)) return path;
  if (process.env['GATEHOUSE_REQUIRE_REDIS'] === '1') assert.fail(`GATEHOUSE_REQUIRE_REDIS=1 but there is no redis-server at ${path} (apt-get install redis-server, or set GATEHOUSE_REDIS_SERVER)`);
  t.skip(`redis-server not installed at ${path}: apt-get install redis-server (or set GATEHOUSE_REDIS_SERVER)`);
  return null;
}

/** Answers true once the server answers PING (with PONG, or NOAUTH when it wants a password). */
function answersPing(port: number, tls: boolean): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tls ? tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false }) : connect(port, '127.0.0.1');
    let got = '';
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(500, () => done(false));
    s.on('error', () => done(false));
    s.on(tls ? 'secureConnect' : 'connect', () => s.write('PING\r\n'));
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (got.includes('\r\n')) done(got.startsWith('+PONG') || got.startsWith('-NOAUTH'));
    });
  });
}

async function waitForPing(port: number, tls: boolean, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`redis-server exited (${child.exitCode ?? child.signalCode}): ${stderr()}`);
    if (await answersPing(port, tls)) return;
    if (Date.now() > deadline) throw new Error(`redis-server did not answer on port ${port} within 10 s: ${stderr()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Starts a redis-server; call redisOrSkip first. */
export async function startRedis(opts: RedisOptions = {}): Promise<RunningRedis> {
  const bin = redisServerPath();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-redis-'));
  const tls = opts.tls !== undefined;
  const conf = [
    ...(opts.tls !== undefined
      ? ['port 0', `tls-port ${port}`, `tls-cert-file ${opts.tls.certFile}`, `tls-key-file ${opts.tls.keyFile}`, 'tls-auth-clients no']
      : [`port ${port}`]),
    'bind 127.0.0.1',
    'protected-mode no',
    'save ""',
    'appendonly no',
    `dir ${dir}`,
    'loglevel warning',
    'daemonize no',
    ...(opts.password !== undefined ? [`requirepass "${opts.password.replace(/["\\]/g, '\\$&')}"`] : []),
  ].join('\n');
  let child: ChildProcess | null = null;
  let out = '';

  async function start(): Promise<void> {
    out = '';
    const c = spawn(bin, ['-'], { stdio: ['pipe', 'pipe', 'pipe'] });
    child = c;
    c.stdout?.on('data', (d: Buffer) => void (out = (out + d.toString()).slice(-4000)));
    c.stderr?.on('data', (d: Buffer) => void (out = (out + d.toString()).slice(-4000)));
    c.stdin?.end(`${conf}\n`);
    await waitForPing(port, tls, c, () => out);
  }

  async function stop(): Promise<void> {
    const c = child;
    if (c === null || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGKILL');
    await exited;
  }

  await start();
  return {
    url: `${tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`,
    port,
    get pid() {
      return child?.pid ?? -1;
    },
    stop,
    restart: async () => {
      await stop();
      await start();
    },
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
