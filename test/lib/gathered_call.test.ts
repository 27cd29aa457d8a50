import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'undici';
import { gatheredCall } from '../../src/lib/gathered_call.ts';

describe('gatheredCall (a real server on loopback)', () => {
  let server: Server;
  let client: Client;
  const connections: number[] = [];

  before(async () => {
    server = createServer((req, res) => {
      connections.push(req.socket.remotePort ?? 0);
      const u = new URL(req.url ?? '/', 'http://x');
      if (u.pathname === '/chunks') {
        res.writeHead(201, { 'x-one': 'a', 'set-cookie': ['a=1', 'b=2'] });
        let n = 0;
        const next = (): void => {
          if (++n > 5) return void res.end();
          res.write(`part${n};`);
          setImmediate(next);
        };
        next();
      } else if (u.pathname === '/big') {
        res.writeHead(200, { 'content-length': '4096' });
        res.end(Buffer.alloc(4096, 120));
      } else if (u.pathname === '/cut') {
        res.writeHead(200, { 'content-length': '100' });
        res.write('only part');
        setImmediate(() => res.socket?.destroy());
      } else {
        res.writeHead(204).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    client = new Client(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });

  after(async () => {
    await client.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('gathers status, lower-cased headers (repeated ones as arrays) and a body sent in several chunks', async () => {
    const a = await gatheredCall(client, { path: '/chunks', method: 'GET' }, 1024);
    assert.equal(a.statusCode, 201);
    assert.equal(a.headers['x-one'], 'a');
    assert.deepEqual(a.headers['set-cookie'], ['a=1', 'b=2']);
    assert.equal(a.body?.toString(), 'part1;part2;part3;part4;part5;');
  });

  it('an empty answer is an empty body', async () => {
    const a = await gatheredCall(client, { path: '/none', method: 'POST', body: 'x' }, 1024);
    assert.equal(a.statusCode, 204);
    assert.equal(a.body?.length, 0);
  });

  it('an answer over the limit gathers nothing and does not reuse the connection', async () => {
    const a = await gatheredCall(client, { path: '/big', method: 'GET' }, 4095);
    assert.equal(a.statusCode, 200);
    assert.equal(a.body, null);
    const exact = await gatheredCall(client, { path: '/big', method: 'GET' }, 4096);
    assert.equal(exact.body?.length, 4096);
    assert.notEqual(connections.at(-1), connections.at(-2), 'a new connection after the cut one');
  });

  it('an answer cut short rejects', async () => {
    await assert.rejects(gatheredCall(client, { path: '/cut', method: 'GET' }, 1024));
    assert.equal((await gatheredCall(client, { path: '/none', method: 'GET' }, 1024)).statusCode, 204, 'the next call works');
  });
});
