import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import { compileRateLimit, limitHeaders, rateLimitingSchema, MAX_RATE_PER_SECOND } from '../../src/policies/rate_limit.ts';
import { createLogger } from '../../src/lib/log.ts';
import { SharedRegistry } from '../../src/lib/shared_registry.ts';
import { createMemoryStore } from '../../src/state/memory.ts';
import { createRedisStore, settingsFromUrl } from '../../src/state/redis.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import { collectingLogger } from '../helpers/log_sink.ts';
import { redisOrSkip, startRedis } from '../helpers/redis.ts';
import type { SharedStore } from '../../src/state/types.ts';
import type { AdmissionPolicy, CompileContext, GatewayRequest, Refusal } from '../../src/types.ts';
import { eventually } from '../helpers/eventually.ts';

function compileContext(registry = new SharedRegistry(), log = createLogger({ level: 'silent' })): CompileContext {
  const issues: CompileContext['issues'] = [];
  const warnings: CompileContext['warnings'] = [];
  return {
    registry,
    log,
    baseDir: '/',
    issues,
    issue: (path, message) => void issues.push({ path, message }),
    warnings,
    warn: (path, message) => void warnings.push({ path, message }),
  };
}

function policyOf(config: unknown, deployment: string, store: SharedStore, ctx = compileContext()): AdmissionPolicy {
  const policy = compileRateLimit(config, 'specification.requestPolicies.rateLimiting', deployment, store, ctx);
  assert.deepEqual(ctx.issues, []);
  assert.ok(policy !== null);
  return policy;
}

/** The policy only reads the client address of a request. */
const from = (clientIp: string) => ({ clientIp }) as GatewayRequest;

async function outcomes(policy: AdmissionPolicy, ips: string[]): Promise<(Refusal | null)[]> {
  const out: (Refusal | null)[] = [];
  for (const ip of ips) out.push(await policy.admit(from(ip)));
  return out;
}

/**
 * Runs `burst` (a few admits, well under a millisecond each) so that it falls in one one-second
 * window; a machine stalled for most of a second mid-burst gets another try with fresh counters.
 */
async function inOneWindow<T>(burst: (attempt: number) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const started = Date.now();
    const result = await burst(attempt);
    if (Date.now() - started < 500 || attempt === 4) return result;
  }
}

describe('rateLimiting schema', () => {
  const validate = new Ajv({ strict: false }).compile(rateLimitingSchema);

  it('needs both fields, an integer rate from 1 and one of the rate keys', () => {
    assert.equal(validate({ rateInRequestsPerSecond: 10, rateKey: 'CLIENT_IP' }), true);
    assert.equal(validate({ rateInRequestsPerSecond: 1, rateKey: 'TOTAL' }), true);
    assert.equal(validate({ rateInRequestsPerSecond: MAX_RATE_PER_SECOND, rateKey: 'TOTAL' }), true);
    assert.equal(validate({ rateInRequestsPerSecond: 10 }), false);
    assert.equal(validate({ rateKey: 'TOTAL' }), false);
    assert.equal(validate({ rateInRequestsPerSecond: 0, rateKey: 'TOTAL' }), false);
    assert.equal(validate({ rateInRequestsPerSecond: 1.5, rateKey: 'TOTAL' }), false);
    assert.equal(validate({ rateInRequestsPerSecond: MAX_RATE_PER_SECOND + 1, rateKey: 'TOTAL' }), false);
    assert.equal(validate({ rateInRequestsPerSecond: 10, rateKey: 'PER_USER' }), false);
    assert.equal(validate({ rateInRequestsPerSecond: 10, rateKey: 'TOTAL', burst: 5 }), false);
  });

  it("accepts the lower-case spellings OCI's SDKs map, not mixed case", () => {
    assert.equal(validate({ rateInRequestsPerSecond: 10, rateKey: 'client_ip' }), true);
    assert.equal(validate({ rateInRequestsPerSecond: 10, rateKey: 'total' }), true);
    assert.equal(validate({ rateInRequestsPerSecond: 10, rateKey: 'Client_Ip' }), false);
  });
});

