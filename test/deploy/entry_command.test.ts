/**
 * The image's entry command, run exactly as the image runs it: the final stage's ENTRYPOINT + CMD,
 * from its WORKDIR (this checkout stands in for /app), as its USER, with its ENV, and the shipped
 * config (deploy/gatehouse.yaml, which the image COPYs to the path CMD names) at a temporary path.
 * The image itself is not built here (no Docker daemon): what is tested is the command and the
 * signal path, not `docker build`.
 *
 * As root, with util-linux's `unshare`, the command runs as PID 1 of a new PID namespace, as in a
 * container: there the kernel drops every signal PID 1 has no handler for, so a gateway that left
 * SIGTERM to the default action would never stop. The test then asks it what a client would
 * (a token from its token service, a proxied request), runs the image's HEALTHCHECK command
 * against it, and sends SIGTERM to it while a request is in flight, as the container runtime does:
 * the request completes, and the process exits 0 well before its drain timeout.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile } from '../../src/config/load.ts';
import { ROOT } from '../helpers/gateway.ts';
import { freePort } from '../helpers/net.ts';
import { eventually } from '../helpers/eventually.ts';
import { redisServerPath, startRedis, type RunningRedis } from '../helpers/redis.ts';
import { startUpstream } from '../helpers/upstream.ts';
import { DEPLOY, execForm, healthcheck, last, readDockerfile } from './deploy_files.ts';

/** What the final stage of the Dockerfile says about how the container runs. */
function imageSpec() {
  const stage = readDockerfile().at(-1)!;
  const entrypoint = execForm(last(stage, 'ENTRYPOINT')!.args);
  const cmd = execForm(last(stage, 'CMD')!.args);
  const env: Record<string, string> = {};
  for (const i of stage.instructions.filter((x) => x.keyword === 'ENV')) {
    for (const m of i.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(\S+)/g)) env[m[1] as string] = m[2] as string;
  }
  const [uid, gid] = last(stage, 'USER')!.args.split(':').map(Number);
  return {
    base: stage.from,
    workdir: last(stage, 'WORKDIR')!.args,
    entrypoint,
    cmd,
    env,
    uid: uid as number,
    gid: gid ?? (uid as number),
    stopSignal: last(stage, 'STOPSIGNAL')?.args ?? 'SIGTERM',
    healthcheck: healthcheck(last(stage, 'HEALTHCHECK')!),
  };
}

