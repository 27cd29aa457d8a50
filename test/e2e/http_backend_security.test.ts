/**
 * HTTP_BACKEND security and robustness, end to end through a real gateway process and real
 * upstreams on loopback (issue #11): a context variable cannot walk the upstream path, a client
 * cannot forge the headers the gateway owns, and a client that leaves aborts the upstream call
 * even when its request had no body.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { startGateway, type RunningGatewayProcess } from '../helpers/gateway.ts';
import { startUpstream, type Upstream } from '../helpers/upstream.ts';
import { eventually } from '../helpers/eventually.ts';

/** An upstream that answers after 2 s and records, per request, whether its connection closed first. */
interface SlowUpstream {
  url: string;
  arrived: number;
  closedBeforeAnswer: number;
  close(): Promise<void>;
}

async function startSlowUpstream(): Promise<SlowUpstream> {
  const state = { arrived: 0, closedBeforeAnswer: 0 };
  const server: Server = createServer((req, res) => {
    state.arrived++;
    const timer = setTimeout(() => res.end('late'), 2000);
    res.once('close', () => {
      clearTimeout(timer);
      if (!res.writableFinished) state.closedBeforeAnswer++;
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get arrived() {
      return state.arrived;
    },
    get closedBeforeAnswer() {
      return state.closedBeforeAnswer;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('HTTP backend security (e2e)', () => {
  let up: Upstream;
  let slow: SlowUpstream;
  let gw: RunningGatewayProcess;

  before(async () => {
    up = await startUpstream();
    slow = await startSlowUpstream();
    gw = await startGateway({
      config: {
        deployments: [
          {
            name: 'sec',
            pathPrefix: '/api',
            specification: {
              routes: [
                { path: '/users/{id}', backend: { type: 'HTTP_BACKEND', url: `${up.url}/internal/users/\${request.query[v]}/profile` } },
                { path: '/echo', backend: { type: 'HTTP_BACKEND', url: `${up.url}/echo` } },
                { path: '/slow', methods: ['GET', 'POST'], backend: { type: 'HTTP_BACKEND', url: `${slow.url}/slow`, readTimeoutInSeconds: 30, sendTimeoutInSeconds: 1 } },
              ],
            },
          },
        ],
      },
    });
  });
  after(async () => {
    await gw?.stop();
    await up?.close();
    await slow?.close();
  });

  it('regression: path traversal through URL templating: ?v=.. is refused with 400 and never reaches the upstream', async () => {
    for (const v of ['..', '%2e%2e', '.', '', 'a%2Fb', '..%5Cx', '%252e%252e']) {
      const res = await fetch(`${gw.url}/api/users/1?v=${v}`);
      assert.equal(res.status, 400, `v=${v}`);
      assert.deepEqual(await res.json(), { code: 400, message: 'Bad Request' });
    }
    assert.equal(up.received.length, 0, 'no refused request reached the upstream');
    const ok = (await (await fetch(`${gw.url}/api/users/1?v=42`)).json()) as { url: string };
    assert.equal(ok.url, '/internal/users/42/profile?v=42');
    assert.ok(up.received.every((r) => !r.url.includes('..')));
  });

  it('regression: X-Gatehouse-Claims sent by a client never reaches an HTTP upstream (nor forged X-Forwarded-Proto/Host)', async () => {
    const res = await fetch(`${gw.url}/api/echo`, {
      headers: { 'x-gatehouse-claims': '{"sub":"admin","scope":"admin"}', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example', 'x-kept': 'yes' },
    });
    assert.equal(res.status, 200);
    const seen = (await res.json()) as { headers: Record<string, string> };
    assert.equal(seen.headers['x-gatehouse-claims'], undefined);
    assert.equal(seen.headers['x-forwarded-proto'], 'http', 'the gateway sets it from what it saw');
    assert.equal(seen.headers['x-forwarded-host'], new URL(gw.url).host);
    assert.equal(seen.headers['x-kept'], 'yes', 'other client headers still pass');
  });

  it('regression: a client that disconnects aborts the upstream call also for a request without a body', async () => {
    const { hostname, port } = new URL(gw.url);
    const sock = connect(Number(port), hostname);
    sock.on('error', () => undefined);
    sock.write(`GET /api/slow HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`);
    await eventually('the request reached the slow upstream', () => slow.arrived === 1);
    sock.destroy();
    await eventually('the upstream saw its request closed before it answered', () => slow.closedBeforeAnswer === 1);
    // The gateway still serves, and the next call to that upstream is not affected.
    assert.equal((await fetch(`${gw.url}/api/echo`)).status, 200);
  });

  it('a request body that stalls past sendTimeoutInSeconds still gets 504 (the send timeout and a client leaving share the abort)', async () => {
    const { hostname, port } = new URL(gw.url);
    const sock = connect(Number(port), hostname);
    sock.on('error', () => undefined);
    let data = '';
    sock.setEncoding('latin1').on('data', (c: string) => (data += c));
    const closedBefore = slow.closedBeforeAnswer;
    sock.write(`POST /api/slow HTTP/1.1\r\nHost: ${hostname}\r\nContent-Length: 10\r\n\r\nhalf`);
    await eventually('the gateway answered 504', () => data.startsWith('HTTP/1.1 504 '));
    assert.match(data, /\{"code":504,"message":"Gateway Timeout"\}/);
    sock.destroy();
    await eventually('the upstream saw the stalled request aborted', () => slow.closedBeforeAnswer === closedBefore + 1);
  });
});