describe('compileRateLimit', () => {
  it('no rateLimiting: no policy', () => {
    assert.equal(compileRateLimit(undefined, 'p', 'd', createMemoryStore(), compileContext()), null);
  });

  it('an out-of-range rate that slipped past the schema is a config issue with its path', () => {
    const ctx = compileContext();
    assert.equal(compileRateLimit({ rateInRequestsPerSecond: 0, rateKey: 'TOTAL' }, 'rl', 'd', createMemoryStore(), ctx), null);
    assert.deepEqual(ctx.issues.map((i) => i.path), ['rl.rateInRequestsPerSecond']);
  });
});

describe('deployment rate limit over the memory store (real one-second windows)', () => {
  it('TOTAL: N requests allowed in a second, the next refused with 429, Retry-After and the RateLimit fields; allowed again in the next window', async () => {
    const store = createMemoryStore();
    const results = await inOneWindow((attempt) => outcomes(policyOf({ rateInRequestsPerSecond: 3, rateKey: 'TOTAL' }, `total-${attempt}`, store), ['198.51.100.1', '198.51.100.2', '2001:db8::1', '198.51.100.4']));
    assert.deepEqual(results.slice(0, 3), [null, null, null]);
    const refusal = results[3];
    assert.ok(refusal != null);
    assert.equal(refusal.status, 429);
    assert.equal(refusal.message, 'Too Many Requests');
    assert.equal(refusal.reason, 'rate_limited');
    assert.deepEqual(refusal.headers, {
      'Retry-After': '1',
      'RateLimit-Policy': '"rateLimiting";q=3;w=1',
      RateLimit: '"rateLimiting";r=0;t=1',
    });

    const policy = policyOf({ rateInRequestsPerSecond: 1, rateKey: 'TOTAL' }, 'next-window', store);
    assert.equal(await policy.admit(from('198.51.100.1')), null);
    await eventually('a new window admits the client again', async () => (await policy.admit(from('198.51.100.1'))) === null, { intervalMs: 100 });
  });

  it('CLIENT_IP: each client address has its own count; IPv6 clients of one /64 share one; IPv4-mapped counts as IPv4', async () => {
    const store = createMemoryStore();
    const results = await inOneWindow((attempt) =>
      outcomes(policyOf({ rateInRequestsPerSecond: 2, rateKey: 'CLIENT_IP' }, `per-client-${attempt}`, store), [
        '198.51.100.1',
        '::ffff:198.51.100.1',
        '198.51.100.1', // third of this client: refused
        '198.51.100.2', // another client: allowed
        '2001:db8:1:2::1',
        '2001:db8:1:2:ffff::9',
        '2001:db8:1:2::77', // third of this /64: refused
        '2001:db8:1:3::1', // the next /64: allowed
      ]),
    );
    assert.deepEqual(
      results.map((r) => r?.status ?? 'ok'),
      ['ok', 'ok', 429, 'ok', 'ok', 'ok', 429, 'ok'],
    );
  });

  it('the lower-case rate key counts per client too', async () => {
    const store = createMemoryStore();
    const results = await inOneWindow((attempt) => outcomes(policyOf({ rateInRequestsPerSecond: 1, rateKey: 'client_ip' }, `lower-${attempt}`, store), ['198.51.100.1', '198.51.100.2', '198.51.100.1']));
    assert.deepEqual(results.map((r) => r?.status ?? 'ok'), ['ok', 'ok', 429]);
  });

  it('deployments count apart, and allowed requests get no headers at all', async () => {
    const store = createMemoryStore();
    const results = await inOneWindow(async (attempt) => {
      const a = policyOf({ rateInRequestsPerSecond: 1, rateKey: 'TOTAL' }, `a-${attempt}`, store);
      const b = policyOf({ rateInRequestsPerSecond: 1, rateKey: 'TOTAL' }, `b-${attempt}`, store);
      return [await a.admit(from('198.51.100.1')), await b.admit(from('198.51.100.1')), await a.admit(from('198.51.100.1'))];
    });
    assert.deepEqual(results.map((r) => r?.status ?? 'ok'), ['ok', 'ok', 429]);
  });

  it('counts refusals in gatehouse_rate_limited_total by deployment (never by client)', async () => {
    const registry = new SharedRegistry();
    const store = createMemoryStore();
    const deployment = await inOneWindow(async (attempt) => {
      const name = `metrics-${attempt}`;
      const policy = policyOf({ rateInRequestsPerSecond: 1, rateKey: 'CLIENT_IP' }, name, store, compileContext(registry));
      await outcomes(policy, ['198.51.100.1', '198.51.100.1', '198.51.100.1']);
      return name;
    });
    const text = await registry.metrics.metrics();
    assert.match(text, new RegExp(`^gatehouse_rate_limited_total\\{deployment="${deployment}"\\} 2$`, 'm'));
    assert.match(text, new RegExp(`^gatehouse_rate_limit_fail_open_total\\{deployment="${deployment}"\\} 0$`, 'm'));
    assert.doesNotMatch(text, /198\.51\.100\.1/);
  });
});

