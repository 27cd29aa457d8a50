/**
 * Start-up benchmark (issue 15): how long `gatehouse serve` takes from spawn to its `gatehouse ready`
 * log line and to a first answer from the data plane, and its resident memory then, for
 * - the compiled package (dist/, GATEHOUSE_DIST=1), as an install without dev dependencies runs it;
 * - src/ through tsx (GATEHOUSE_DIST=0) with tsx's transpile cache warm, as a developer runs it;
 * - the same with a cold cache (a fresh TMPDIR per start, where tsx keeps its cache), as every
 *   start of a fresh container or machine ran before the compiled build;
 * - the tree before issue 15 (`--baseline`, default below): tsx, and both storage drivers loaded at
 *   import.
 * Two configurations: the quickstart (token service on SQLite, a function, JWT routes) and a
 * gateway alone (one stock route: no token service, so no storage driver when loaded lazily).
 * Every variant runs once unmeasured (tsx's cache, the token service's keys), then `--rounds`
 * interleaved rounds. The gateway is not pinned to a core: start-up uses several threads (tsx's
 * esbuild service, pino's, libuv's), and the other benchmarks pin their targets to core 0, where a
 * neighbour's run would stretch every start. Memory is VmRSS and VmHWM (peak) from /proc once the
 * data plane has answered.
 * Usage: npm run bench -- startup [--rounds N]   or   node --import tsx bench/startup.ts [--rounds N] [--baseline REV]
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { ROOT, cpuSeconds, git, machineDescription, median } from './harness.ts';
import { freePort } from '../test/helpers/net.ts';

/** The last commit before issue 15's compiled build and lazy drivers. */
export const STARTUP_BASELINE = '24a0f1f';

interface Sample {
  readyMs: number;
  answerMs: number;
  /** CPU time (user + system, all threads) the process used until the first answer: a busy neighbour stretches the wall-clock figures far more than this one. */
  cpuMs: number;
  rssMb: number;
  peakRssMb: number;
}

interface Variant {
  name: string;
  /** Checkout whose bin/gatehouse.js runs. */
  root: string;
  env: NodeJS.ProcessEnv;
  /** A fresh TMPDIR for each start (tsx's cache starts empty). */
  coldTmp?: boolean;
}

interface Setup {
  name: string;
  /** Writes the config (and its files) into `dir`; returns the config file. */
  write(dir: string): string;
  /** Environment for one start (ports). */
  env(): Promise<NodeJS.ProcessEnv>;
}

/** The tree of `rev` (git archive, so this checkout's git state is untouched), using this checkout's node_modules. */
function snapshot(rev: string, parent: string): string {
  const dir = join(parent, `tree-${rev}`);
  mkdirSync(dir);
  const r = spawnSync('sh', ['-c', `git archive ${rev} | tar -x -C "${dir}"`], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git archive ${rev}: ${r.stderr}`);
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

function memoryMb(pid: number): { rssMb: number; peakRssMb: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024 };
  } catch {
    return { rssMb: NaN, peakRssMb: NaN };
  }
}

/** One start: spawn → `gatehouse ready` → a 200 from `/v1/status` → memory → SIGTERM. */
async function startOnce(variant: Variant, configFile: string, cwd: string, env: NodeJS.ProcessEnv, scratch: string): Promise<Sample> {
  const tmp = variant.coldTmp === true ? mkdtempSync(join(scratch, 'tmp-')) : undefined;
  const args = [join(variant.root, 'bin/gatehouse.js'), 'serve', '--config', configFile, '--port', '0', '--admin-port', '0'];
  const t0 = performance.now();
  const proc = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, GATEHOUSE_LOG_LEVEL: 'info', NODE_OPTIONS: undefined, ...env, ...variant.env, ...(tmp === undefined ? {} : { TMPDIR: tmp }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  try {
    let out = '';
    let err = '';
    proc.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    const ready = await new Promise<{ at: number; dataUrl: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${variant.name}: not ready in 60 s:\n${err}\n${out.slice(-2000)}`)), 60_000);
      proc.stdout.setEncoding('utf8').on('data', (c: string) => {
        const at = performance.now();
        out += c;
        const line = out.split('\n').find((l) => l.includes('"gatehouse ready"'));
        if (line === undefined) return;
        clearTimeout(timer);
        resolve({ at, dataUrl: (JSON.parse(line) as { dataUrl: string }).dataUrl });
      });
      void exited.then(() => reject(new Error(`${variant.name}: exited before it was ready:\n${err}\n${out}`)));
    });
    for (;;) {
      const res = await fetch(`${ready.dataUrl}/v1/status`).catch(() => null);
      await res?.arrayBuffer();
      if (res?.status === 200) break;
      if (performance.now() - t0 > 60_000) throw new Error(`${variant.name}: /v1/status never answered 200 (${res?.status})`);
    }
    const answerMs = performance.now() - t0;
    return { readyMs: ready.at - t0, answerMs, cpuMs: cpuSeconds(proc.pid!) * 1000, ...memoryMb(proc.pid!) };
  } finally {
    proc.kill('SIGTERM');
    const killer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
    if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
  }
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

