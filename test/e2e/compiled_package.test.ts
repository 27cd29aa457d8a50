/**
 * Issue 15's test of the compiled package, as a user does it: a fresh copy of the repository,
 * `npm ci --omit=dev` (no tsx, no TypeScript), then `gatehouse serve` on the quickstart, asked for
 * a token by the local token service and called on the sample route with it.
 *
 * The copy holds the files git tracks or would track (`git ls-files --cached --others
 * --exclude-standard`), as they are in the working tree: a clone of HEAD with the uncommitted work,
 * so the test checks what is about to be committed. It goes to the system temp directory, away from
 * this checkout's node_modules, which Node's resolution would otherwise find by walking up.
 *
 * npm installs from its cache when it can (--prefer-offline) and from the registry otherwise. The
 * install runs the dependencies' install scripts like any user's: better-sqlite3's fetches its
 * native addon or compiles it (minutes). When this checkout has a compiled addon, the test hands it
 * to better-sqlite3's installer (prebuild-install) as a local prebuild, the file it would otherwise
 * download, so the install takes seconds. Without a registry or cache the test is skipped with the
 * reason, unless GATEHOUSE_REQUIRE_BUILD_TEST=1 (CI), where it fails.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ROOT } from '../helpers/gateway.ts';
import { freePort } from '../helpers/net.ts';

const REQUIRED = process.env['GATEHOUSE_REQUIRE_BUILD_TEST'] === '1';
/** npm's ways of saying it could reach neither the registry nor a cached copy. */
const OFFLINE = /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|ENOTCACHED|ERR_SOCKET_TIMEOUT)\b/;

/** Copies the files git tracks or would track from this checkout to `dest`. */
function copyCheckout(dest: string): void {
  const r = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, `git ls-files: ${r.stderr}`);
  for (const file of r.stdout.split('\0')) {
    if (file === '') continue;
    const from = join(ROOT, file);
    // Deleted in the working tree but still in the index: not in the copy either.
    if (!existsSync(from) || !statSync(from).isFile()) continue;
    mkdirSync(dirname(join(dest, file)), { recursive: true });
    copyFileSync(from, join(dest, file));
  }
}

/**
 * A directory holding this checkout's compiled better-sqlite3 addon as the prebuild archive
 * prebuild-install looks for (`<name>-v<version>-node-v<abi>-<platform>-<arch>.tar.gz`, holding
 * build/Release/better_sqlite3.node), or null when there is none to hand over.
 */
function localPrebuild(scratch: string): string | null {
  const pkgDir = join(ROOT, 'node_modules/better-sqlite3');
  const addon = join(pkgDir, 'build/Release/better_sqlite3.node');
  if (!existsSync(addon) || process.platform !== 'linux') return null;
  const { version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string };
  const stage = join(scratch, 'stage');
  mkdirSync(join(stage, 'build/Release'), { recursive: true });
  copyFileSync(addon, join(stage, 'build/Release/better_sqlite3.node'));
  const dir = join(scratch, 'prebuilds');
  mkdirSync(dir);
  const archive = join(dir, `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`);
  const r = spawnSync('tar', ['-czf', archive, '-C', stage, 'build'], { encoding: 'utf8' });
  return r.status === 0 ? dir : null;
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const proc = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    proc.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
    proc.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.once('error', (err) => (clearTimeout(timer), resolve({ code: null, output: `${output}\n${err.message}` })));
    proc.once('close', (code) => (clearTimeout(timer), resolve({ code, output })));
  });
}

