/**
 * server.tls at load (compileServerTls: every problem a file can have, with its path) and the live
 * listener (TlsListener on a real node:https server on 127.0.0.1: SNI, reload from files, a bad
 * replacement kept out, file watching through a rename).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import client from 'prom-client';
import { compileServerTls, splitSans, type ServerTls } from '../../src/server/tls.ts';
import { TlsListener } from '../../src/server/tls_listener.ts';
import { redirectLocation } from '../../src/server/http_redirect.ts';
import type { ConfigIssue } from '../../src/errors.ts';
import { createCa, selfSigned, type IssuedCert, type TestCa } from '../helpers/certs.ts';
import { httpsGet } from '../helpers/https_get.ts';
import { eventually } from '../helpers/eventually.ts';

function compile(server: Parameters<typeof compileServerTls>[0], baseDir: string, now?: () => number) {
  const issues: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  const tls = compileServerTls(server, { baseDir, issue: (path, message) => void issues.push({ path, message }), warn: (path, message) => void warnings.push({ path, message }) }, now);
  return { tls, issues, warnings };
}

/** Log records, kept for assertions. */
function memoryLog() {
  const records: Record<string, unknown>[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void records.push(JSON.parse(line) as Record<string, unknown>) });
  return { log, records };
}

let ca: TestCa;
let dir: string;
let api: IssuedCert;
let admin: IssuedCert;
let wildcard: IssuedCert;

