import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { accessLogger, createLogger, writeAccessLine } from '../../src/lib/log.ts';

function sink(): { stream: Writable; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { stream, lines };
}

test('the process logger redacts secrets; its access-line sibling shares the destination, level and order, without redaction', async () => {
  const { stream, lines } = sink();
  const log = createLogger({ level: 'info', destination: stream });
  const access = accessLogger(log);
  assert.notEqual(access, log);
  log.info({ authorization: 'Bearer secret-token', client_secret: 's3cr3t' }, 'first');
  access.child({ deployment: 'd' }).info({ reqId: 'r1', status: 200 }, 'access');
  log.debug('hidden');
  access.debug('hidden too');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(lines.map((l) => l['msg']), ['first', 'access']);
  assert.equal(lines[0]?.['authorization'], '[redacted]');
  assert.equal(lines[0]?.['client_secret'], '[redacted]');
  assert.deepEqual([lines[1]?.['deployment'], lines[1]?.['reqId'], lines[1]?.['svc']], ['d', 'r1', 'gatehouse']);
});

test('accessLogger of a logger it did not make is that logger (redaction kept)', () => {
  const other = pino({ level: 'silent' });
  assert.equal(accessLogger(other), other);
});

test('writeAccessLine writes what pino would for the same fields, in the same order, escaping what JSON needs', async () => {
  const viaPino = sink();
  const direct = sink();
  const a = accessLogger(createLogger({ level: 'info', destination: viaPino.stream })).child({ deployment: 'shop "eu"' });
  const b = accessLogger(createLogger({ level: 'info', destination: direct.stream })).child({ deployment: 'shop "eu"' });
  const cases: [string, string | undefined, string, string, number, number, string | undefined, string | undefined, string | undefined][] = [
    ['r1', '/items/{id}', 'GET', '/v1/items/7', 200, 1.25, 'ok', 'user@clients', 'client-1'],
    ['weird"id\\', undefined, 'POST', '/v1/ü/\u0001/\ud800', 404, 0.5, undefined, undefined, undefined],
    ['r3', '/x', 'GET', '/v1/x', 401, 12, 'token_missing', undefined, undefined],
  ];
  for (const c of cases) {
    const [reqId, route, method, path, status, ms, auth, sub, client] = c;
    a.info({ reqId, route, method, path, status, ms, auth, sub, client }, 'access');
    writeAccessLine(b, ...c);
  }
  await new Promise((r) => setImmediate(r));
  assert.equal(direct.lines.length, cases.length);
  // Same keys in the same order and the same values; only `time` may differ.
  const strip = (l: Record<string, unknown>) => JSON.stringify({ ...l, time: 0 });
  assert.deepEqual(direct.lines.map(strip), viaPino.lines.map(strip));
  assert.equal(direct.lines[1]?.['reqId'], 'weird"id\\');
  assert.equal(direct.lines[1]?.['path'], '/v1/ü/\u0001/\ud800');
  assert.ok(!('route' in direct.lines[1]!) && !('sub' in direct.lines[1]!));
});