describe('compiled package (e2e)', () => {
  const cleanups: (() => void)[] = [];
  after(() => {
    for (const c of cleanups.reverse()) c();
  });

  it('starts the quickstart from `npm ci --omit=dev` in a fresh copy, with no TypeScript tooling installed', { timeout: 600_000 }, async (t) => {
    const scratch = mkdtempSync(join(tmpdir(), 'gatehouse-compiled-'));
    cleanups.push(() => rmSync(scratch, { recursive: true, force: true }));
    const app = join(scratch, 'gatehouse');
    copyCheckout(app);
    assert.ok(existsSync(join(app, 'dist/cli/main.js')), 'the copy holds dist/: run `npm run build` and commit dist/');

    const prebuilds = localPrebuild(scratch);
    const install = await run(
      'npm',
      ['ci', '--omit=dev', '--ignore-scripts=false', '--prefer-offline', '--no-audit', '--no-fund'],
      app,
      { npm_config_update_notifier: 'false', ...(prebuilds === null ? {} : { npm_config_better_sqlite3_local_prebuilds: prebuilds }) },
      540_000,
    );
    if (install.code !== 0) {
      const offline = install.code === null ? /ENOENT/.test(install.output) : OFFLINE.test(install.output);
      if (offline && !REQUIRED) {
        const why = '`npm ci --omit=dev` could reach neither the npm registry nor its cache (set GATEHOUSE_REQUIRE_BUILD_TEST=1 to fail instead)';
        process.stderr.write(`\nSKIPPED: ${why}\n${install.output.split('\n').slice(-5).join('\n')}\n`);
        t.skip(why);
        return;
      }
      assert.fail(`npm ci --omit=dev failed (exit ${install.code}):\n${install.output}`);
    }

    // Nothing that compiles TypeScript: dist/ is the only way this copy can run.
    for (const dev of ['tsx', 'typescript', 'esbuild', '@types/node']) assert.equal(existsSync(join(app, 'node_modules', dev)), false, `${dev} is not installed`);
    assert.ok(existsSync(join(app, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node')), 'better-sqlite3 has its native addon');

    const idpPort = await freePort();
    const gw = spawn(process.execPath, ['bin/gatehouse.js', 'serve', '--config', 'examples/quickstart/gatehouse.yaml', '--port', '0', '--admin-port', '0'], {
      cwd: app,
      env: { ...process.env, IDP_PORT: String(idpPort), GATEHOUSE_LOG_LEVEL: 'info', GATEHOUSE_DIST: undefined, NODE_OPTIONS: undefined },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => gw.once('exit', (code) => resolve(code)));
    cleanups.push(() => {
      if (gw.exitCode === null && gw.signalCode === null) gw.kill('SIGKILL');
    });
    let out = '';
    let err = '';
    gw.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
      gw.stdout.setEncoding('utf8').on('data', (c: string) => {
        out += c;
        for (const line of out.split('\n')) {
          if (!line.includes('"gatehouse ready"')) continue;
          resolve(JSON.parse(line) as Record<string, unknown>);
        }
      });
      void exited.then((code) => reject(new Error(`gatehouse exited with ${code} before it was ready:\n${err}\n${out}`)));
    });
    const deadline = setTimeout(() => gw.kill('SIGKILL'), 60_000);
    const rec = await ready.finally(() => clearTimeout(deadline));
    const dataUrl = rec['dataUrl'] as string;

    const tokenRes = await fetch(`http://127.0.0.1:${idpPort}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: 'quickstart-client', client_secret: 'quickstart-secret', audience: 'https://auth0-jwt-authorizer', grant_type: 'client_credentials' }),
    });
    const token = (await tokenRes.json()) as { access_token: string };
    assert.equal(tokenRes.status, 200, JSON.stringify(token));

    const hello = await fetch(`${dataUrl}/v1/hello`, { headers: { authorization: `Bearer ${token.access_token}` } });
    const body = await hello.text();
    assert.equal(hello.status, 200, `${body}\n${err}`);
    assert.deepEqual(JSON.parse(body), {
      message: 'Hello, quickstart-client!',
      subject: 'quickstart-client@clients',
      scopes: ['read:hello'],
      issuer: `http://localhost:${idpPort}/`,
      audience: 'https://auth0-jwt-authorizer',
    });
    const anonymous = await fetch(`${dataUrl}/v1/hello`);
    assert.equal(anonymous.status, 401);
    await anonymous.arrayBuffer();

    gw.kill('SIGTERM');
    assert.equal(await exited, 0, `graceful stop:\n${err}`);
  });
});
