/**
 * Usage plans with their stores: API-managed subscribers come from the subscriber database
 * (SQLite in a temporary directory) through the polled index — a client created after start works
 * without a recompile, one removed stops working, a request arriving before the first read waits
 * for it — and a Redis that stops answering lets requests through (fail open) with a metric and a
 * throttled warning.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SharedRegistry } from '../../src/lib/shared_registry.ts';
import { compileUsagePlanCatalog, type UsagePlanConfig } from '../../src/policies/usage_plans.ts';
import { createMemoryStore } from '../../src/state/memory.ts';
import { createRedisStore, settingsFromUrl } from '../../src/state/redis.ts';
import { SubscriberStore } from '../../src/state/subscribers.ts';
import type { SharedStore } from '../../src/state/types.ts';
import type { ConfigIssue } from '../../src/errors.ts';
import type { AdmissionPolicy, CompileContext, GatewayRequest, Refusal } from '../../src/types.ts';
import { eventually } from '../helpers/eventually.ts';
import { collectingLogger } from '../helpers/log_sink.ts';
import { redisOrSkip, startRedis } from '../helpers/redis.ts';

const CONFIG: UsagePlanConfig = {
  usagePlans: [{ id: 'gold', displayName: 'Gold', entitlements: [{ name: 'e', quota: { value: 100, unit: 'DAY', resetPolicy: 'CALENDAR', operationOnBreach: 'REJECT' }, targets: [{ deploymentId: 'shop' }] }] }],
  subscribers: [{ id: 'declared', usagePlans: ['gold'], clients: [{ name: 'web', token: 'config-token' }] }],
  state: { database: 'db/subscribers.sqlite' },
};

function compile(baseDir: string, registry: SharedRegistry, store: SharedStore, log = collectingLogger('info')) {
  const issues: ConfigIssue[] = [];
  const ctx: CompileContext = {
    registry,
    log: log.log,
    baseDir,
    issues,
    issue: (path, message) => void issues.push({ path, message }),
    warnings: [],
    warn: () => undefined,
  };
  const cat = compileUsagePlanCatalog(CONFIG, store, ctx, { pollIntervalMs: 50 });
  const policy = cat.policyFor({ name: 'shop' }, { tokenLocations: ['request.headers[x-key]'] }, 'deployments[0].specification.requestPolicies.usagePlans', new Map()) as AdmissionPolicy;
  assert.deepEqual(issues, []);
  return { policy, records: log.records };
}

function request(token: string): GatewayRequest {
  return { req: { headers: { 'x-key': token }, rawHeaders: ['x-key', token] }, params: {}, auth: null, usagePlan: null, query: () => new URLSearchParams() } as unknown as GatewayRequest;
}

async function verdict(policy: AdmissionPolicy, token: string): Promise<string> {
  const r: Refusal | null = await policy.admit(request(token));
  return r === null ? 'admitted' : r.reason;
}

function tempDir(t: { after(fn: () => unknown): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'usage-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('API-managed subscribers: known from the first request, added and removed clients followed by polling', async (t) => {
  const dir = tempDir(t);
  const db = SubscriberStore.open('db/subscribers.sqlite', dir);
  t.after(() => db.close());
  await db.migrate();
  const early = await db.create({ id: 'early', displayName: 'Early', usagePlans: ['gold'], clients: ['web'] });
  const earlyToken = early.tokens[0]?.token as string;

  const registry = new SharedRegistry();
  t.after(() => registry.closeAll());
  const { policy } = compile(dir, registry, createMemoryStore());
  // Asked at once, before the index has read the database: the request waits for the read.
  const first = policy.admit(request(earlyToken));
  assert.ok(first instanceof Promise);
  assert.equal(await first, null);
  assert.equal(await verdict(policy, 'config-token'), 'admitted', 'config-declared clients work alongside');

  const later = await db.addClient('early', 'batch');
  await eventually('the new client is admitted', async () => (await verdict(policy, later.token)) === 'admitted');
  await db.removeClient('early', 'web');
  await eventually('the removed client is refused', async () => (await verdict(policy, earlyToken)) === 'client_token_unknown');
  assert.equal(await verdict(policy, later.token), 'admitted');
});

test('a reload that keeps the database keeps one index (one connection, one poller), and the last plan to drop it closes it', async (t) => {
  const dir = tempDir(t);
  const registry = new SharedRegistry();
  const memory = createMemoryStore();
  compile(dir, registry, memory);
  await registry.commit();
  compile(dir, registry, memory);
  await registry.commit();
  assert.equal(registry.list('usage:subscribers:').length, 1);
  await registry.commit(); // a plan without usage plans
  assert.equal(registry.list('usage:subscribers:').length, 0);
});

test('shared state unreachable: requests go through (fail open), counted, with one warning per 30 s', async (t) => {
  if (redisOrSkip(t) === null) return;
  const redis = await startRedis();
  t.after(() => redis.close());
  const storeLog = collectingLogger('error');
  const store = createRedisStore(settingsFromUrl(redis.url, { commandTimeoutMs: 200, connectTimeoutMs: 200 }), { log: storeLog.log });
  t.after(() => store.close());
  await eventually('connected to Redis', () => store.health().up);
  const dir = tempDir(t);
  const registry = new SharedRegistry();
  t.after(() => registry.closeAll());
  const { policy, records } = compile(dir, registry, store);
  assert.equal(await verdict(policy, 'config-token'), 'admitted', 'counted in Redis');

  await redis.stop();
  await eventually('the store noticed', () => !store.health().up);
  assert.equal(await verdict(policy, 'config-token'), 'admitted');
  assert.equal(await verdict(policy, 'config-token'), 'admitted');
  const text = await registry.metrics.metrics();
  assert.match(text, /gatehouse_usage_plan_requests_total\{deployment="shop",plan="gold",entitlement="e",result="fail_open"\} 2/);
  assert.match(text, /result="admitted"\} 1/);
  const warnings = records.filter((r) => String(r['msg']).startsWith('usage plans: shared state unreachable'));
  assert.equal(warnings.length, 1, 'throttled: one warning for the two failures');
  assert.ok(!JSON.stringify(records).includes('config-token'), 'the token is never logged');

  await redis.restart();
  await eventually(
    'counted again once Redis is back',
    async () => (await verdict(policy, 'config-token')) === 'admitted' && /result="admitted"\} 2/.test(await registry.metrics.metrics()),
    { timeoutMs: 10_000 },
  );
});
