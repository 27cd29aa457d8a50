import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { RemoteFunction } from '../../src/functions/remote.ts';
import { encodeCallHeaders } from '../../src/functions/call_codec.ts';
import { functionMetrics } from '../../src/functions/metrics.ts';
import { SharedRegistry } from '../../src/lib/shared_registry.ts';

// A stand-in for an Fn server's invoke endpoint: answers by path, records what it received.
let server: Server;
let base = '';
const seen: { url: string; headers: IncomingHttpHeaders; body: string }[] = [];

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c: string) => (body += c));
    req.on('end', () => {
      seen.push({ url: req.url ?? '', headers: req.headers, body });
      switch (req.url) {
        case '/invoke/ok':
          res.writeHead(200, { 'content-type': 'text/plain', 'fn-http-status': '201', 'fn-http-h-x-thing': 'y', 'fn-fdk-version': 'x' });
          return res.end('made');
        case '/invoke/plain':
          res.writeHead(202, { 'content-type': 'application/json' });
          return res.end('{}');
        case '/invoke/fail':
          res.writeHead(502);
          return res.end('{"message":"boom"}');
        case '/invoke/busy':
          res.writeHead(503);
          return res.end();
        case '/invoke/slow':
          return; // never answers
        default:
          res.writeHead(404);
          return res.end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function callOf(body = '{"a":1}') {
  return { callId: 'c1', headers: encodeCallHeaders('c1', 'POST', '/v1/x?y=1', ['Content-Type', 'application/json', 'X-Client', 'k']), body: Buffer.from(body) };
}

test('the call reaches the Fn server with the Fn headers; Fn-Http-* are mapped back', async () => {
  const fn = new RemoteFunction('r', `${base}/invoke/ok`, 2000, 2, functionMetrics(new SharedRegistry(), 'r'));
  const out = await fn.invoke(callOf());
  await fn.close();
  assert.ok(out.ok);
  assert.equal(out.status, 201);
  assert.deepEqual(out.headers, { 'content-type': 'text/plain', 'x-thing': 'y' });
  assert.equal(out.body.toString(), 'made');
  const got = seen.at(-1)!;
  assert.equal(got.headers['fn-intent'], 'httprequest');
  assert.equal(got.headers['fn-http-method'], 'POST');
  assert.equal(got.headers['fn-http-request-url'], '/v1/x?y=1');
  assert.equal(got.headers['fn-http-h-x-client'], 'k');
  assert.equal(got.headers['content-type'], 'application/json');
  assert.ok(Date.parse(String(got.headers['fn-deadline'])) > Date.now());
  assert.equal(got.body, '{"a":1}');
});

test('a server that does not relay Fn-Http-Status answers with its own 2xx', async () => {
  const fn = new RemoteFunction('r', `${base}/invoke/plain`, 2000, 2, functionMetrics(new SharedRegistry(), 'r'));
  const out = await fn.invoke(callOf());
  await fn.close();
  assert.ok(out.ok);
  assert.equal(out.status, 202);
});

test('server errors, timeouts and refusals become failures', async () => {
  const cases: [string, string][] = [['fail', 'function_error'], ['busy', 'busy'], ['nope', 'upstream'], ['slow', 'timeout']];
  for (const [path, failure] of cases) {
    const fn = new RemoteFunction('r', `${base}/invoke/${path}`, 300, 2, functionMetrics(new SharedRegistry(), 'r'));
    const out = await fn.invoke(callOf());
    await fn.close();
    assert.equal(out.ok ? 'ok' : out.failure, failure, path);
  }
  const down = new RemoteFunction('r', 'http://127.0.0.1:1/invoke/x', 300, 1, functionMetrics(new SharedRegistry(), 'r'));
  const out = await down.invoke(callOf());
  assert.equal(out.ok ? 'ok' : out.failure, 'upstream');
  await down.close();
});
