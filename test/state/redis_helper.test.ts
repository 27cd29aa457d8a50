import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { redisOrSkip, startRedis } from '../helpers/redis.ts';

test('startRedis: a real redis-server that stops and restarts on the same port, and asks for its password', async (t) => {
  if (redisOrSkip(t) === null) return;
  const redis = await startRedis({ password: 'pw"1' });
  t.after(() => redis.close());
  const client = new Redis({ port: redis.port, host: '127.0.0.1', password: 'pw"1', lazyConnect: true, maxRetriesPerRequest: 0 });
  t.after(() => client.disconnect());
  await client.connect();
  assert.equal(await client.set('k', 'v'), 'OK');
  const firstPid = redis.pid;
  await redis.restart();
  assert.notEqual(redis.pid, firstPid);
  const again = new Redis({ port: redis.port, host: '127.0.0.1', password: 'pw"1', lazyConnect: true, maxRetriesPerRequest: 0 });
  t.after(() => again.disconnect());
  await again.connect();
  assert.equal(await again.get('k'), null, 'nothing is persisted across a restart');
  const noAuth = new Redis({ port: redis.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  const errors: string[] = [];
  noAuth.on('error', (e: Error) => errors.push(e.message));
  t.after(() => noAuth.disconnect());
  await assert.rejects(noAuth.connect());
  assert.match(errors.join('\n'), /NOAUTH/);
});
