/**
 * TLS termination end to end: the real `gatehouse serve` process on 127.0.0.1 with certificates
 * made by the test (helpers/certs.ts), a real upstream behind it, node's TLS client in front.
 * HTTPS, SNI with two certificates, the TLS versions, certificate rotation under a stream of
 * requests, the plain-HTTP redirect, a bad certificate at start and as a replacement, --workers.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Agent, request } from 'node:https';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:tls';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createCa, type IssuedCert, type TestCa } from '../helpers/certs.ts';
import { runCli, startGateway, type RunningGatewayProcess } from '../helpers/gateway.ts';
import { startUpstream, type Upstream } from '../helpers/upstream.ts';
import { httpsGet } from '../helpers/https_get.ts';
import { eventually } from '../helpers/eventually.ts';

function config(upstream: string, tls: object, extra: object = {}): object {
  return {
    server: { host: '127.0.0.1', tls, ...extra },
    deployments: [
      {
        name: 'shop',
        pathPrefix: '/v1',
        specification: {
          routes: [
            { path: '/hello', methods: ['GET'], backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: '{"hello":"world"}', headers: [{ name: 'Content-Type', value: 'application/json' }] } },
            { path: '/items/{id}', methods: ['GET', 'POST'], backend: { type: 'HTTP_BACKEND', url: `${upstream}/echo/item/\${request.path[id]}` } },
          ],
        },
      },
    ],
  };
}

/** Copies a certificate and its key into `dir` under `name`.pem / `name`-key.pem. */
function place(dir: string, cert: IssuedCert, name: string): void {
  copyFileSync(cert.certFile, join(dir, `${name}.pem`));
  copyFileSync(cert.keyFile, join(dir, `${name}-key.pem`));
}

/** Replaces `name`.pem and its key in `dir` by rename, as certificate managers do (key first, then certificate). */
function rotate(dir: string, cert: IssuedCert, name: string): void {
  copyFileSync(cert.keyFile, join(dir, `.${name}-key.pem.new`));
  copyFileSync(cert.certFile, join(dir, `.${name}.pem.new`));
  renameSync(join(dir, `.${name}-key.pem.new`), join(dir, `${name}-key.pem`));
  renameSync(join(dir, `.${name}.pem.new`), join(dir, `${name}.pem`));
}

/** Whether a handshake with these versions succeeds (resolves with the negotiated protocol or the error). */
function handshake(port: number, ca: string, opts: { minVersion: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'; maxVersion: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3' }): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port, ca, servername: 'localhost', ...opts, ciphers: 'DEFAULT@SECLEVEL=0' }, () => {
      resolve(s.getProtocol() ?? 'unknown');
      s.end();
    });
    s.on('error', (err) => resolve(`refused: ${err.message}`));
  });
}

