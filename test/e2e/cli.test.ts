import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { BIN, ROOT, runCli } from '../helpers/gateway.ts';
import { JwksServer } from '../helpers/jwks_server.ts';

describe('gatehouse CLI (e2e)', () => {
  it('validate: 0 for a valid file, 1 with every problem and its path otherwise', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-'));
    try {
      writeFileSync(join(dir, 'ok.yaml'), 'deployments:\n  - name: a\n    pathPrefix: /a\n    specification:\n      routes:\n        - { path: /x, backend: { type: STOCK_RESPONSE_BACKEND, status: 204 } }\n');
      const ok = await runCli(['validate', '--config', join(dir, 'ok.yaml')]);
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /valid \(1 deployment\(s\), 1 route\(s\)\)/);
      writeFileSync(join(dir, 'bad.yaml'), 'deployments:\n  - name: a\n    pathPrefix: /a\n    specification:\n      routes:\n        - { path: /x, backend: { type: HTTP_BACKEND, url: "not a url" } }\n      requestPolicies: { dynamicAuthentication: { selectionSource: { type: SINGLE, selector: "request.headers[k]" } } }\n');
      const bad = await runCli(['validate', '--config', join(dir, 'bad.yaml')]);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /deployments\[0\]\.specification\.requestPolicies\.dynamicAuthentication\.authenticationServers: is required/);
      const missing = await runCli(['validate', '--config', join(dir, 'nope.yaml')]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /cannot read .*nope\.yaml: ENOENT/);
      const url = await runCli(['serve', '--config', join(dir, 'bad.yaml')]);
      assert.equal(url.code, 1, 'serve refuses to start on an invalid config');
      assert.match(url.stderr, /cannot start/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('validate works offline: it never fetches a JWKS (regression: compiling used to start key stores)', async () => {
    const jwks = await JwksServer.start();
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-'));
    try {
      const auth = { type: 'JWT_AUTHENTICATION', issuers: [jwks.issuer], audiences: ['a'], publicKeys: { type: 'REMOTE_JWKS', uri: jwks.jwksUri } };
      const discovery = { type: 'TOKEN_AUTHENTICATION', validationPolicy: { type: 'REMOTE_DISCOVERY', sourceUriDetails: { type: 'DISCOVERY_URI', uri: jwks.discoveryUri } } };
      const config = {
        deployments: [
          { name: 'a', pathPrefix: '/a', specification: { requestPolicies: { authentication: auth }, routes: [{ path: '/x', backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200 } }] } },
          { name: 'b', pathPrefix: '/b', specification: { requestPolicies: { authentication: discovery }, routes: [{ path: '/x', backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200 } }] } },
        ],
      };
      writeFileSync(join(dir, 'g.json'), JSON.stringify(config));
      const r = await runCli(['validate', '--config', join(dir, 'g.json')]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(jwks.fetches, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await jwks.stop();
    }
  });

  it('regression: validate warns about TOKEN_AUTHENTICATION without audiences, naming the path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-'));
    try {
      // OCI accepts this policy, so it loads; but aud is not checked, so any token of that issuer passes.
      const noAudiences = {
        type: 'TOKEN_AUTHENTICATION',
        validationPolicy: { type: 'REMOTE_JWKS', uri: 'http://127.0.0.1:9/jwks.json', additionalValidationPolicy: { issuers: ['https://idp.example.com/'] } },
      };
      const withAudiences = { ...noAudiences, validationPolicy: { ...noAudiences.validationPolicy, additionalValidationPolicy: { issuers: ['https://idp.example.com/'], audiences: ['orders'] } } };
      const spec = (authentication: object) => ({ requestPolicies: { authentication }, routes: [{ path: '/x', backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200 } }] });
      writeFileSync(
        join(dir, 'g.json'),
        JSON.stringify({
          deployments: [
            { name: 'checked', pathPrefix: '/checked', specification: spec(withAudiences) },
            { name: 'unchecked', pathPrefix: '/unchecked', specification: spec(noAudiences) },
          ],
        }),
      );
      const r = await runCli(['validate', '--config', join(dir, 'g.json')]);
      assert.equal(r.code, 0, `a warning does not fail validation: ${r.stderr}`);
      assert.match(r.stdout, /valid \(2 deployment\(s\), 2 route\(s\)\)/);
      const path = 'deployments[1].specification.requestPolicies.authentication.validationPolicy.additionalValidationPolicy.audiences';
      const line = r.stderr.split('\n').find((l) => l.includes(path));
      assert.ok(line, `stderr names ${path}:\n${r.stderr}`);
      assert.match(line, /no audiences/);
      assert.doesNotMatch(r.stderr, /deployments\[0\]/, 'the policy with audiences draws no warning');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('schema prints the JSON Schema; unknown commands and flags are usage errors', async () => {
    const schema = await runCli(['schema']);
    assert.equal(schema.code, 0);
    const doc = JSON.parse(schema.stdout) as { properties: Record<string, unknown> };
    assert.ok('deployments' in doc.properties && 'server' in doc.properties);
    const unknown = await runCli(['frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "frobnicate"/);
    const flag = await runCli(['serve', '--bogus']);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /Unknown option '--bogus'/);
    const help = await runCli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: gatehouse <command>/);
  });
});

