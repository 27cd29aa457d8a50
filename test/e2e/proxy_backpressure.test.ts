/**
 * An HTTP_BACKEND answer is streamed with backpressure: while the client does not read, the gateway
 * stops reading the upstream, so the upstream's writes wait (socket buffers fill) instead of the
 * gateway holding the whole body in memory. When the client reads again, every byte arrives, in
 * order. A client that leaves in the middle of the body ends the upstream's answer too.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startGateway, type RunningGatewayProcess } from '../helpers/gateway.ts';
import { eventually } from '../helpers/eventually.ts';

const TOTAL = 128 * 1024 * 1024;
const CHUNK = 64 * 1024;

/** The byte at `offset` of the body: a pattern that shows a lost, repeated or reordered chunk. */
function chunkAt(offset: number): Buffer {
  const b = Buffer.alloc(CHUNK);
  for (let i = 0; i < CHUNK; i += 4) b.writeUInt32BE((offset + i) >>> 0, i);
  return b;
}

describe('HTTP_BACKEND backpressure (e2e)', () => {
  let upstream: Server;
  let gw: RunningGatewayProcess;
  /** Per upstream answer: what it has handed to its socket, whether it waits for 'drain', how it ended. */
  const answers: { written: number; waiting: boolean; done: boolean; closedEarly: boolean; hash: ReturnType<typeof createHash> }[] = [];

  before(async () => {
    upstream = createServer((_req, res) => {
      const progress = { written: 0, waiting: false, done: false, closedEarly: false, hash: createHash('sha256') };
      answers.push(progress);
      const expected = progress.hash;
      res.on('close', () => (progress.closedEarly = !res.writableFinished));
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(TOTAL) });
      const pump = (): void => {
        if (res.destroyed) return;
        while (progress.written < TOTAL) {
          const chunk = chunkAt(progress.written);
          expected.update(chunk);
          progress.written += CHUNK;
          if (!res.write(chunk)) {
            progress.waiting = true;
            res.once('drain', () => {
              progress.waiting = false;
              pump();
            });
            return;
          }
        }
        progress.done = true;
        res.end();
      };
      pump();
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const port = (upstream.address() as AddressInfo).port;
    gw = await startGateway({
      config: {
        server: { host: '127.0.0.1' },
        deployments: [{ name: 'big', pathPrefix: '/', specification: { routes: [{ path: '/big', backend: { type: 'HTTP_BACKEND', url: `http://127.0.0.1:${port}/big` } }] } }],
      },
    });
  });

  after(async () => {
    await gw?.stop();
    upstream?.closeAllConnections();
    await new Promise((r) => upstream?.close(r));
  });

  it('a client that stops reading holds the upstream back; reading again, it gets every byte', { timeout: 60_000 }, async () => {
    const res = await new Promise<IncomingMessage>((resolve, reject) => get(`${gw.url}/big`, resolve).on('error', reject));
    assert.equal(res.statusCode, 200);
    res.pause();
    const progress = answers.at(-1)!;
    // The upstream ends up waiting for 'drain' at the same count, poll after poll: held back.
    let last = -1;
    let still = 0;
    await eventually('the upstream waits for the paused client', () => {
      still = progress.waiting && progress.written === last ? still + 1 : 0;
      last = progress.written;
      return still >= 5;
    }, { timeoutMs: 20000, intervalMs: 50 });
    assert.ok(!progress.done, 'the upstream has not written everything');
    assert.ok(progress.written < TOTAL / 2, `held back after ${progress.written} bytes (socket buffers), not ${TOTAL}`);

    const received = createHash('sha256');
    let bytes = 0;
    res.on('data', (c: Buffer) => {
      received.update(c);
      bytes += c.length;
    });
    res.resume();
    await new Promise<void>((resolve, reject) => res.once('end', resolve).once('error', reject));
    assert.equal(bytes, TOTAL);
    assert.equal(received.digest('hex'), progress.hash.digest('hex'), 'every byte, in order');
  });

  it('a client that leaves in the middle of the body ends the upstream answer', { timeout: 60_000 }, async () => {
    const res = await new Promise<IncomingMessage>((resolve, reject) => get(`${gw.url}/big`, resolve).on('error', reject));
    assert.equal(res.statusCode, 200);
    const progress = answers.at(-1)!;
    await new Promise<void>((resolve) => res.once('data', () => resolve()));
    res.destroy();
    await eventually('the upstream answer is closed before its end', () => progress.closedEarly, { timeoutMs: 10_000 });
    assert.ok(!progress.done, 'the upstream did not write the whole body for nobody');
  });
});
