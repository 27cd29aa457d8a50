/**
 * End-to-end harness: runs the real `gatehouse serve` process on loopback with a config written to
 * a fresh temp directory, and waits for its `gatehouse ready` log line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { get as httpsGet } from 'node:https';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin/gatehouse.js');

export interface StartOptions {
  /** The config: an object (written as YAML) or YAML/JSON text. */
  config: object | string;
  /** Directory to write `gatehouse.yaml` into (default: a fresh temp dir, removed on stop). */
  cwd?: string;
  /** Extra files to write next to the config: name → content. */
  files?: Record<string, string>;
  /** Extra CLI arguments (ports default to 0). */
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** How long to wait for readiness, ms (default 15000). */
  timeoutMs?: number;
}

export interface RunningGatewayProcess {
  url: string;
  adminUrl: string;
  idpUrl: string | null;
  /** The admin key the gateway generated (read from the file its ready line names); null with admin.keys or none. */
  adminKey: string | null;
  /** Headers for a change on the admin plane: the admin key as a Bearer credential, and JSON. */
  adminHeaders(): Record<string, string>;
  dir: string;
  configFile: string;
  proc: ChildProcess;
  /** stdout lines so far (JSON logs). */
  logs(): string[];
  /** Parsed JSON log records so far. */
  records(): Record<string, unknown>[];
  /**
   * Every stdout line written so far, once the batched log has caught up: logs lines are written up
   * to 25 ms late, so a check that something was never logged reads these. Sends one request to an
   * unrouted marker path and waits for its access line (lines are written in order). Needs the
   * access log on; with `--workers`, it proves only that the worker that served the marker flushed.
   */
  settledLogs(): Promise<string[]>;
  stderr(): string;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** Waits until a log record satisfies `pred` (default timeout 5 s). */
  waitFor(pred: (r: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** SIGTERM, wait for exit (SIGKILL after 10 s), remove the temp dir. */
  stop(): Promise<number | null>;
}

export async function startGateway(opts: StartOptions): Promise<RunningGatewayProcess> {
  const dir = opts.cwd ?? mkdtempSync(join(tmpdir(), 'gatehouse-e2e-'));
  const ownDir = opts.cwd === undefined;
  const configFile = join(dir, 'gatehouse.yaml');
  writeFileSync(configFile, typeof opts.config === 'string' ? opts.config : stringify(opts.config));
  for (const [name, content] of Object.entries(opts.files ?? {})) writeFileSync(join(dir, name), content);

  const args = opts.args ?? [];
  const withPorts = [...args];
  if (!args.includes('--port')) withPorts.push('--port', '0');
  if (!args.includes('--admin-port')) withPorts.push('--admin-port', '0');
  const proc = spawn(process.execPath, [BIN, 'serve', '--config', configFile, ...withPorts], {
    cwd: dir,
    env: { ...process.env, GATEHOUSE_LOG_LEVEL: 'info', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const records: Record<string, unknown>[] = [];
  let err = '';
  let partial = '';
  const waiters: { pred: (r: Record<string, unknown>) => boolean; resolve: (r: Record<string, unknown>) => void }[] = [];
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    partial += chunk;
    let nl;
    while ((nl = partial.indexOf('\n')) !== -1) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      lines.push(line);
      try {
        const rec = JSON.parse(line) as Record<string, unknown>;
        records.push(rec);
        for (let i = waiters.length - 1; i >= 0; i--) {
          const w = waiters[i]!;
          if (w.pred(rec)) {
            waiters.splice(i, 1);
            w.resolve(rec);
          }
        }
      } catch {
        // not JSON: kept in lines()
      }
    }
  });
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | null>((res) => proc.once('exit', (code) => res(code)));

  function waitFor(pred: (r: Record<string, unknown>) => boolean, timeoutMs = 5000): Promise<Record<string, unknown>> {
    const found = records.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolveWait, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for a log record; stderr:\n${err}\nstdout:\n${lines.slice(-20).join('\n')}`)), timeoutMs);
      waiters.push({ pred, resolve: (r) => (clearTimeout(timer), resolveWait(r)) });
    });
  }

  const ready = waitFor((r) => r['msg'] === 'gatehouse ready', opts.timeoutMs ?? 15000);
  const failed = exited.then((code) => {
    throw new Error(`gatehouse exited with ${code} before it was ready:\n${err}\n${lines.join('\n')}`);
  });
  let rec: Record<string, unknown>;
  try {
    rec = await Promise.race([ready, failed]);
  } catch (e) {
    proc.kill('SIGKILL');
    if (ownDir) rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  failed.catch(() => undefined);

  let stopping: Promise<number | null> | null = null;
  let markers = 0;
  const dataUrl = rec['dataUrl'] as string;
  async function settledLogs(): Promise<string[]> {
    const marker = `/gatehouse-test-log-marker-${++markers}`;
    const line = waitFor((r) => r['msg'] === 'access' && r['path'] === marker);
    line.catch(() => undefined); // awaited below unless the marker request itself fails

    if (dataUrl.startsWith('https:')) {
      // The marker only needs an access line: the server certificate is not what is tested here.
      await new Promise<void>((done, fail) => httpsGet(`${dataUrl}${marker}`, { rejectUnauthorized: false }, (res) => res.resume().on('end', done)).on('error', fail));
    } else {
      await (await fetch(`${dataUrl}${marker}`)).arrayBuffer();
    }
    await line;
    return lines;
  }
  const keyFile = rec['adminKeyFile'];
  const adminKey = typeof keyFile === 'string' ? readFileSync(keyFile, 'utf8').trim() : null;
  return {
    url: dataUrl,
    adminUrl: rec['adminUrl'] as string,
    idpUrl: (rec['idpUrl'] as string | null) ?? null,
    adminKey,
    adminHeaders: () => ({ ...(adminKey === null ? {} : { authorization: `Bearer ${adminKey}` }), 'content-type': 'application/json' }),
    dir,
    configFile,
    proc,
    logs: () => lines,
    records: () => records,
    settledLogs,
    stderr: () => err,
    exited,
    waitFor,
    stop() {
      stopping ??= (async () => {
        if (proc.exitCode === null && proc.signalCode === null) {
          proc.kill('SIGTERM');
          const killer = setTimeout(() => proc.kill('SIGKILL'), 10000);
          await exited;
          clearTimeout(killer);
        }
        if (ownDir) rmSync(dir, { recursive: true, force: true });
        return proc.exitCode;
      })();
      return stopping;
    },
  };
}

/** Runs the gatehouse CLI to completion; returns exit code, stdout and stderr. */
export function runCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun) => {
    const proc = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    proc.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    proc.stdin.end(opts.input ?? '');
    proc.once('exit', (code) => resolveRun({ code, stdout, stderr }));
  });
}
