/**
 * Shared benchmark plumbing. Targets run pinned to core 0 and the load generator (wrk, from Debian)
 * to core 1 when `taskset` exists, so a 2-core machine measures one core of gateway. Every figure is
 * reported as a ratio to a baseline measured in the same run, in interleaved rounds, because these
 * machines are shared and noisy.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SEMI_SPACE_FLAG } from '../src/lib/node_flags.ts';

export const ROOT = resolve(import.meta.dirname, '..');

/** Runs git in this checkout and returns its trimmed output; throws on failure. */
export function git(args: string[]): string {
  const r = spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

/** A detached worktree of `rev` sharing this checkout's node_modules (an A/B baseline); returns its directory and its remover. */
export function worktree(rev: string): { dir: string; remove(): void } {
  const dir = join(mkdtempSync(join(tmpdir(), 'gatehouse-baseline-')), 'tree');
  git(['worktree', 'add', '--detach', dir, rev]);
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return {
    dir,
    remove: () => {
      git(['worktree', 'remove', '--force', dir]);
      rmSync(join(dir, '..'), { recursive: true, force: true });
    },
  };
}
const HAS_TASKSET = spawnSync('sh', ['-c', 'command -v taskset'], { encoding: 'utf8' }).status === 0;

/** Prefixes a command with `taskset -c <core>` when available. */
export function pinned(core: number | string, cmd: string, args: string[]): [string, string[]] {
  return HAS_TASKSET ? ['taskset', ['-c', String(core), cmd, ...args]] : [cmd, args];
}

/** Installs wrk from Debian if it is missing (root on these machines). */
export function ensureWrk(): void {
  if (spawnSync('sh', ['-c', 'command -v wrk']).status === 0) return;
  console.error('installing wrk from Debian ...');
  const r = spawnSync('sh', ['-c', 'apt-get install -y -qq wrk >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null)'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('wrk is needed for the benchmarks: apt-get install wrk');
}

export interface Target {
  name: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Spawns a process pinned to `core` and waits until `ready` matches a line of its stdout or stderr.
 * Returns the first match group (usually a URL). `root` is the working directory (another checkout,
 * e.g. a git worktree of an older revision, for A/B runs). With `drainStdout` the target's stdout
 * (the gateway's log lines; its banner is on stderr) goes to a pipe read by `cat` on core 1: this
 * process blocks while wrk runs, so a pipe to it would fill and stall a target that logs every request.
 */
export async function spawnTarget(
  name: string,
  core: number | string,
  cmd: string,
  args: string[],
  ready: RegExp,
  env: NodeJS.ProcessEnv = {},
  opts: { root?: string; drainStdout?: boolean } = {},
): Promise<Target & { match: string }> {
  const [c, a] = pinned(core, cmd, args);
  const drain = opts.drainStdout === true ? spawn(...pinned(1, 'cat', []), { stdio: ['pipe', 'ignore', 'ignore'] }) : null;
  const proc = spawn(c, a, { cwd: opts.root ?? ROOT, env: { ...process.env, GATEHOUSE_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', drain?.stdin ?? 'pipe', 'pipe'] });
  // The target holds the write end now; cat ends when the target does.
  drain?.stdin?.destroy();
  const streams = [proc.stdout, proc.stderr].filter((s) => s !== null);
  let out = '';
  let onData: (d: Buffer) => void = () => {};
  const match = await new Promise<string>((resolveReady, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${name} did not start:\n${out}`));
    }, 20000);
    onData = (d: Buffer) => {
      out += d.toString();
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveReady(m[1] ?? m[0]);
      }
    };
    for (const s of streams) s.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`${name} exited with ${code}:\n${out}`)));
  }).catch((err: unknown) => {
    drain?.kill('SIGKILL');
    throw err;
  });
  // From here on the output is only drained: neither kept nor searched.
  for (const s of streams) s.off('data', onData).resume();
  return {
    name,
    proc,
    match,
    stop: () =>
      new Promise<void>((r) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return r();
        // Not unref'd: the bench must not exit before a stubborn target is killed.
        const killer = setTimeout(() => proc.kill('SIGKILL'), 5000);
        proc.once('exit', () => (clearTimeout(killer), r()));
        proc.kill('SIGTERM');
      }).finally(() => void drain?.kill('SIGKILL')),
  };
}

/** Gatehouse's default log level (info: one access line per request), which spawnTarget's warn would hide. */
export const ACCESS_LOG_ON: NodeJS.ProcessEnv = { GATEHOUSE_LOG_LEVEL: undefined };
/** What `npm start`, the container image and the systemd unit pass to node (src/lib/node_flags.ts). */
export const SHIPPED_NODE_FLAGS = [SEMI_SPACE_FLAG];

/** Log level warn: no access lines (the row that shows what they cost). */
export const ACCESS_LOG_OFF: NodeJS.ProcessEnv = { GATEHOUSE_LOG_LEVEL: 'warn' };

/**
 * Runs `gatehouse serve` (pinned to core 0, or `cores`) on `config`, written to a fresh temp
 * directory that is removed on stop; `match` is the data-plane URL. Access logs are on (the
 * default level, stdout drained by `cat`) unless `env` is ACCESS_LOG_OFF. `opts` as for spawnTarget
 * (`root`: the checkout whose bin/gatehouse.js runs); `args` are added to `serve`'s. Node runs with
 * the flags the shipped launchers pass (`npm start`, the image, the systemd unit: SHIPPED_NODE_FLAGS)
 * unless `nodeFlags` says otherwise (`[]`: a bare `gatehouse serve`).
 */
export async function spawnGatehouse(
  config: object,
  env: NodeJS.ProcessEnv = {},
  opts: { root?: string; drainStdout?: boolean; args?: string[]; cores?: string; nodeFlags?: string[] } = {},
): Promise<Target & { match: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
  const file = join(dir, 'gatehouse.json');
  writeFileSync(file, JSON.stringify(config));
  try {
    const args = [...(opts.nodeFlags ?? SHIPPED_NODE_FLAGS), 'bin/gatehouse.js', 'serve', '--config', file, '--port', '0', '--admin-port', '0', ...(opts.args ?? [])];
    // Users run with access logs on: the gateway's default level unless `env` says otherwise, its
    // stdout drained by `cat` (see spawnTarget).
    const t = await spawnTarget('gatehouse', opts.cores ?? 0, process.execPath, args, /data plane\s+(http:\/\/\S+)/, { ...ACCESS_LOG_ON, ...env }, { drainStdout: true, ...opts });
    return { ...t, stop: () => t.stop().finally(() => rmSync(dir, { recursive: true, force: true })) };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

export interface WrkResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /** The target's CPU time (user + system, all threads) per request, in µs: see runWrkCpu. */
  cpuUsPerReq?: number;
}

function toMs(v: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(v.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 's' ? n * 1000 : n;
}

/**
 * Runs wrk (pinned to core 1) against `url`. `script` is an optional Lua script text
 * (e.g. to cycle Authorization headers).
 */
export function runWrk(url: string, opts: { seconds: number; connections: number; headers?: Record<string, string>; script?: string }): WrkResult {
  const args = ['-t1', `-c${opts.connections}`, `-d${opts.seconds}s`, '--latency'];
  for (const [k, v] of Object.entries(opts.headers ?? {})) args.push('-H', `${k}: ${v}`);
  let scriptDir: string | null = null;
  if (opts.script !== undefined) {
    scriptDir = mkdtempSync(join(tmpdir(), 'gatehouse-wrk-'));
    writeFileSync(join(scriptDir, 'script.lua'), opts.script);
    args.push('-s', join(scriptDir, 'script.lua'));
  }
  args.push(url);
  const [c, a] = pinned(1, 'wrk', args);
  const r = spawnSync(c, a, { encoding: 'utf8', timeout: (opts.seconds + 30) * 1000 });
  if (scriptDir !== null) rmSync(scriptDir, { recursive: true, force: true });
  const text = r.stdout ?? '';
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? NaN);
  const p50 = /\s50%\s+(\S+)/.exec(text)?.[1];
  const p99 = /\s99%\s+(\S+)/.exec(text)?.[1];
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(text)?.[1] ?? 0);
  const errLine = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const errors = errLine ? errLine.slice(1).reduce((s, v) => s + Number(v), 0) : 0;
  if (!Number.isFinite(rps)) throw new Error(`wrk failed: ${r.stderr}\n${text}`);
  return { rps, p50Ms: p50 ? toMs(p50) : NaN, p99Ms: p99 ? toMs(p99) : NaN, non2xx, errors };
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

/** CPU seconds (user + system, all threads) process `pid` has used so far, from /proc (NaN without it). */
export function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/**
 * runWrk, plus the CPU time process `pid` spent per request. On a shared machine a neighbour on the
 * target's core lowers its throughput but hardly its CPU per request, so small differences show
 * in this figure first.
 */
export function runWrkCpu(pid: number, url: string, opts: Parameters<typeof runWrk>[1]): WrkResult {
  const before = cpuSeconds(pid);
  const r = runWrk(url, opts);
  return { ...r, cpuUsPerReq: ((cpuSeconds(pid) - before) / (r.rps * opts.seconds)) * 1e6 };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export interface Row {
  name: string;
  samples: WrkResult[];
}

/**
 * Markdown table of medians, spreads and ratios to the row named `baseline`; with a CPU column
 * (median µs per request and its ratio to the baseline's) when the samples carry cpuUsPerReq.
 */
export function table(rows: Row[], baseline: string): string {
  const baseRow = rows.find((r) => r.name === baseline);
  const base = median(baseRow?.samples.map((s) => s.rps) ?? [NaN]);
  const cpuOf = (r: Row | undefined) => median(r?.samples.map((s) => s.cpuUsPerReq ?? NaN) ?? [NaN]);
  const withCpu = rows.some((r) => r.samples.some((s) => s.cpuUsPerReq !== undefined));
  const baseCpu = cpuOf(baseRow);
  const lines = [
    `| scenario | req/s (median) | spread (min–max) | p50 ms | p99 ms | non-2xx | errors | ratio to baseline |${withCpu ? ' CPU µs/request (ratio) |' : ''}`,
    `|---|---:|---:|---:|---:|---:|---:|---:|${withCpu ? '---:|' : ''}`,
  ];
  for (const r of rows) {
    const rps = r.samples.map((s) => s.rps);
    const med = median(rps);
    const cpu = withCpu ? ` ${cpuOf(r).toFixed(1)} (${(cpuOf(r) / baseCpu).toFixed(2)}×) |` : '';
    lines.push(
      `| ${r.name} | ${Math.round(med)} | ${Math.round(Math.min(...rps))}–${Math.round(Math.max(...rps))} | ${median(r.samples.map((s) => s.p50Ms)).toFixed(2)} | ${median(r.samples.map((s) => s.p99Ms)).toFixed(2)} | ${r.samples.reduce((n, s) => n + s.non2xx, 0)} | ${r.samples.reduce((n, s) => n + s.errors, 0)} | ${(med / base).toFixed(2)}× |${cpu}`,
    );
  }
  return lines.join('\n');
}

/** Runs each scenario once per round, interleaved, and returns the samples per scenario. */
export async function interleave(scenarios: { name: string; run: () => WrkResult }[], rounds: number): Promise<Row[]> {
  const rows: Row[] = scenarios.map((s) => ({ name: s.name, samples: [] }));
  for (let round = 1; round <= rounds; round++) {
    for (let i = 0; i < scenarios.length; i++) {
      const s = scenarios[i]!;
      const r = s.run();
      rows[i]!.samples.push(r);
      console.error(`round ${round}/${rounds} ${s.name}: ${Math.round(r.rps)} req/s`);
    }
  }
  return rows;
}

export function machineDescription(): string {
  const cpu = spawnSync('sh', ['-c', "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], { encoding: 'utf8' }).stdout.trim();
  return `${cpu || 'unknown CPU'}, ${spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()} cores, Node ${process.version}, ${HAS_TASKSET ? 'target on core 0, wrk on core 1' : 'unpinned (no taskset)'}`;
}