function tableOf(rows: { name: string; samples: Sample[] }[], reference: string): string {
  const ref = rows.find((r) => r.name === reference);
  const refReady = median(ref?.samples.map((s) => s.readyMs) ?? [NaN]);
  const refCpu = median(ref?.samples.map((s) => s.cpuMs) ?? [NaN]);
  const refRss = median(ref?.samples.map((s) => s.rssMb) ?? [NaN]);
  const lines = [
    '| variant | ready, ms (median, min–max) | first answer, ms | CPU, ms | RSS, MB | peak RSS, MB | ready ×, CPU ×, RSS × (vs compiled) |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const ready = r.samples.map((s) => s.readyMs);
    const m = median(ready);
    const cpu = median(r.samples.map((s) => s.cpuMs));
    const rss = median(r.samples.map((s) => s.rssMb));
    lines.push(
      `| ${r.name} | ${fmt(m)} (${fmt(Math.min(...ready))}–${fmt(Math.max(...ready))}) | ${fmt(median(r.samples.map((s) => s.answerMs)))} | ${fmt(cpu)} | ${fmt(rss, 1)} | ` +
        `${fmt(median(r.samples.map((s) => s.peakRssMb)), 1)} | ${fmt(m / refReady, 2)}, ${fmt(cpu / refCpu, 2)}, ${fmt(rss / refRss, 2)} |`,
    );
  }
  return lines.join('\n');
}

export async function benchStartup(opts: { rounds: number; baseline?: string }): Promise<string> {
  const baseline = git(['rev-parse', '--short', opts.baseline ?? STARTUP_BASELINE]);
  const head = `${git(['rev-parse', '--short', 'HEAD'])}${git(['status', '--porcelain', '--', 'src', 'dist']) === '' ? '' : ' + uncommitted changes in src/ or dist/'}`;
  const scratch = mkdtempSync(join(tmpdir(), 'gatehouse-startup-'));
  try {
    const compiled = `compiled dist/ @ ${head}`;
    const variants: Variant[] = [
      { name: compiled, root: ROOT, env: { GATEHOUSE_DIST: '1' } },
      { name: `src/ through tsx, warm cache @ ${head}`, root: ROOT, env: { GATEHOUSE_DIST: '0' } },
      { name: `src/ through tsx, cold cache @ ${head}`, root: ROOT, env: { GATEHOUSE_DIST: '0' }, coldTmp: true },
      { name: `before: tsx, drivers at import @ ${baseline}`, root: snapshot(baseline, scratch), env: {} },
    ];
    const setups: Setup[] = [
      {
        name: 'quickstart (token service on SQLite, a function, JWT routes)',
        write: (dir) => {
          cpSync(join(ROOT, 'examples/quickstart'), dir, { recursive: true, filter: (src) => !src.includes('.gatehouse') });
          return join(dir, 'gatehouse.yaml');
        },
        env: async () => ({ IDP_PORT: String(await freePort()) }),
      },
      {
        name: 'gateway alone (one stock route, no token service)',
        write: (dir) => {
          const status = { path: '/status', methods: ['GET'], backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'ok' } };
          writeFileSync(join(dir, 'gatehouse.json'), JSON.stringify({ server: { host: '127.0.0.1' }, deployments: [{ name: 's', pathPrefix: '/v1', specification: { routes: [status] } }] }));
          return join(dir, 'gatehouse.json');
        },
        env: async () => ({}),
      },
    ];

    let out = `### Start-up of \`gatehouse serve\`\n\n${machineDescription().replace(/, target on core 0, wrk on core 1|, unpinned \(no taskset\)/, ', unpinned')}; ${opts.rounds} rounds after one unmeasured start per variant, interleaved. ` +
      '"ready": spawn to the `gatehouse ready` log line; "first answer": spawn to a 200 from the data plane; CPU: the process\'s CPU time (user + system, all threads) until then, ' +
      'the figure a busy neighbour changes least; RSS and peak RSS (VmRSS, VmHWM) right after the first answer.\n';
    for (const setup of setups) {
      // One directory per variant and configuration: the token service's keys are made at the first start.
      const dirs = variants.map((_, i) => {
        const dir = join(scratch, `${setups.indexOf(setup)}-${i}`);
        mkdirSync(dir);
        return { dir, config: setup.write(dir) };
      });
      const samples = variants.map(() => [] as Sample[]);
      for (let round = 0; round <= opts.rounds; round++) {
        for (const [i, v] of variants.entries()) {
          const s = await startOnce(v, dirs[i]!.config, dirs[i]!.dir, await setup.env(), scratch);
          if (round > 0) samples[i]!.push(s);
        }
      }
      out += `\n#### ${setup.name}\n\n${tableOf(variants.map((v, i) => ({ name: v.name, samples: samples[i]! })), compiled)}\n`;
    }
    return out;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('startup.ts')) {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, baseline: { type: 'string', default: STARTUP_BASELINE } } });
  process.stdout.write(await benchStartup({ rounds: Number(values.rounds), baseline: values.baseline }));
}
