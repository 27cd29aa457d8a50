import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Redis } from 'ioredis';
import { createCompileContext } from '../../src/config/compile_context.ts';
import type { LoadedConfig } from '../../src/config/load.ts';
import type { GatehouseConfig } from '../../src/config/types.ts';
import { SharedRegistry } from '../../src/lib/shared_registry.ts';
import { sharedStores, storesHealth, type StateConfig } from '../../src/state/index.ts';
import { createMemoryStore } from '../../src/state/memory.ts';
import type { CompileOptions } from '../../src/config/compile_context.ts';
import { eventually } from '../helpers/eventually.ts';
import { collectingLogger } from '../helpers/log_sink.ts';
import { redisOrSkip, startRedis } from '../helpers/redis.ts';

const OCID = 'ocid1.vaultsecret.oc1..cachepw';

/** A compile context over `config`, as compilePlan makes one, with its problems readable. */
function compileWith(registry: SharedRegistry, config: StateConfig, opts: CompileOptions = {}, baseDir = tmpdir()) {
  const loaded: LoadedConfig = { config: { deployments: [], ...config } as GatehouseConfig, file: join(baseDir, 'gatehouse.yaml'), baseDir, sources: [], sourcePath: (p) => p };
  const ctx = createCompileContext(loaded, registry, collectingLogger('info').log, opts);
  return { stores: sharedStores(config, ctx), ctx };
}

function newRegistry(t: TestContext): SharedRegistry {
  const registry = new SharedRegistry();
  t.after(() => registry.closeAll());
  return registry;
}

const limit = { name: 'l', points: 2, windowSeconds: 60 };

test('sharedStores: no state config → one memory store for counters and cache, kept across a reload', async (t) => {
  const registry = newRegistry(t);
  const first = compileWith(registry, {}).stores;
  assert.equal(first.counters, first.cache);
  assert.equal(first.counters.health().kind, 'memory');
  await first.counters.counters.consume(limit, 'k');
  await registry.commit();
  const reloaded = compileWith(registry, { state: { cache: { maxEntryBytes: 10 } } }).stores;
  await registry.commit();
  assert.equal(reloaded.counters, first.counters, 'a reload keeps the store');
  assert.equal((await reloaded.counters.counters.consume(limit, 'k')).remaining, 0, 'and its counts');
  await reloaded.cache.cache.set('big', Buffer.alloc(11), 60_000);
  assert.equal(await reloaded.cache.cache.get('big'), null, 'the new cache bounds apply');
  assert.deepEqual(storesHealth(registry).map((h) => h.kind), ['memory']);
});

test('sharedStores: the compile options\' localStore (a --workers worker\'s) is used when no Redis is named', async (t) => {
  const registry = newRegistry(t);
  const local = createMemoryStore();
  let made = 0;
  const opts = { localStore: () => (made++, local) };
  const { stores } = compileWith(registry, {}, opts);
  compileWith(registry, {}, opts);
  assert.equal(stores.counters, local);
  assert.equal(stores.cache, local);
  assert.equal(made, 1);
});

async function connectionsNamedGatehouse(port: number): Promise<number> {
  const raw = new Redis({ port, host: '127.0.0.1', lazyConnect: true });
  try {
    await raw.connect();
    const list = (await raw.call('CLIENT', 'LIST')) as string;
    return list.split('\n').filter((l) => l.includes('name=gatehouse ')).length;
  } finally {
    raw.disconnect();
  }
}

test('sharedStores: state.redis → one connection for counters and cache, kept by a reload with the same settings, replaced when they change', async (t) => {
  if (redisOrSkip(t) === null) return;
  const redis = await startRedis();
  t.after(() => redis.close());
  const registry = newRegistry(t);
  const config = { state: { redis: { url: redis.url, commandTimeoutMs: 300 } } };
  const { stores } = compileWith(registry, config);
  await registry.commit();
  assert.equal(stores.counters, stores.cache);
  await eventually('connected', () => stores.counters.health().up);
  assert.equal(stores.counters.health().target, `${redis.url}/0`);
  assert.equal(compileWith(registry, config).stores.counters, stores.counters, 'same settings: same store');
  await registry.commit();
  assert.equal(await connectionsNamedGatehouse(redis.port), 1);

  const changed = compileWith(registry, { state: { redis: { url: redis.url, commandTimeoutMs: 400 } } }).stores;
  assert.notEqual(changed.counters, stores.counters);
  await registry.commit();
  await eventually('the old connection is closed and the new one open', async () => (await connectionsNamedGatehouse(redis.port)) === 1 && changed.counters.health().up);
});