before(() => {
  ca = createCa();
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-tls-unit-'));
  api = ca.issueServer({ sans: ['api.example.test', 'localhost', '127.0.0.1'], name: 'api' });
  admin = ca.issueServer({ sans: ['admin.example.test'], name: 'admin' });
  wildcard = ca.issueServer({ cn: 'wild', sans: ['*.apps.example.test'], name: 'wild' });
});
after(() => {
  ca.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('compileServerTls', () => {
  it('is null without server.tls', () => {
    assert.deepEqual(compile({ port: 8443 }, dir), { tls: null, issues: [], warnings: [] });
  });

  it('reads the certificates relative to the config directory, with their SNI names, and defaults minVersion to TLSv1.2', () => {
    const { tls, issues } = compile({ tls: { certificates: [{ certFile: 'api.pem', keyFile: 'api-key.pem' }, { certFile: 'wild.pem', keyFile: 'wild-key.pem' }] }, httpPort: 8080 }, ca.dir);
    assert.deepEqual(issues, []);
    assert.ok(tls !== null);
    assert.equal(tls.minVersion, 'TLSv1.2');
    assert.equal(tls.httpPort, 8080);
    assert.equal(tls.certificates[0]!.certFile, api.certFile);
    assert.deepEqual(tls.material.certificates[0]!.info.names, ['api.example.test', 'localhost']);
    assert.deepEqual(tls.material.certificates[0]!.info.sans, ['DNS:api.example.test', 'DNS:localhost', 'IP Address:127.0.0.1']);
    assert.deepEqual(tls.material.certificates[1]!.info.names, ['*.apps.example.test']);
    assert.equal(tls.material.certificates[0]!.info.notAfter, new Date(api.x509.validTo).toISOString());
    assert.equal(tls.material.clientCa, null);
  });

  it('names a certificate without DNS SANs by its CN', () => {
    const cnOnly = ca.issueServer({ cn: 'Legacy.Example.Test', sans: [] });
    const { tls } = compile({ tls: { certificates: [{ certFile: cnOnly.certFile, keyFile: cnOnly.keyFile }] } }, dir);
    assert.deepEqual(tls?.material.certificates[0]!.info.names, ['legacy.example.test']);
  });

  it('reports a missing file with its config path and the file', () => {
    const { tls, issues } = compile({ tls: { certificates: [{ certFile: 'nope.pem', keyFile: api.keyFile }] } }, dir);
    assert.equal(tls, null);
    assert.equal(issues.length, 1);
    assert.equal(issues[0]!.path, 'server.tls.certificates[0].certFile');
    assert.match(issues[0]!.message, new RegExp(`cannot read ${join(dir, 'nope.pem').replace(/[.]/g, '\\.')}: ENOENT`));
  });

  it('reports a file that holds no PEM certificate, a key that is not PEM, and a key of another certificate', () => {
    const garbage = join(dir, 'garbage.pem');
    writeFileSync(garbage, 'not a certificate\n');
    const r1 = compile({ tls: { certificates: [{ certFile: garbage, keyFile: api.keyFile }] } }, dir);
    assert.equal(r1.issues[0]?.path, 'server.tls.certificates[0].certFile');
    assert.match(r1.issues[0]!.message, /garbage\.pem is not a PEM certificate/);

    const r2 = compile({ tls: { certificates: [{ certFile: api.certFile, keyFile: garbage }] } }, dir);
    assert.equal(r2.issues[0]?.path, 'server.tls.certificates[0].keyFile');
    assert.match(r2.issues[0]!.message, /garbage\.pem is not a PEM private key/);

    const r3 = compile({ tls: { certificates: [{ certFile: api.certFile, keyFile: api.keyFile }, { certFile: api.certFile, keyFile: admin.keyFile }] } }, dir);
    assert.deepEqual(r3.issues.map((i) => i.path), ['server.tls.certificates[1].keyFile']);
    assert.match(r3.issues[0]!.message, new RegExp(`${admin.keyFile.replace(/[.]/g, '\\.')} is not the key of the certificate in ${api.certFile.replace(/[.]/g, '\\.')}`));
  });

  it('reports a client CA bundle without a certificate, and reads a good one', () => {
    const empty = join(dir, 'empty-ca.pem');
    writeFileSync(empty, '');
    const bad = compile({ tls: { certificates: [{ certFile: api.certFile, keyFile: api.keyFile }], clientCaFile: empty } }, dir);
    assert.deepEqual(bad.issues.map((i) => i.path), ['server.tls.clientCaFile']);
    const good = compile({ tls: { certificates: [{ certFile: api.certFile, keyFile: api.keyFile }], clientCaFile: ca.certFile, minVersion: 'TLSv1.3' } }, dir);
    assert.deepEqual(good.issues, []);
    assert.equal(good.tls?.material.clientCa, ca.cert);
    assert.equal(good.tls?.minVersion, 'TLSv1.3');
  });

  it('refuses httpPort without tls, and httpPort equal to port', () => {
    assert.deepEqual(compile({ httpPort: 8080 }, dir).issues, [{ path: 'server.httpPort', message: 'redirects to HTTPS, so it needs server.tls' }]);
    const same = compile({ port: 8443, httpPort: 8443, tls: { certificates: [{ certFile: api.certFile, keyFile: api.keyFile }] } }, dir);
    assert.deepEqual(same.issues, [{ path: 'server.httpPort', message: '8443 is also server.port' }]);
  });

  it('loads an expired certificate with a warning', () => {
    const old = ca.issueServer({ expired: true });
    const { tls, issues, warnings } = compile({ tls: { certificates: [{ certFile: old.certFile, keyFile: old.keyFile }] } }, dir);
    assert.ok(tls !== null);
    assert.deepEqual(issues, []);
    assert.equal(warnings[0]?.path, 'server.tls.certificates[0].certFile');
    assert.match(warnings[0]!.message, /expired on/);
  });
});

describe('splitSans', () => {
  it('splits node\'s subjectAltName text, quoted values included', () => {
    assert.deepEqual(splitSans(undefined), []);
    assert.deepEqual(splitSans('DNS:a.example, IP Address:127.0.0.1, email:ops@example.com'), ['DNS:a.example', 'IP Address:127.0.0.1', 'email:ops@example.com']);
    assert.deepEqual(splitSans('URI:"spiffe://x/a,b", DNS:b.example'), ['URI:spiffe://x/a,b', 'DNS:b.example']);
  });

  it('regression: a \\uXXXX escape in a quoted subjectAltName value came out as uXXXX (a second SAN parser beside lib/peer_cert.ts)', () => {
    assert.deepEqual(splitSans('URI:"spiffe://x/a\\u0007b", DNS:d.example'), ['URI:spiffe://x/a\u0007b', 'DNS:d.example']);
  });
});

describe('redirectLocation', () => {
  const req = (host: string | undefined, url: string) => ({ headers: host === undefined ? {} : { host }, url }) as IncomingMessage;
  it('keeps host, path and query, and puts the HTTPS port', () => {
    assert.equal(redirectLocation(req('api.example.test:8080', '/v1/items?id=3&x=%20'), 8443), 'https://api.example.test:8443/v1/items?id=3&x=%20');
    assert.equal(redirectLocation(req('api.example.test', '/'), 443), 'https://api.example.test/');
    assert.equal(redirectLocation(req('[::1]:8080', '/a'), 8443), 'https://[::1]:8443/a');
  });
  it('refuses a missing or malformed Host, and a target that is not a path', () => {
    assert.equal(redirectLocation(req(undefined, '/a'), 8443), null);
    assert.equal(redirectLocation(req('evil.test/x', '/a'), 8443), null);
    assert.equal(redirectLocation(req('a@evil.test', '/a'), 8443), null);
    assert.equal(redirectLocation(req('api.example.test', '*'), 8443), null);
  });
});

describe('TlsListener on a real https server', () => {
  let server: Server;
  let url: string;
  let listener: TlsListener;
  let liveDir: string;
  const metrics = new client.Registry();
  const { log, records } = memoryLog();

  before(async () => {
    // The files the listener serves live in their own directory, so the test can replace them.
    liveDir = mkdtempSync(join(tmpdir(), 'gatehouse-tls-live-'));
    for (const [from, to] of [[api.certFile, 'api.pem'], [api.keyFile, 'api-key.pem'], [admin.certFile, 'admin.pem'], [admin.keyFile, 'admin-key.pem'], [wildcard.certFile, 'wild.pem'], [wildcard.keyFile, 'wild-key.pem']] as const) copyFileSync(from, join(liveDir, to));
    const { tls, issues } = compile(
      { tls: { certificates: [{ certFile: 'api.pem', keyFile: 'api-key.pem' }, { certFile: 'admin.pem', keyFile: 'admin-key.pem' }, { certFile: 'wild.pem', keyFile: 'wild-key.pem' }] } },
      liveDir,
    );
    assert.deepEqual(issues, []);
    listener = new TlsListener(tls as ServerTls, { log, metrics, debounceMs: 50 });
    server = listener.attach(createServer(listener.serverOptions(5000), (_req, res) => res.end('ok')));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(async () => {
    listener.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    rmSync(liveDir, { recursive: true, force: true });
  });

  it('picks the certificate by SNI: exact names, a wildcard for one label, the first one otherwise', async () => {
    const fp = async (servername: string) => (await httpsGet(url, { ca: ca.cert, servername })).peer.fingerprint256;
    assert.equal(await fp('api.example.test'), api.x509.fingerprint256);
    assert.equal(await fp('ADMIN.example.test'), admin.x509.fingerprint256);
    assert.equal(await fp('shop.apps.example.test'), wildcard.x509.fingerprint256);
    assert.equal(await fp('localhost'), api.x509.fingerprint256);
    // No SNI at all (an IP address): the default, the first certificate.
    assert.equal(await fp(''), api.x509.fingerprint256);
    // Two labels under the wildcard: not covered, so the default answers (and the name does not verify).
    await assert.rejects(httpsGet(url, { ca: ca.cert, servername: 'a.b.apps.example.test' }), /altnames/);
  });

  it('shows the certificates and the start in status(), never the key', () => {
    const s = listener.status();
    assert.deepEqual(s.certificates.map((c) => c.fingerprint256), [api.x509.fingerprint256, admin.x509.fingerprint256, wildcard.x509.fingerprint256]);
    assert.equal(s.lastReload.trigger, 'start');
    assert.doesNotMatch(JSON.stringify(s), /PRIVATE KEY/);
  });

  it('serves a replaced certificate to new connections after the files change by rename, and keeps the old one when the new files are bad', async () => {
    const next = ca.issueServer({ sans: ['api.example.test', 'localhost', '127.0.0.1'], name: 'api-next' });
    // As certificate managers do: write beside, then rename over (the watch on the old inode ends).
    copyFileSync(next.certFile, join(liveDir, 'api.pem.tmp'));
    copyFileSync(next.keyFile, join(liveDir, 'api-key.pem.tmp'));
    renameSync(join(liveDir, 'api-key.pem.tmp'), join(liveDir, 'api-key.pem'));
    renameSync(join(liveDir, 'api.pem.tmp'), join(liveDir, 'api.pem'));
    await eventually('the new certificate is served', async () => (await httpsGet(url, { ca: ca.cert, servername: 'api.example.test' })).peer.fingerprint256 === next.x509.fingerprint256);
    // The default context changed too (setSecureContext): a client that sends no SNI name gets it.
    assert.equal((await httpsGet(url, { ca: ca.cert, servername: '' })).peer.fingerprint256, next.x509.fingerprint256);
    assert.equal(listener.status().lastReload.result, 'applied');
    assert.equal(listener.status().lastReload.trigger, 'files');

    // A key that does not match: refused, the certificate in service stays.
    const before = records.length;
    copyFileSync(admin.keyFile, join(liveDir, 'api-key.pem'));
    await eventually('the reload is rejected with a warning', () => records.slice(before).some((r) => r['msg'] === 'TLS certificate reload rejected'));
    const warning = records.slice(before).find((r) => r['msg'] === 'TLS certificate reload rejected')!;
    assert.match(JSON.stringify(warning['errors']), /api-key\.pem is not the key of the certificate/);
    assert.equal(warning['level'], 40);
    assert.equal((await httpsGet(url, { ca: ca.cert, servername: 'api.example.test' })).peer.fingerprint256, next.x509.fingerprint256);
    assert.equal(listener.status().lastReload.result, 'rejected');
    const text = await metrics.metrics();
    assert.match(text, /gatehouse_tls_reloads_total\{result="rejected"\} [1-9]/);
    assert.match(text, /gatehouse_tls_reloads_total\{result="applied"\} [1-9]/);
    assert.match(text, new RegExp(`gatehouse_tls_certificate_not_after_seconds\\{certificate="${join(liveDir, 'admin.pem').replace(/[.]/g, '\\.')}"\\} ${Date.parse(admin.x509.validTo) / 1000}`));

  });

  it('regression: files put back to the certificates in service clear the rejected status', async () => {
    // The previous test left a key that does not match; the matching key comes back. Nothing
    // changes in service, but the status said "rejected" for good before the fix.
    assert.equal(listener.status().lastReload.result, 'rejected');
    const served = (await httpsGet(url, { ca: ca.cert, servername: 'api.example.test' })).peer.fingerprint256;
    copyFileSync(join(ca.dir, 'api-next-key.pem'), join(liveDir, 'api-key.pem'));
    await eventually('the status is back to applied', () => listener.status().lastReload.result === 'applied');
    assert.deepEqual(listener.status().lastReload.errors, []);
    assert.equal((await httpsGet(url, { ca: ca.cert, servername: 'api.example.test' })).peer.fingerprint256, served);
  });

  it('does not re-apply files whose content did not change', () => {
    const before = records.filter((r) => r['msg'] === 'TLS certificates reloaded').length;
    assert.equal(listener.reloadFiles(), false);
    assert.equal(records.filter((r) => r['msg'] === 'TLS certificates reloaded').length, before);
  });

  it('regression: a configuration reload applies other certificates, and a minVersion change alone (it used to be skipped as "same files")', async () => {
    const files = { certificates: [{ certFile: 'admin.pem', keyFile: 'admin-key.pem' }] };
    const other = compile({ tls: files }, liveDir).tls as ServerTls;
    listener.applyPlan(other);
    assert.equal((await httpsGet(url, { ca: ca.cert, servername: 'admin.example.test' })).peer.fingerprint256, admin.x509.fingerprint256);
    assert.equal(listener.status().lastReload.trigger, 'config');
    assert.equal((await httpsGet(url, { ca: ca.cert, servername: 'admin.example.test', maxVersion: 'TLSv1.2' })).protocol, 'TLSv1.2');
    // Same files, only minVersion: the contexts are made again with it.
    listener.applyPlan(compile({ tls: { ...files, minVersion: 'TLSv1.3' } }, liveDir).tls as ServerTls);
    assert.equal(listener.status().minVersion, 'TLSv1.3');
    await assert.rejects(httpsGet(url, { ca: ca.cert, servername: 'admin.example.test', maxVersion: 'TLSv1.2' }), /protocol version|alert/i);
    await assert.rejects(httpsGet(url, { ca: ca.cert, servername: '', maxVersion: 'TLSv1.2' }), /protocol version|alert/i);
    assert.equal((await httpsGet(url, { ca: ca.cert, servername: 'admin.example.test' })).protocol, 'TLSv1.3');
  });

  it('refuses a self-signed certificate that nobody trusts (sanity check of the client side)', async () => {
    const rogue = selfSigned({ dir: liveDir, name: 'rogue' });
    await assert.rejects(httpsGet(url, { ca: rogue.cert, servername: 'api.example.test' }), /self-signed|unable to verify|certificate/i);
  });
});