/** One request on its own connection. */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers: { connection: 'close', ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/** Runs a command to its end; resolves with its exit code. */
function run(argv: string[], env: NodeJS.ProcessEnv): Promise<number | null> {
  return new Promise((resolve) => {
    const c = spawn(argv[0] as string, argv.slice(1), { env, stdio: 'ignore' });
    c.once('exit', (code) => resolve(code));
  });
}

/** Pids of a process's children (Linux /proc). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

const isRoot = process.getuid?.() === 0;
const canNamespace = isRoot && spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true'], { stdio: 'ignore' }).status === 0;
const canDropUser = isRoot && spawnSync('setpriv', ['--help'], { stdio: 'ignore' }).status === 0;

describe('the image\'s entry command (ENTRYPOINT + CMD)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('answers, passes its own HEALTHCHECK, and as PID 1 stops on SIGTERM with exit 0 after finishing the request in flight', { timeout: 90_000 }, async () => {
    const image = imageSpec();
    assert.equal(image.stopSignal, 'SIGTERM');
    assert.equal(image.entrypoint[0], 'node', 'the entry file is run by node itself, no shell or npm in between');
    assert.match(image.base, /^node:\$\{NODE_VERSION\}-bookworm-slim$|^node:20-bookworm-slim$/);
    const configArg = image.cmd.indexOf('--config');
    const imageConfig = image.cmd[configArg + 1] as string;
    assert.ok(configArg >= 0 && imageConfig.startsWith('/'), `CMD names an absolute --config: ${JSON.stringify(image.cmd)}`);

    // The image's /etc/gatehouse/gatehouse.yaml is deploy/gatehouse.yaml (COPY in the Dockerfile).
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-entry-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const configFile = join(dir, 'gatehouse.yaml');
    copyFileSync(join(DEPLOY, 'gatehouse.yaml'), configFile);
    if (canDropUser) chownSync(dir, image.uid, image.gid);

    const upstream = await startUpstream();
    cleanups.push(() => upstream.close());
    let redis: RunningRedis | null = null;
    const redisPassword = 'entry-test-redis';
    if (existsSync(redisServerPath())) {
      redis = await startRedis({ password: redisPassword });
      cleanups.push(() => redis!.close());
    }
    const [port, adminPort, idpPort] = [await freePort(), await freePort(), await freePort()];
    const clientSecret = 'entry-test-client-secret';
    // What `docker run -e ...` (or the Deployment and its Secret) would give the container.
    const runEnv: Record<string, string> = {
      GATEHOUSE_PORT: String(port),
      GATEHOUSE_ADMIN_PORT: String(adminPort),
      GATEHOUSE_IDP_PORT: String(idpPort),
      GATEHOUSE_ISSUER: 'http://gatehouse:4000/',
      GATEHOUSE_DATABASE_URL: join(dir, 'idp.sqlite'),
      GATEHOUSE_IDP_MASTER_KEY: 'entry-test-master-key-entry-test-master-key',
      CLIENT_SECRET: clientSecret,
      MANAGEMENT_CLIENT_SECRET: 'entry-test-management-secret',
      GATEHOUSE_ADMIN_KEY: 'entry-test-admin-key-entry-test',
      // Without a redis-server here: nothing listens there, and rate limits fail open.
      REDIS_URL: redis?.url ?? `redis://127.0.0.1:${await freePort()}`,
      REDIS_PASSWORD: redisPassword,
      BACKEND_URL: upstream.url,
    };
    // In the image tsx is not installed, so bin/gatehouse.js runs the compiled dist/; this
    // checkout has tsx, and GATEHOUSE_DIST=1 makes the same choice.
    const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, ...image.env, GATEHOUSE_DIST: '1', ...runEnv };
    const config = loadConfigFile(configFile, env).config;
    const shutdownSec = config.server?.shutdownTimeoutInSeconds as number;

    if (canDropUser) {
      // The files the image's USER must read; the image copies them from the build with their modes.
      const entry = join(ROOT, 'dist/cli/main.js');
      const r = spawnSync('setpriv', [`--reuid=${image.uid}`, `--regid=${image.gid}`, '--clear-groups', '--', 'test', '-r', entry]);
      assert.equal(r.status, 0, `${entry} is not readable by uid ${image.uid}, the image's USER: the image would not start (see build_output.test.ts)`);
    }
    const command = [process.execPath, ...image.entrypoint.slice(1), ...image.cmd.map((a) => (a === imageConfig ? configFile : a))];
    const drop = canDropUser ? ['setpriv', `--reuid=${image.uid}`, `--regid=${image.gid}`, '--clear-groups', '--'] : [];
    // --kill-child: if the test dies, so does the gateway.
    const argv = canNamespace ? ['unshare', '--pid', '--fork', '--mount-proc', '--kill-child', ...drop, ...command] : [...drop, ...command];
    const proc: ChildProcess = spawn(argv[0] as string, argv.slice(1), { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<{ code: number | null; at: number }>((resolve) => proc.once('exit', (code) => resolve({ code, at: Date.now() })));
    cleanups.push(async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGKILL');
        await exited;
      }
    });
    const records: Record<string, unknown>[] = [];
    let out = '';
    let err = '';
    proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      for (let nl = out.indexOf('\n'); nl !== -1; nl = out.indexOf('\n')) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        if (line.startsWith('{')) records.push(JSON.parse(line) as Record<string, unknown>);
      }
    });
    proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    const logged = (msg: string) => records.find((r) => r['msg'] === msg);

    await eventually(`the gateway is ready (stderr: ${err})`, () => logged('gatehouse ready') !== undefined || proc.exitCode !== null, { timeoutMs: 30_000 });
    const ready = logged('gatehouse ready');
    assert.ok(ready, `the entry command exited with ${proc.exitCode} before it was ready:\n${err}`);
    assert.equal(ready['semiSpaceMb'], 32, 'node runs with the young generation Gatehouse is measured with');
    let gatewayPid = proc.pid as number;
    if (canNamespace) {
      assert.equal(ready['pid'], 1, 'the gateway is PID 1 of its namespace, as in a container');
      const kids = childrenOf(proc.pid as number);
      assert.equal(kids.length, 1, `unshare has one child, the gateway: ${kids.join(',')}`);
      gatewayPid = kids[0] as number;
    }
    if (canDropUser) assert.match(readFileSync(`/proc/${gatewayPid}/status`, 'utf8'), new RegExp(`^Uid:\\s+${image.uid}\\s`, 'm'), 'runs as the image\'s USER');

    // The image's HEALTHCHECK, exactly, with the container's environment; ready once the JWKS is in.
    await eventually('the HEALTHCHECK command passes', async () => (await run([process.execPath, ...image.healthcheck.command.slice(1)], env)) === 0, { timeoutMs: 20_000 });

    // A client's view: a token from the token service, then the proxied API.
    const tokenRes = await fetch(`http://127.0.0.1:${idpPort}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', client_id: 'example-client', client_secret: clientSecret, audience: 'https://api.example.com' }),
    });
    assert.equal(tokenRes.status, 200, await tokenRes.clone().text());
    const token = ((await tokenRes.json()) as { access_token: string }).access_token;
    const auth = { authorization: `Bearer ${token}` };
    assert.equal((await get(`http://127.0.0.1:${port}/api/echo`)).status, 401);
    const echoed = await get(`http://127.0.0.1:${port}/api/echo`, auth);
    assert.equal(echoed.status, 200, echoed.body);
    assert.equal((JSON.parse(echoed.body) as { url: string }).url, '/echo');

    // A request in flight when the runtime sends the stop signal.
    const seen = upstream.received.length;
    const inFlight = get(`http://127.0.0.1:${port}/api/slow-headers?ms=1500`, auth);
    await eventually('the slow request reached the backend', () => upstream.received.length > seen);
    const signalledAt = Date.now();
    process.kill(gatewayPid, image.stopSignal as NodeJS.Signals);

    const answer = await inFlight;
    assert.deepEqual(answer, { status: 200, body: 'late' }, 'the request in flight completes');
    // Bounded: a PID 1 that ignored the signal would never exit.
    const limitMs = Math.min(10, shutdownSec) * 1000;
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([exited, new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), limitMs - (Date.now() - signalledAt))))]);
    clearTimeout(timer);
    assert.ok(outcome !== null, `still running ${limitMs} ms after ${image.stopSignal}: the signal did not stop it (stderr: ${err})`);
    assert.equal(outcome.code, 0, `exit code (stderr: ${err})`);
    assert.equal(await accepts(port), false, 'the data port is closed');
    assert.ok(records.some((r) => r['msg'] === 'signal received' && r['signal'] === 'SIGTERM'), 'the gateway handled SIGTERM');
    assert.ok(logged('stopped'), 'the gateway ran its shutdown to the end');
    assert.equal(logged('shutdown timeout: closing remaining connections'), undefined);
    // And the health check fails once nothing answers: it does test something.
    assert.notEqual(await run([process.execPath, ...image.healthcheck.command.slice(1)], env), 0);
  });
});