test('sharedStores: responseCacheDetails EXTERNAL_RESP_CACHE → the cache on that server, its password from secrets: (JSON or plain); counters stay in memory', async (t) => {
  if (redisOrSkip(t) === null) return;
  const password = 'resp-cache-pw';
  const redis = await startRedis({ password });
  t.after(() => redis.close());
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-state-'));
  writeFileSync(join(dir, 'cache-secret.json'), JSON.stringify({ password }));
  const details = { type: 'EXTERNAL_RESP_CACHE', servers: [{ host: '127.0.0.1', port: redis.port }], authenticationSecretId: OCID, authenticationSecretVersionNumber: 1, readTimeoutInMs: 300 };
  for (const secrets of [{ [OCID]: { file: 'cache-secret.json' } }, { [OCID]: password }]) {
    const registry = newRegistry(t);
    const { stores, ctx } = compileWith(registry, { responseCacheDetails: details, secrets }, {}, dir);
    assert.deepEqual(ctx.warnings, []);
    assert.equal(stores.counters.health().kind, 'memory');
    assert.equal(stores.cache.health().kind, 'redis');
    await eventually('connected with the secret\'s password', () => stores.cache.health().up);
    await stores.cache.cache.set('k', Buffer.from('v'), 10_000);
    assert.deepEqual(await stores.cache.cache.get('k'), Buffer.from('v'));
  }
});

test('sharedStores: state.redis and responseCacheDetails naming the same server the same way share one connection', async (t) => {
  if (redisOrSkip(t) === null) return;
  const redis = await startRedis({ password: 'same' });
  t.after(() => redis.close());
  const registry = newRegistry(t);
  const { stores } = compileWith(registry, {
    state: { redis: { url: `redis://127.0.0.1:${redis.port}`, password: 'same', commandTimeoutMs: 700, connectTimeoutMs: 900 } },
    responseCacheDetails: { type: 'EXTERNAL_RESP_CACHE', servers: [{ host: '127.0.0.1', port: redis.port }], authenticationSecretId: OCID, authenticationSecretVersionNumber: 1, connectTimeoutInMs: 900, readTimeoutInMs: 700, sendTimeoutInMs: 700 },
    secrets: { [OCID]: '{"password":"same"}' },
  });
  assert.equal(stores.cache, stores.counters);
});

test('sharedStores: an unresolved authenticationSecretId is a warning naming its path; the cache then always fails (so it is bypassed) and health says why', async (t) => {
  const registry = newRegistry(t);
  const { stores, ctx } = compileWith(registry, {
    responseCacheDetails: { type: 'EXTERNAL_RESP_CACHE', servers: [{ host: '10.0.0.5', port: 6379 }], authenticationSecretId: OCID, authenticationSecretVersionNumber: 1 },
  });
  assert.deepEqual(ctx.issues, []);
  assert.equal(ctx.warnings.length, 1);
  assert.equal(ctx.warnings[0]?.path, 'responseCacheDetails.authenticationSecretId');
  assert.match(ctx.warnings[0]?.message ?? '', new RegExp(OCID.replace(/\./g, '\\.')));
  await assert.rejects(stores.cache.cache.get('k'));
  await assert.rejects(stores.cache.cache.set('k', Buffer.from('v'), 1000));
  const health = storesHealth(registry).find((h) => h.kind === 'redis');
  assert.deepEqual(
    { target: health?.target, up: health?.up, failures: health?.failures },
    { target: 'redis://10.0.0.5:6379/0', up: false, failures: 2 },
  );
  assert.match(health?.lastError ?? '', /not in secrets/);
  const metrics = await registry.metrics.metrics();
  assert.match(metrics, /gatehouse_state_up\{store="redis:\/\/10\.0\.0\.5:6379\/0"\} 0/);
  assert.match(metrics, /gatehouse_state_failures_total\{store="redis:\/\/10\.0\.0\.5:6379\/0",op="get"\} 1/);
  assert.match(metrics, /gatehouse_state_up\{store="memory"\} 1/);
});

