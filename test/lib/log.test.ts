import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { accessLogger, createLogger } from '../../src/lib/log.ts';

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