describe('TLS termination (e2e)', () => {
  let ca: TestCa;
  let up: Upstream;
  before(async () => {
    ca = createCa();
    up = await startUpstream();
  });
  after(async () => {
    await up?.close();
    ca?.dispose();
  });

  it('serves HTTPS with a certificate made by the test; the ready line and /admin/info say so, without key material', async () => {
    const server = ca.issueServer({ sans: ['localhost', '127.0.0.1'] });
    const gw = await startGateway({
      config: config(up.url, { certificates: [{ certFile: 'gw.pem', keyFile: 'gw-key.pem' }] }),
      files: { 'gw.pem': server.cert, 'gw-key.pem': server.key },
    });
    try {
      assert.match(gw.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      const hello = await httpsGet(`${gw.url}/v1/hello`, { ca: ca.cert });
      assert.equal(hello.status, 200);
      assert.equal(hello.body, '{"hello":"world"}');
      assert.equal(hello.peer.fingerprint256, server.x509.fingerprint256);
      // Proxied with a body, to a plain-HTTP backend.
      const item = await httpsGet(`${gw.url}/v1/items/7?q=1`, { ca: ca.cert, method: 'POST', body: 'payload', headers: { 'content-type': 'text/plain' } });
      assert.equal(item.status, 200);
      assert.equal(up.received.at(-1)?.body, 'payload');
      // A client that does not trust the CA is refused by its own check.
      await assert.rejects(httpsGet(`${gw.url}/v1/hello`, { ca: createCa({ dir: mkdtempSync(join(gw.dir, 'other-ca-')) }).cert }), /self-signed|unable to verify|issuer/i);

      const info = (await (await fetch(`${gw.adminUrl}/admin/info`)).json()) as { tls: { certificates: { subject: string; sans: string[]; notAfter: string; certFile: string }[]; minVersion: string; lastReload: { result: string } } };
      assert.equal(info.tls.minVersion, 'TLSv1.2');
      assert.equal(info.tls.certificates[0]!.certFile, join(gw.dir, 'gw.pem'));
      assert.deepEqual(info.tls.certificates[0]!.sans, ['DNS:localhost', 'IP Address:127.0.0.1']);
      assert.equal(info.tls.certificates[0]!.notAfter, new Date(server.x509.validTo).toISOString());
      assert.equal(info.tls.lastReload.result, 'applied');
      const everything = JSON.stringify(info) + (await (await fetch(`${gw.adminUrl}/admin/plan`)).text()) + gw.logs().join('\n');
      assert.doesNotMatch(everything, /PRIVATE KEY|BEGIN CERTIFICATE/);
    } finally {
      await gw.stop();
    }
  });

  it('picks the certificate by SNI: each name gets its own, an unknown name the first', async () => {
    const a = ca.issueServer({ sans: ['a.example.test', 'localhost'] });
    const b = ca.issueServer({ sans: ['b.example.test'] });
    const gw = await startGateway({
      config: config(up.url, { certificates: [{ certFile: 'a.pem', keyFile: 'a-key.pem' }, { certFile: 'b.pem', keyFile: 'b-key.pem' }] }),
      files: { 'a.pem': a.cert, 'a-key.pem': a.key, 'b.pem': b.cert, 'b-key.pem': b.key },
    });
    try {
      const ra = await httpsGet(`${gw.url}/v1/hello`, { ca: ca.cert, servername: 'a.example.test' });
      const rb = await httpsGet(`${gw.url}/v1/hello`, { ca: ca.cert, servername: 'b.example.test' });
      assert.equal(ra.status, 200);
      assert.equal(rb.status, 200);
      assert.equal(ra.peer.fingerprint256, a.x509.fingerprint256);
      assert.equal(rb.peer.fingerprint256, b.x509.fingerprint256);
      // A name no certificate carries: the default (the first), which the client then refuses.
      await assert.rejects(httpsGet(`${gw.url}/v1/hello`, { ca: ca.cert, servername: 'c.example.test' }), /altnames/);
    } finally {
      await gw.stop();
    }
  });

  it('refuses TLS 1.1 and accepts 1.2 and 1.3 (HTTP/1.1 over ALPN); minVersion TLSv1.3 refuses 1.2', async () => {
    const server = ca.issueServer();
    const files = { 'gw.pem': server.cert, 'gw-key.pem': server.key };
    const certificates = [{ certFile: 'gw.pem', keyFile: 'gw-key.pem' }];
    const gw = await startGateway({ config: config(up.url, { certificates }), files });
    try {
      const port = Number(new URL(gw.url).port);
      assert.match(await handshake(port, ca.cert, { minVersion: 'TLSv1', maxVersion: 'TLSv1.1' }), /^refused: .*(protocol version|no protocols available|unsupported protocol)/i);
      assert.equal(await handshake(port, ca.cert, { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' }), 'TLSv1.2');
      assert.equal(await handshake(port, ca.cert, { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' }), 'TLSv1.3');
      // HTTP/2 is off (docs/deployment.md, TLS): a client offering h2 over ALPN is answered in HTTP/1.1.
      const alpn = await new Promise<string | false | null>((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port, ca: ca.cert, servername: 'localhost', ALPNProtocols: ['h2', 'http/1.1'] }, () => {
          resolve(s.alpnProtocol);
          s.end();
        });
        s.on('error', reject);
      });
      assert.equal(alpn, 'http/1.1');
    } finally {
      await gw.stop();
    }
    const strict = await startGateway({ config: config(up.url, { certificates, minVersion: 'TLSv1.3' }), files });
    try {
      const port = Number(new URL(strict.url).port);
      assert.match(await handshake(port, ca.cert, { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' }), /^refused/);
      assert.equal(await handshake(port, ca.cert, { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' }), 'TLSv1.3');
    } finally {
      await strict.stop();
    }
  });

  it('rotates the certificate by file replacement under a stream of requests: none fails, new connections get the new one', async () => {
    const first = ca.issueServer({ name: 'rot-first' });
    const second = ca.issueServer({ name: 'rot-second' });
    // The certificates live in a subdirectory of the config's, as a mounted Secret would.
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-e2e-tls-'));
    mkdirSync(join(dir, 'tls'));
    place(join(dir, 'tls'), first, 'gw');
    const gw = await startGateway({ cwd: dir, config: config(up.url, { certificates: [{ certFile: 'tls/gw.pem', keyFile: 'tls/gw-key.pem' }] }) });
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 4, ca: ca.cert, servername: 'localhost' });
    let stop = false;
    let ok = 0;
    const failures: string[] = [];
    const seen = new Set<string>();
    /** Requests on kept-alive connections (opened before the rotation) and on fresh ones. */
    const loop = async (fresh: boolean) => {
      while (!stop) {
        try {
          if (fresh) {
            const r = await httpsGet(`${gw.url}/v1/items/1`, { ca: ca.cert });
            if (r.status !== 200) failures.push(`status ${r.status}`);
            seen.add(r.peer.fingerprint256);
          } else {
            const status = await new Promise<number>((resolve, reject) => {
              const req = request(`${gw.url}/v1/hello`, { agent: keepAlive }, (res) => {
                res.resume();
                res.on('end', () => resolve(res.statusCode ?? 0));
              });
              req.on('error', reject);
              req.end();
            });
            if (status !== 200) failures.push(`status ${status}`);
          }
          ok++;
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
    };
    try {
      const loops = [loop(false), loop(false), loop(false), loop(true), loop(true)];
      await eventually('requests flow', () => ok > 20);
      rotate(join(gw.dir, 'tls'), second, 'gw');
      await eventually('a new connection gets the new certificate', () => seen.has(second.x509.fingerprint256), { timeoutMs: 10000 });
      const atRotation = ok;
      await eventually('requests keep flowing after the rotation', () => ok > atRotation + 50);
      stop = true;
      await Promise.all(loops);
      assert.deepEqual(failures, []);
      assert.ok(seen.has(first.x509.fingerprint256), 'the first certificate was served before');
      // From now on every new connection gets the new certificate.
      for (let i = 0; i < 5; i++) assert.equal((await httpsGet(`${gw.url}/v1/hello`, { ca: ca.cert })).peer.fingerprint256, second.x509.fingerprint256);
      // Log lines are written in batches, up to 25 ms after the event: wait for it.
      await gw.waitFor((r) => r['msg'] === 'TLS certificates reloaded');
      const info = (await (await fetch(`${gw.adminUrl}/admin/info`)).json()) as { tls: { certificates: { fingerprint256: string }[]; lastReload: { trigger: string; result: string } } };
      assert.equal(info.tls.certificates[0]!.fingerprint256, second.x509.fingerprint256);
      assert.deepEqual([info.tls.lastReload.trigger, info.tls.lastReload.result], ['files', 'applied']);
    } finally {
      stop = true;
      keepAlive.destroy();
      await gw.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the certificate in service when its replacement is bad, with a warning naming the file', async () => {
    const server = ca.issueServer();
    const gw = await startGateway({
      config: config(up.url, { certificates: [{ certFile: 'gw.pem', keyFile: 'gw-key.pem' }] }),
      files: { 'gw.pem': server.cert, 'gw-key.pem': server.key },
    });
    try {
      writeFileSync(join(gw.dir, 'gw.pem.new'), '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n');
      renameSync(join(gw.dir, 'gw.pem.new'), join(gw.dir, 'gw.pem'));
      const warning = await gw.waitFor((r) => r['msg'] === 'TLS certificate reload rejected');
      assert.equal(warning['level'], 40);
      assert.match(JSON.stringify(warning['errors']), new RegExp(`server\\.tls\\.certificates\\[0\\]\\.certFile: ${join(gw.dir, 'gw.pem').replace(/[.]/g, '\\.')} is not a PEM certificate`));
      const r = await httpsGet(`${gw.url}/v1/hello`, { ca: ca.cert });
      assert.equal(r.status, 200);
      assert.equal(r.peer.fingerprint256, server.x509.fingerprint256);
      const info = (await (await fetch(`${gw.adminUrl}/admin/info`)).json()) as { tls: { lastReload: { result: string; errors: string[] } } };
      assert.equal(info.tls.lastReload.result, 'rejected');
      assert.match(info.tls.lastReload.errors[0]!, /gw\.pem is not a PEM certificate/);
      // A configuration reload reads the files too, and is refused for the same reason.
      const reload = await fetch(`${gw.adminUrl}/admin/reload`, { method: 'POST', headers: gw.adminHeaders() });
      assert.equal(reload.status, 422);
      assert.match(await reload.text(), /gw\.pem is not a PEM certificate/);
      assert.equal((await httpsGet(`${gw.url}/v1/hello`, { ca: ca.cert })).peer.fingerprint256, server.x509.fingerprint256);
    } finally {
      await gw.stop();
    }
  });

  it('serves the certificate a configuration reload points at (SIGHUP)', async () => {
    const a = ca.issueServer();
    const b = ca.issueServer();
    const files = { 'a.pem': a.cert, 'a-key.pem': a.key, 'b.pem': b.cert, 'b-key.pem': b.key };
    const gw = await startGateway({ config: config(up.url, { certificates: [{ certFile: 'a.pem', keyFile: 'a-key.pem' }] }), files, args: ['--no-watch'] });
    try {
      assert.equal((await httpsGet(`${gw.url}/v1/hello`, { ca: ca.cert })).peer.fingerprint256, a.x509.fingerprint256);
      writeFileSync(gw.configFile, stringify(config(up.url, { certificates: [{ certFile: 'b.pem', keyFile: 'b-key.pem' }] })));
      gw.proc.kill('SIGHUP');
      await gw.waitFor((r) => r['msg'] === 'config reloaded');
      assert.equal((await httpsGet(`${gw.url}/v1/hello`, { ca: ca.cert })).peer.fingerprint256, b.x509.fingerprint256);
      // Certificates are not a listener setting: no "restart needed" warning.
      assert.ok(!gw.records().some((r) => typeof r['msg'] === 'string' && r['msg'].includes('take effect on restart')));
    } finally {
      await gw.stop();
    }
  });

  it('regression: a reload that dropped clientCaFile swapped in contexts without the CA bundle (client certificates then verified against the public roots); restart-only TLS changes now keep the served material until a restart', async () => {
    const a = ca.issueServer();
    const b = ca.issueServer();
    const files = { 'a.pem': a.cert, 'a-key.pem': a.key, 'b.pem': b.cert, 'b-key.pem': b.key, 'clients-ca.pem': ca.cert };
    const withCa = { certificates: [{ certFile: 'a.pem', keyFile: 'a-key.pem' }], clientCaFile: 'clients-ca.pem' };
    const gw = await startGateway({ config: config(up.url, withCa), files, args: ['--no-watch'] });
    try {
      assert.equal((await httpsGet(`${gw.url}/v1/hello`, { ca: ca.cert })).peer.fingerprint256, a.x509.fingerprint256);
      writeFileSync(gw.configFile, stringify(config(up.url, { certificates: [{ certFile: 'b.pem', keyFile: 'b-key.pem' }] })));
      gw.proc.kill('SIGHUP');
      await gw.waitFor((r) => typeof r['msg'] === 'string' && r['msg'].includes('take effect on restart'));
      assert.equal((await httpsGet(`${gw.url}/v1/hello`, { ca: ca.cert })).peer.fingerprint256, a.x509.fingerprint256, 'the material in service (with its CA bundle) is kept');
    } finally {
      await gw.stop();
    }
  });

  it('redirects plain HTTP on httpPort with 308 to https on the data port, path and query kept', async () => {
    const server = ca.issueServer();
    const gw = await startGateway({
      config: config(up.url, { certificates: [{ certFile: 'gw.pem', keyFile: 'gw-key.pem' }] }, { httpPort: 0 }),
      files: { 'gw.pem': server.cert, 'gw-key.pem': server.key },
    });
    try {
      const rec = await gw.waitFor((r) => r['msg'] === 'plain-HTTP listener redirecting to HTTPS');
      const plain = new URL(rec['httpUrl'] as string);
      const httpsPort = new URL(gw.url).port;
      const ask = (method: string, path: string, host: string) =>
        new Promise<{ status: number; location: string | undefined }>((resolve, reject) => {
          const req = httpRequest({ host: '127.0.0.1', port: plain.port, method, path, headers: { host } }, (res) => {
            res.resume();
            resolve({ status: res.statusCode ?? 0, location: res.headers.location });
          });
          req.on('error', reject);
          req.end(method === 'POST' ? 'body' : undefined);
        });
      assert.deepEqual(await ask('GET', '/v1/hello?a=1&b=%2F', `api.example.test:${plain.port}`), { status: 308, location: `https://api.example.test:${httpsPort}/v1/hello?a=1&b=%2F` });
      assert.deepEqual(await ask('POST', '/v1/items/3', 'localhost'), { status: 308, location: `https://localhost:${httpsPort}/v1/items/3` });
      assert.equal((await ask('GET', '/x', 'bad host')).status, 400);
      // Following the redirect lands on the HTTPS data plane.
      const followed = await httpsGet(`https://127.0.0.1:${httpsPort}/v1/hello?a=1`, { ca: ca.cert });
      assert.equal(followed.status, 200);
      assert.equal(up.received.some((r) => r.url.includes('/v1/hello')), false, 'nothing plain reached the backend');
    } finally {
      await gw.stop();
    }
  });

  it('a bad certificate at start: serve exits 1 naming the file, validate reports the config path', async () => {
    const a = ca.issueServer();
    const other = ca.issueServer();
    const files = { 'gw.pem': a.cert, 'wrong-key.pem': other.key };
    const cfg = config(up.url, { certificates: [{ certFile: 'gw.pem', keyFile: 'wrong-key.pem' }] });
    await assert.rejects(startGateway({ config: cfg, files }), (err: Error) => {
      assert.match(err.message, /exited with 1/);
      assert.match(err.message, /server\.tls\.certificates\[0\]\.keyFile: .*wrong-key\.pem is not the key of the certificate in .*gw\.pem/);
      return true;
    });
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-e2e-tls-validate-'));
    try {
      writeFileSync(join(dir, 'gatehouse.yaml'), stringify(config(up.url, { certificates: [{ certFile: 'missing.pem', keyFile: 'missing-key.pem' }] })));
      const r = await runCli(['validate', '--config', join(dir, 'gatehouse.yaml')]);
      assert.equal(r.code, 1);
      assert.match(r.stdout + r.stderr, new RegExp(`server\\.tls\\.certificates\\[0\\]\\.certFile: cannot read ${join(dir, 'missing.pem').replace(/[.]/g, '\\.')}: ENOENT`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--workers 2: every worker serves TLS, and a rotation reaches them all', async () => {
    const first = ca.issueServer();
    const second = ca.issueServer();
    const gw = await startGateway({
      config: config(up.url, { certificates: [{ certFile: 'gw.pem', keyFile: 'gw-key.pem' }] }),
      files: { 'gw.pem': first.cert, 'gw-key.pem': first.key },
      args: ['--workers', '2'],
      timeoutMs: 30000,
    });
    try {
      assert.match(gw.url, /^https:/);
      const pids = new Set<string>();
      // New connections are spread over the workers; each must speak TLS with the certificate.
      for (let i = 0; i < 12; i++) {
        const r = await httpsGet(`${gw.url}/v1/hello`, { ca: ca.cert });
        assert.equal(r.status, 200);
        assert.equal(r.peer.fingerprint256, first.x509.fingerprint256);
      }
      const info = (await (await fetch(`${gw.adminUrl}/admin/info`)).json()) as { workerPids: number[]; tls: { certificates: unknown[] } };
      assert.equal(info.workerPids.length, 2);
      assert.equal(info.tls.certificates.length, 1);
      rotate(gw.dir, second, 'gw');
      // Both workers log their reload.
      await eventually('both workers reloaded the certificate', () => {
        for (const r of gw.records()) if (r['msg'] === 'TLS certificates reloaded') pids.add(String(r['worker']));
        return pids.size === 2;
      }, { timeoutMs: 10000 });
      for (let i = 0; i < 12; i++) assert.equal((await httpsGet(`${gw.url}/v1/hello`, { ca: ca.cert })).peer.fingerprint256, second.x509.fingerprint256);
    } finally {
      await gw.stop();
    }
  });
});