/** Runs the CLI to completion ('close': every byte of stdout and stderr read); optionally closes its stdout at once. */
function runToEnd(args: string[], opts: { closeStdout?: boolean } = {}): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const proc = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    // Closing our end before the child writes anything: its first write to stdout fails with EPIPE,
    // whatever the size of its output (the same failure `| head` gives once head has exited).
    if (opts.closeStdout === true) proc.stdout.destroy();
    else proc.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    proc.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    proc.once('close', (code, signal) => done({ code, signal, stdout, stderr }));
  });
}

/** Runs `fn` over `items`, at most `limit` at a time (the machine has few cores). */
async function pooled<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i] as T);
      }
    }),
  );
  return results;
}

/** Every command and subcommand the CLI has, as the words before the flags. */
const COMMAND_LINES: string[][] = [
  [],
  ['serve'],
  ['validate'],
  ['schema'],
  ['token'],
  ['fn'],
  ['fn', 'init'],
  ['fn', 'invoke'],
  ['idp'],
  ['idp', 'serve'],
  ...['apis', 'apps', 'grants', 'keys'].map((g) => ['idp', g]),
  ...['list', 'show', 'create', 'delete'].map((a) => ['idp', 'apis', a]),
  ...['list', 'create', 'delete', 'rotate-secret'].map((a) => ['idp', 'apps', a]),
  ...['list', 'create', 'delete'].map((a) => ['idp', 'grants', a]),
  ...['list', 'rotate', 'revoke'].map((a) => ['idp', 'keys', a]),
];

describe('gatehouse CLI help and pipes (e2e)', () => {
  it('regression: every command and subcommand answers --help and -h with its usage and exit 0 (fn init --help printed the parser error)', async () => {
    const runs = COMMAND_LINES.flatMap((words) => [
      [...words, '--help'],
      [...words, '-h'],
    ]);
    const results = await pooled(runs, 4, async (args) => ({ args, ...(await runToEnd(args)) }));
    for (const r of results) {
      const what = `gatehouse ${r.args.join(' ')}`;
      assert.equal(r.code, 0, `${what}: exit ${r.code}\n${r.stderr}`);
      assert.equal(r.stderr, '', `${what}: nothing on stderr`);
      assert.match(r.stdout, /^Usage: gatehouse/, `${what}: usage on stdout`);
      // The usage is the command's own: it names the (sub)command asked about.
      const own = r.args.filter((a) => !a.startsWith('-')).slice(0, 2).join(' ');
      assert.ok(r.stdout.includes(own), `${what}: usage mentions "${own}":\n${r.stdout}`);
    }
    // Help wins over a usage error, and the usage error itself still goes to stderr with exit 2.
    const both = await runToEnd(['fn', 'invoke', '--bogus', '--help']);
    assert.equal(both.code, 0);
    assert.match(both.stdout, /Usage: gatehouse fn invoke/);
    const bad = await runToEnd(['fn', 'init', '--bogus']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Unknown option '--bogus'[\s\S]*Usage: gatehouse fn init/);
    const helpTopic = await runToEnd(['help', 'fn']);
    assert.equal(helpTopic.code, 0);
    assert.match(helpTopic.stdout, /^Usage: gatehouse fn <command>/);
  });

  it('regression: a reader that closes early (gatehouse schema | head) ends the command quietly, without an EPIPE stack trace', async () => {
    const runs = [['schema'], ['--help'], ['--version'], ['fn', 'init', '--help'], ['idp', 'apis', '--help'], ['token', '-h']];
    const results = await pooled(runs, 3, async (args) => ({ args, ...(await runToEnd(args, { closeStdout: true })) }));
    for (const r of results) {
      const what = `gatehouse ${r.args.join(' ')}`;
      assert.equal(r.stderr, '', `${what}: quiet on stderr`);
      assert.equal(r.code, 0, `${what}: exit ${r.code} (signal ${r.signal})`);
    }
    // The same through a shell pipeline into head, as a user types it.
    const piped = await new Promise<{ code: number | null; out: string; err: string }>((done) => {
      const sh = spawn('sh', ['-c', `"${process.execPath}" "${BIN}" schema | head -n 1; echo "exit:$?"`], { cwd: ROOT });
      let out = '';
      let err = '';
      sh.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
      sh.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
      sh.once('close', (code) => done({ code, out, err }));
    });
    assert.equal(piped.err, '');
    assert.equal(piped.out, '{\nexit:0\n');
  });
});
