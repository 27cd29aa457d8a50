/**
 * Peer: HAProxy 2.6 (Debian) with its built-in `jwt_verify` converter. It checks alg, iss, aud and
 * exp and the RS256 signature against a PEM public key loaded at start; HAProxy has no JWKS fetching,
 * so the key comes from a file, which favours it. Stock mode answers with `http-request return`;
 * proxy mode forwards to the upstream.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { freePort } from '../../test/helpers/net.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pinned, type Target } from '../harness.ts';

/** Installs HAProxy from Debian when missing and stops the service the package starts. */
export function ensureHaproxy(): boolean {
  if (spawnSync('sh', ['-c', 'command -v haproxy']).status !== 0) {
    console.error('installing haproxy from Debian ...');
    spawnSync('sh', ['-c', 'DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null 2>&1)'], { stdio: 'inherit' });
  }
  spawnSync('sh', ['-c', 'service haproxy stop >/dev/null 2>&1 || true']);
  return spawnSync('sh', ['-c', 'command -v haproxy']).status === 0;
}


async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const ok = await new Promise<boolean>((r) => {
      const c = connect(port, '127.0.0.1');
      c.once('connect', () => (c.destroy(), r(true)));
      c.once('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`haproxy did not open port ${port}`);
}

export async function startHaproxy(opts: { publicPem: string; issuer: string; audience: string; mode: 'stock' | 'proxy'; upstream?: string }): Promise<Target & { match: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-haproxy-'));
  const pem = join(dir, 'pub.pem');
  writeFileSync(pem, opts.publicPem);
  const port = await freePort();
  const up = opts.upstream ? new URL(opts.upstream) : null;
  const cfg = `global
  nbthread 1
  maxconn 4000
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  option http-keep-alive
frontend fe
  bind 127.0.0.1:${port}
  http-request set-var(txn.bearer) http_auth_bearer
  http-request set-var(txn.alg) var(txn.bearer),jwt_header_query('$.alg')
  http-request set-var(txn.iss) var(txn.bearer),jwt_payload_query('$.iss')
  http-request set-var(txn.aud) var(txn.bearer),jwt_payload_query('$.aud')
  http-request set-var(txn.exp) var(txn.bearer),jwt_payload_query('$.exp','int')
  http-request set-var(txn.now) date()
  http-request deny deny_status 401 unless { var(txn.alg) -m str RS256 }
  http-request deny deny_status 401 unless { var(txn.iss) -m str ${opts.issuer} }
  http-request deny deny_status 401 unless { var(txn.aud) -m str ${opts.audience} }
  http-request deny deny_status 401 if { var(txn.exp),sub(txn.now) -m int lt 0 }
  http-request deny deny_status 401 unless { var(txn.bearer),jwt_verify(txn.alg,"${pem}") -m int 1 }
${opts.mode === 'stock' ? `  http-request return status 200 content-type application/json string "{\\"hello\\":\\"world\\"}"` : '  default_backend be'}
${up ? `backend be\n  http-reuse always\n  server up ${up.hostname}:${up.port}` : ''}
`;
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(file, cfg);
  const check = spawnSync('haproxy', ['-c', '-f', file], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`haproxy config rejected:\n${check.stdout}${check.stderr}`);
  const [c, a] = pinned(0, 'haproxy', ['-db', '-f', file]);
  const proc = spawn(c, a, { stdio: ['ignore', 'ignore', 'pipe'] });
  await waitForPort(port, 10000);
  return {
    name: 'haproxy',
    proc,
    match: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((r) => {
        const done = () => (rmSync(dir, { recursive: true, force: true }), r());
        if (proc.exitCode !== null) return done();
        proc.once('exit', done);
        proc.kill('SIGTERM');
      }),
  };
}