describe('deployment rate limit when the store cannot be reached (a real redis-server, stopped)', () => {
  const cleanup: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  it('lets every request through, counts gatehouse_rate_limit_fail_open_total, warns at most every 30 s, and counts again once Redis is back', async (t) => {
    if (redisOrSkip(t) === null) return;
    const redis = await startRedis();
    cleanup.push(() => redis.close());
    const { log, records } = collectingLogger('info');
    const store = createRedisStore(settingsFromUrl(redis.url, { commandTimeoutMs: 200, connectTimeoutMs: 200 }), { log });
    cleanup.push(() => store.close());
    const registry = new SharedRegistry();
    const ctx = compileContext(registry, log);
    const clock = new ManualClock();
    const policy = compileRateLimit({ rateInRequestsPerSecond: 1, rateKey: 'TOTAL' }, 'rl', 'outage', store, ctx, clock);
    assert.ok(policy !== null);
    await eventually('the store is connected', () => store.health().up);
    assert.equal(await policy.admit(from('198.51.100.1')), null);
    assert.equal((await policy.admit(from('198.51.100.1')))?.status, 429, 'Redis counts');

    await redis.stop();
    const during: (Refusal | null)[] = [];
    for (let i = 0; i < 5; i++) during.push(await policy.admit(from('198.51.100.1')));
    assert.deepEqual(during, [null, null, null, null, null], 'fail open: nothing refused, nothing thrown');
    const warnings = () => records.filter((r) => typeof r['msg'] === 'string' && (r['msg'] as string).startsWith('rate limit not counted'));
    assert.equal(warnings().length, 1, 'one warning for a burst of failures');
    assert.equal(warnings()[0]!['deployment'], 'outage');
    clock.advance(29_000);
    await policy.admit(from('198.51.100.1'));
    assert.equal(warnings().length, 1, 'still within 30 s');
    clock.advance(1_000);
    await policy.admit(from('198.51.100.1'));
    assert.equal(warnings().length, 2, 'another warning once 30 s have passed');
    const text = await registry.metrics.metrics();
    assert.match(text, /^gatehouse_rate_limit_fail_open_total\{deployment="outage"\} 7$/m);

    await redis.restart();
    await eventually('counting resumes without a restart', async () => (await policy.admit(from('198.51.100.1'))) !== null, { timeoutMs: 15_000, intervalMs: 50 });
  });
});

describe('limitHeaders', () => {
  it('rounds the reset up to whole seconds, at least 1, and names the window and quota', () => {
    assert.deepEqual(limitHeaders('plan', 100, 60, { allowed: false, remaining: 0, resetMs: 12_001 }), {
      'Retry-After': '13',
      'RateLimit-Policy': '"plan";q=100;w=60',
      RateLimit: '"plan";r=0;t=13',
    });
    assert.equal(limitHeaders('plan', 1, 1, { allowed: false, remaining: 0, resetMs: 0 })['Retry-After'], '1');
  });

  it('writes the policy name as a Structured Field String (quotes and backslashes escaped, non-ASCII replaced)', () => {
    const h = limitHeaders('Gold "plan" \\ é', 5, 3600, { allowed: false, remaining: 0, resetMs: 1000 });
    assert.equal(h['RateLimit-Policy'], '"Gold \\"plan\\" \\\\ ?";q=5;w=3600');
  });
});