test('sharedStores: an unreadable state.redis.tls.caFile or a bad URL is a problem at its path', async (t) => {
  const registry = newRegistry(t);
  const { ctx } = compileWith(registry, { state: { redis: { url: 'rediss://127.0.0.1:1', tls: { caFile: 'missing-ca.pem' } } } });
  assert.equal(ctx.issues[0]?.path, 'state.redis.tls.caFile');
  assert.match(ctx.issues[0]?.message ?? '', /missing-ca\.pem.*ENOENT/);
  const bad = compileWith(registry, { state: { redis: { url: 'redis://host/notanumber' } } }).ctx;
  assert.equal(bad.issues[0]?.path, 'state.redis.url');
});

test('sharedStores: an offline compile (validate) does not connect', async (t) => {
  if (redisOrSkip(t) === null) return;
  const redis = await startRedis();
  t.after(() => redis.close());
  const registry = newRegistry(t);
  const { stores } = compileWith(registry, { state: { redis: { url: redis.url } } }, { offline: true });
  assert.equal(stores.counters.health().kind, 'redis');
  assert.equal(await connectionsNamedGatehouse(redis.port), 0);
});

/** A self-signed certificate for 127.0.0.1 made with openssl, or null after skipping `t` (visibly). */
function selfSignedCert(t: TestContext): { certFile: string; keyFile: string } | null {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-redis-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  if (r.status === 0) return { certFile, keyFile };
  if (process.env['GATEHOUSE_REQUIRE_REDIS'] === '1') assert.fail('openssl is needed to make the Redis TLS test certificate');
  t.skip('openssl not installed: cannot make a certificate for the Redis TLS test');
  return null;
}

test('sharedStores: TLS to Redis — rediss:// verifies against state.redis.tls.caFile, refuses an unknown CA, connects with isSslVerifyDisabled; responseCacheDetails isSslEnabled too', async (t) => {
  if (redisOrSkip(t) === null) return;
  const cert = selfSignedCert(t);
  if (cert === null) return;
  const redis = await startRedis({ tls: cert, password: 'tls-pw' });
  t.after(() => redis.close());
  assert.match(redis.url, /^rediss:/);

  const verified = compileWith(newRegistry(t), { state: { redis: { url: redis.url, password: 'tls-pw', tls: { caFile: cert.certFile } } } }).stores;
  await eventually('connected over TLS, certificate verified', () => verified.counters.health().up);
  assert.equal((await verified.counters.counters.consume(limit, 'k')).allowed, true);
  assert.equal(verified.counters.health().target, `${redis.url}/0`);

  const unknownCa = compileWith(newRegistry(t), { state: { redis: { url: redis.url, password: 'tls-pw' } } }).stores;
  await eventually('the unknown CA is the recorded failure', () => /certificate/i.test(unknownCa.counters.health().lastError ?? ''));
  assert.equal(unknownCa.counters.health().up, false);
  await assert.rejects(async () => unknownCa.counters.counters.consume(limit, 'k'));

  const unverified = compileWith(newRegistry(t), { state: { redis: { url: redis.url, password: 'tls-pw', tls: { isSslVerifyDisabled: true } } } }).stores;
  await eventually('connected without verification', () => unverified.counters.health().up);

  const oci = compileWith(newRegistry(t), {
    responseCacheDetails: { type: 'EXTERNAL_RESP_CACHE', servers: [{ host: '127.0.0.1', port: redis.port }], authenticationSecretId: OCID, authenticationSecretVersionNumber: 1, isSslEnabled: true, isSslVerifyDisabled: true },
    secrets: { [OCID]: 'tls-pw' },
  }).stores;
  await eventually('the OCI external cache connected over TLS', () => oci.cache.health().up);
  await oci.cache.cache.set('k', Buffer.from('tls'), 10_000);
  assert.deepEqual(await oci.cache.cache.get('k'), Buffer.from('tls'));
});

test('regression: gatehouse_state_up is aggregated across --workers with min (summed, two workers read "2")', async (t) => {
  const registry = newRegistry(t);
  compileWith(registry, {});
  const json = await registry.metrics.getMetricsAsJSON();
  const up = json.find((m) => m.name === 'gatehouse_state_up') as { aggregator?: string } | undefined;
  const failures = json.find((m) => m.name === 'gatehouse_state_failures_total') as { aggregator?: string } | undefined;
  assert.equal(up?.aggregator, 'min');
  assert.equal(failures?.aggregator, 'sum');
  const { AggregatorRegistry } = await import('prom-client');
  const merged = AggregatorRegistry.aggregate([json, json] as Parameters<typeof AggregatorRegistry.aggregate>[0]);
  assert.match(await merged.metrics(), /gatehouse_state_up\{store="memory"\} 1\n/);
});
