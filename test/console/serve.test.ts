/**
 * The console's static file server (src/console/serve.ts) on a real socket, over a temporary
 * bundle directory: index.html for /console, content types, ETag and 304, a rebuilt file seen at
 * once, 404 for unknown files, dot files, directories and every way out of the directory, 405 for
 * other methods, and a clear 404 when the console has not been built.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consoleFile, createConsoleServer, defaultConsoleDir, isConsolePath } from '../../src/console/serve.ts';
import { ROOT } from '../helpers/gateway.ts';

/** A request whose path is sent as written (fetch resolves dot segments). */
function raw(base: string, path: string, method = 'GET', headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('console files', () => {
  let base: string;
  let dir: string;
  let server: Server;
  let url: string;

  before(async () => {
    base = mkdtempSync(join(tmpdir(), 'console-serve-'));
    dir = join(base, 'console');
    mkdirSync(join(dir, 'assets'), { recursive: true });
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>c</title>');
    writeFileSync(join(dir, 'assets', 'app.js'), 'export {}');
    writeFileSync(join(dir, 'assets', 'app.css'), 'body{}');
    writeFileSync(join(dir, 'assets', 'logo.svg'), '<svg/>');
    writeFileSync(join(dir, 'assets', 'blob.bin'), 'x');
    writeFileSync(join(dir, '.env'), 'SECRET=1');
    writeFileSync(join(base, 'secret.txt'), 'TOPSECRET');
    const files = createConsoleServer(dir);
    server = createServer((req, res) => files.serve(req, res, (req.url ?? '/').split('?')[0]!));
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    rmSync(base, { recursive: true, force: true });
  });

  it('serves index.html for /console and /console/, and each file with its content type', async () => {
    for (const p of ['/console', '/console/', '/console/index.html']) {
      const r = await raw(url, p);
      assert.equal(r.status, 200, p);
      assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
      assert.equal(r.body, '<!doctype html><title>c</title>');
    }
    const types: Record<string, string> = { 'app.js': 'text/javascript; charset=utf-8', 'app.css': 'text/css; charset=utf-8', 'logo.svg': 'image/svg+xml', 'blob.bin': 'application/octet-stream' };
    for (const [name, type] of Object.entries(types)) assert.equal((await raw(url, `/console/assets/${name}`)).headers['content-type'], type, name);
    const head = await raw(url, '/console/assets/app.js', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.equal(head.headers['content-length'], '9');
  });

  it('answers 304 to a matching If-None-Match, and a new ETag once the file changes', async () => {
    const first = await raw(url, '/console/assets/app.css');
    const etag = String(first.headers['etag']);
    assert.match(etag, /^"[A-Za-z0-9_-]{27}"$/);
    assert.equal(first.headers['cache-control'], 'no-cache');
    assert.equal((await raw(url, '/console/assets/app.css', 'GET', { 'if-none-match': etag })).status, 304);
    writeFileSync(join(dir, 'assets', 'app.css'), 'body{color:red}');
    const changed = await raw(url, '/console/assets/app.css', 'GET', { 'if-none-match': etag });
    assert.equal(changed.status, 200);
    assert.equal(changed.body, 'body{color:red}');
    assert.notEqual(changed.headers['etag'], etag);
  });

  it('404 for unknown files, dot files, directories and every way out of the directory; 405 for other methods', async () => {
    const escapes = [
      '/console/nope.js',
      '/console/.env',
      '/console/assets',
      '/console/assets/',
      '/console/../secret.txt',
      '/console/assets/../../secret.txt',
      '/console/%2e%2e/secret.txt',
      '/console/%2E%2E%2Fsecret.txt',
      '/console/assets%2f..%2f..%2fsecret.txt',
      '/console/..%5csecret.txt',
      '/console/..\\secret.txt',
      '/console/%00',
      '/console/%zz',
      '/console//etc/passwd',
      `/console/${encodeURIComponent(join(base, 'secret.txt'))}`,
    ];
    for (const p of escapes) {
      const r = await raw(url, p);
      assert.equal(r.status, 404, p);
      assert.ok(!r.body.includes('TOPSECRET') && !r.body.includes('SECRET=1'), p);
    }
    assert.equal((await raw(url, '/console/index.html', 'POST')).status, 405);
  });

  it('says the console is not built when its directory has no index.html', async () => {
    const empty = createConsoleServer(join(base, 'missing'));
    const s = createServer((req, res) => empty.serve(req, res, req.url!));
    await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
    try {
      const r = await raw(`http://127.0.0.1:${(s.address() as AddressInfo).port}`, '/console');
      assert.equal(r.status, 404);
      assert.match(r.body, /the console is not built: run `npm run build`/);
    } finally {
      await new Promise((r) => s.close(r));
    }
  });
});

describe('console paths', () => {
  it('isConsolePath takes /console and what is under it, nothing else', () => {
    assert.ok(isConsolePath('/console') && isConsolePath('/console/') && isConsolePath('/console/a.js'));
    assert.ok(!isConsolePath('/consoles') && !isConsolePath('/admin/console') && !isConsolePath('/'));
  });
  it('consoleFile stays inside the directory', () => {
    assert.equal(consoleFile('/srv/c', '/console'), '/srv/c/index.html');
    assert.equal(consoleFile('/srv/c', '/console/a/b.js'), '/srv/c/a/b.js');
    assert.equal(consoleFile('/srv/c', '/console/a/../../x'), null);
    assert.equal(consoleFile('/srv/c', '/console/%2e%2e'), null);
  });
  it('the bundle is dist/console/ui/ of the package, from src/ as from dist/; GATEHOUSE_CONSOLE_DIR overrides it', () => {
    assert.equal(defaultConsoleDir({}), join(ROOT, 'dist/console/ui/'));
    assert.equal(defaultConsoleDir({ GATEHOUSE_CONSOLE_DIR: '/opt/console' }), '/opt/console');
  });
});

describe('the console page under its Content-Security-Policy', () => {
  it('index.html (copied as is into the bundle) has no inline script, style, event handler or javascript: URL, and loads only its own files', () => {
    const html = readFileSync(join(ROOT, 'src/console/ui/index.html'), 'utf8');
    for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
      assert.match(m[1] ?? '', /\bsrc="\/console\//, `a script without src, or from elsewhere: ${m[0]}`);
      assert.equal((m[2] ?? '').trim(), '', 'a script element with a body');
    }
    assert.doesNotMatch(html, /<style\b/i);
    assert.doesNotMatch(html, /\sstyle\s*=/i);
    assert.doesNotMatch(html, /\son[a-z]+\s*=/i);
    assert.doesNotMatch(html, /javascript:/i);
    for (const m of html.matchAll(/\b(?:src|href)="([^"]*)"/gi)) assert.match(m[1] ?? '', /^(\/console\/|data:)/, `loads ${m[1]}`);
  });
});
