/**
 * Usage plans: the catalog's compile-time checks (with their paths), and the per-deployment check
 * run on requests — token locations in order, the three 403s, the first plan that targets the
 * deployment, rate limits and calendar quotas counted in a real memory store (shared across the
 * deployments an entitlement targets and across a subscriber's clients), REJECT vs ALLOW, counter
 * names that follow the config, and the metrics. The request is the small object the policy
 * reads (headers, query, path parameters, claims); the store is the real one.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/lib/clock.ts';
import { SharedRegistry } from '../../src/lib/shared_registry.ts';
import { compileUsagePlanCatalog, type UsagePlanConfig } from '../../src/policies/usage_plans.ts';
import { createMemoryStore } from '../../src/state/memory.ts';
import type { SharedStore } from '../../src/state/types.ts';
import type { ConfigIssue } from '../../src/errors.ts';
import type { AdmissionPolicy, CompileContext, GatewayRequest, Refusal } from '../../src/types.ts';
import { collectingLogger } from '../helpers/log_sink.ts';

const NO_PARAMS: ReadonlyMap<string, boolean> = new Map();
const POLICY_PATH = 'deployments[0].specification.requestPolicies.usagePlans';

function makeContext(registry = new SharedRegistry(), extra: Partial<CompileContext> = {}) {
  const { log, records } = collectingLogger('info');
  const issues: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  const ctx: CompileContext = {
    registry,
    log,
    baseDir: '/',
    issues,
    issue: (path, message) => void issues.push({ path, message }),
    warnings,
    warn: (path, message) => void warnings.push({ path, message }),
    offline: true,
    ...extra,
  };
  return { ctx, issues, warnings, records, registry };
}

interface RequestParts {
  headers?: Record<string, string>;
  query?: string;
  params?: Record<string, string>;
  claims?: Record<string, unknown>;
}

/** What the policy reads of a request, built the way request_context.ts fills it. */
function request(parts: RequestParts = {}): GatewayRequest {
  const headers: Record<string, string> = {};
  const rawHeaders: string[] = [];
  for (const [k, v] of Object.entries(parts.headers ?? {})) {
    headers[k.toLowerCase()] = v;
    rawHeaders.push(k, v);
  }
  const query = new URLSearchParams(parts.query ?? '');
  return {
    req: { headers, rawHeaders },
    params: parts.params ?? {},
    auth: parts.claims === undefined ? null : { claims: parts.claims, scopes: new Set(), subject: undefined, clientId: undefined },
    usagePlan: null,
    query: () => query,
  } as unknown as GatewayRequest;
}

async function admit(policy: AdmissionPolicy, ctx: GatewayRequest): Promise<Refusal | null> {
  return await policy.admit(ctx);
}

const plan = (id: string, entitlements: unknown[], displayName?: string) => ({ id, ...(displayName ? { displayName } : {}), entitlements });
const target = (...ids: string[]) => ids.map((deploymentId) => ({ deploymentId }));
const subscriber = (id: string, usagePlans: string[], ...clients: [string, string][]) => ({ id, usagePlans, clients: clients.map(([name, token]) => ({ name, token })) });

function catalog(config: UsagePlanConfig, opts: { store?: SharedStore; clock?: ManualClock; registry?: SharedRegistry } = {}) {
  const c = makeContext(opts.registry);
  const store = opts.store ?? createMemoryStore();
  const cat = compileUsagePlanCatalog(config, store, c.ctx, { clock: opts.clock ?? new ManualClock() });
  return { ...c, cat, store };
}

describe('usage plan catalog: cross references, reported with their paths', () => {
  it('reports duplicate plan ids, entitlement names, targets, subscriber ids, client names, unknown and ambiguous plan references', () => {
    const { issues, warnings } = catalog({
      usagePlans: [
        plan('gold', [
          { name: 'e', targets: target('shop') },
          { name: 'e', targets: target('shop', 'ocid1.apideployment.oc1..x') },
        ]),
        plan('gold', [{ name: 'x' }], 'Twin'),
        plan('other', [{ name: 'x' }], 'Twin'),
      ],
      subscribers: [
        subscriber('acme', ['gold', 'nope', 'Twin'], ['web', 'T1'], ['web', 'T2']),
        subscriber('acme', ['other'], ['cli', 'T1']),
      ],
      deployments: [{ name: 'shop' }],
    });
    const byPath = Object.fromEntries(issues.map((i) => [i.path, i.message]));
    assert.match(byPath['usagePlans[1].id'] ?? '', /duplicates usagePlans\[0\]\.id/);
    assert.match(byPath['usagePlans[0].entitlements[1].name'] ?? '', /duplicates entitlements\[0\]\.name/);
    assert.match(byPath['usagePlans[0].entitlements[1].targets[0].deploymentId'] ?? '', /"shop" is already a target of entitlements\[0\]/);
    assert.match(byPath['subscribers[0].usagePlans[1]'] ?? '', /no usage plan has the id or displayName "nope"/);
    assert.match(byPath['subscribers[0].usagePlans[2]'] ?? '', /2 usage plans have the displayName "Twin"/);
    assert.match(byPath['subscribers[0].clients[1].name'] ?? '', /duplicates clients\[0\]\.name/);
    assert.match(byPath['subscribers[1].id'] ?? '', /duplicates subscribers\[0\]\.id/);
    assert.equal(byPath['subscribers[1].clients[0].token'], 'the same token as subscribers[0].clients[0]: a client token identifies one client');
    assert.ok(!JSON.stringify(issues).includes('T1'), 'a token never appears in a problem');
    assert.deepEqual(warnings, [{ path: 'usagePlans[0].entitlements[1].targets[1].deploymentId', message: 'no deployment has the id or name "ocid1.apideployment.oc1..x"' }]);
  });

  it('reports a deployment targeted in one plan by its name and by its id', () => {
    const { cat, issues } = catalog({
      usagePlans: [plan('gold', [{ name: 'by-name', targets: target('shop') }, { name: 'by-id', targets: target('ocid1.apideployment.oc1..shop') }])],
    });
    cat.policyFor({ name: 'shop', id: 'ocid1.apideployment.oc1..shop' }, { tokenLocations: ['request.headers[x-key]'] }, POLICY_PATH, NO_PARAMS);
    assert.deepEqual(issues.map((i) => i.path), ['usagePlans[0].entitlements[1].targets']);
    assert.match(issues[0]?.message ?? '', /as usagePlans\[0\]\.entitlements\[0\] of the same plan does/);
  });

  it('checks token locations: context variables of the tables OCI allows, reported once per deployment', () => {
    const { cat, issues } = catalog({ usagePlans: [plan('gold', [{ name: 'e', targets: target('shop') }])] });
    const policy = { tokenLocations: ['request.headers[x-key]', 'request.subdomain[example.com]', 'request.nope[x]', 'request.path[key]'] };
    cat.policyFor({ name: 'shop' }, policy, POLICY_PATH, NO_PARAMS);
    cat.policyFor({ name: 'shop' }, policy, POLICY_PATH, NO_PARAMS);
    assert.deepEqual(issues.map((i) => i.path), [`${POLICY_PATH}.tokenLocations[1]`, `${POLICY_PATH}.tokenLocations[2]`]);
    assert.match(issues[0]?.message ?? '', /a client token is read from request\.headers/);
    // request.path[key] on a route without {key}: that route simply has no token there.
    const only = catalog({ usagePlans: [plan('gold', [{ name: 'e', targets: target('shop') }])] });
    only.cat.policyFor({ name: 'shop' }, { tokenLocations: ['request.path[key]'] }, POLICY_PATH, NO_PARAMS);
    assert.deepEqual(only.issues, [{ path: `${POLICY_PATH}.tokenLocations[0]`, message: 'a route of this deployment has no parameter {key}, and no other token location applies to it' }]);
  });

  it('gives no policy to a deployment without a usagePlans policy', () => {
    const { cat } = catalog({ usagePlans: [plan('gold', [{ name: 'e', targets: target('shop') }])] });
    assert.equal(cat.policyFor({ name: 'shop' }, undefined, POLICY_PATH, NO_PARAMS), null);
  });
});

describe('usage plan check on requests', () => {
  const free = plan('ocid1.apigatewayusageplan.oc1..free', [{ name: 'free', targets: target('shop') }], 'Free');

  it('reads the token from the first location that has one, in the order written', async () => {
    const { cat } = catalog({
      usagePlans: [free],
      subscribers: [subscriber('a', ['Free'], ['h', 'from-header'], ['q', 'from-query'], ['c', 'from-claim'], ['p', 'from-path'], ['host', 'api.example.com'])],
    });
    const policy = cat.policyFor(
      { name: 'shop' },
      { tokenLocations: ['request.headers[X-Client-Token]', 'request.query[token]', 'request.auth[client_token]', 'request.path[key]', 'request.host'] },
      POLICY_PATH,
      new Map([['key', false]]),
    ) as AdmissionPolicy;
    const which = async (parts: RequestParts) => {
      const ctx = request(parts);
      const r = await admit(policy, ctx);
      return r === null ? ctx.usagePlan : r.reason;
    };
    const planId = 'ocid1.apigatewayusageplan.oc1..free';
    assert.equal(await which({ headers: { 'x-client-token': 'from-header' }, query: 'token=nope' }), planId, 'the header comes first');
    assert.equal(await which({ headers: { 'X-Client-Token': 'nope' }, query: 'token=from-query' }), 'client_token_unknown', 'the first location with a value is used, even if unknown');
    assert.equal(await which({ headers: { 'x-client-token': '' }, query: 'token=from-query' }), planId, 'an empty header has no value');
    assert.equal(await which({ claims: { client_token: 'from-claim' } }), planId);
    assert.equal(await which({ params: { key: 'from-path' } }), planId);
    assert.equal(await which({ headers: { host: 'api.example.com' } }), planId);
    assert.equal(await which({}), 'client_token_missing');
  });

  it('answers 403 for a missing token, an unknown token and a client whose plans do not target the deployment', async () => {
    const { cat } = catalog({
      usagePlans: [free, plan('other', [{ name: 'o', targets: target('billing') }])],
      subscribers: [subscriber('a', ['Free'], ['web', 'tok-a']), subscriber('b', ['other'], ['web', 'tok-b'])],
    });
    const policy = cat.policyFor({ name: 'shop' }, { tokenLocations: ['request.headers[x-key]'] }, POLICY_PATH, NO_PARAMS) as AdmissionPolicy;
    const answers = [request(), request({ headers: { 'x-key': 'who' } }), request({ headers: { 'x-key': 'tok-b' } })].map((r) => policy.admit(r));
    for (const a of answers) assert.ok(!(a instanceof Promise), 'a denial is answered synchronously');
    assert.deepEqual(answers.map((a) => (a as Refusal).status), [403, 403, 403]);
    assert.deepEqual(answers.map((a) => (a as Refusal).reason), ['client_token_missing', 'client_token_unknown', 'client_not_entitled']);
  });

  it('uses the first of the subscriber\'s plans that targets the deployment (by id or by displayName)', async () => {
    const { cat } = catalog({
      usagePlans: [
        plan('gold', [{ name: 'g', targets: target('billing') }]),
        plan('silver', [{ name: 's', targets: target('ocid1.apideployment.oc1..shop') }], 'Silver'),
        plan('bronze', [{ name: 'b', targets: target('shop') }]),
      ],
      subscribers: [subscriber('a', ['gold', 'Silver', 'bronze'], ['web', 'tok'])],
    });
    const policy = cat.policyFor({ name: 'shop', id: 'ocid1.apideployment.oc1..shop' }, { tokenLocations: ['request.headers[x-key]'] }, POLICY_PATH, NO_PARAMS) as AdmissionPolicy;
    const ctx = request({ headers: { 'x-key': 'tok' } });
    const r = policy.admit(ctx);
    assert.equal(r, null, 'an entitlement without limits answers synchronously');
    assert.equal(ctx.usagePlan, 'silver', 'gold does not target shop; silver does, by its OCID');
  });

  it('counts a quota per subscriber, shared by its clients and by every deployment the entitlement targets', async () => {
    const clock = new ManualClock(Date.parse('2026-03-14T23:00:00.000Z'));
    const { cat, registry } = catalog(
      {
        usagePlans: [plan('gold', [{ name: 'daily', quota: { value: 3, unit: 'DAY', resetPolicy: 'CALENDAR', operationOnBreach: 'REJECT' }, targets: target('shop', 'billing') }])],
        subscribers: [subscriber('acme', ['gold'], ['web', 'tok-web'], ['batch', 'tok-batch']), subscriber('other', ['gold'], ['web', 'tok-other'])],
      },
      { clock },
    );
    const loc = { tokenLocations: ['request.headers[x-key]'] };
    const shop = cat.policyFor({ name: 'shop' }, loc, POLICY_PATH, NO_PARAMS) as AdmissionPolicy;
    const billing = cat.policyFor({ name: 'billing' }, loc, POLICY_PATH, NO_PARAMS) as AdmissionPolicy;
    const key = (k: string) => request({ headers: { 'x-key': k } });
    assert.equal(await admit(shop, key('tok-web')), null);
    assert.equal(await admit(billing, key('tok-batch')), null);
    assert.equal(await admit(shop, key('tok-batch')), null);
    const over = await admit(billing, key('tok-web'));
    assert.equal(over?.status, 429);
    assert.equal(over?.reason, 'quota_exceeded');
    const retryAfter = Number(over?.headers?.['Retry-After']);
    assert.ok(retryAfter > 3500 && retryAfter <= 3600, `Retry-After runs to the end of the UTC day: ${retryAfter}`);
    assert.equal(over?.headers?.['RateLimit-Policy'], '"gold/daily/quota";q=3;w=86400');
    assert.match(over?.headers?.['RateLimit'] ?? '', /^"gold\/daily\/quota";r=0;t=\d+$/);
    assert.equal(await admit(shop, key('tok-other')), null, 'another subscriber counts apart');

    clock.advance(3600 * 1000);
    const ctx = key('tok-web');
    assert.equal(await admit(billing, ctx), null, 'a new UTC day starts a new count');
    assert.equal(ctx.usagePlan, 'gold');

    const text = await registry.metrics.metrics();
    assert.match(text, /gatehouse_usage_plan_requests_total\{deployment="billing",plan="gold",entitlement="daily",result="quota_exceeded"\} 1/);
    assert.match(text, /gatehouse_usage_plan_requests_total\{deployment="shop",plan="gold",entitlement="daily",result="admitted"\} 3/);
    assert.ok(!text.includes('tok-') && !text.includes('acme'), 'metrics name neither tokens nor subscribers');
  });

  it('REJECT refuses past the quota; ALLOW lets the request through and counts it', async () => {
    const quota = (operationOnBreach: string) => ({ value: 1, unit: 'MONTH', resetPolicy: 'CALENDAR', operationOnBreach });
    const { cat, registry } = catalog({
      usagePlans: [plan('strict', [{ name: 'q', quota: quota('REJECT'), targets: target('a') }]), plan('lenient', [{ name: 'q', quota: quota('ALLOW'), targets: target('b') }])],
      subscribers: [subscriber('s', ['strict', 'lenient'], ['web', 'tok'])],
    });
    const loc = { tokenLocations: ['request.headers[x-key]'] };
    const a = cat.policyFor({ name: 'a' }, loc, POLICY_PATH, NO_PARAMS) as AdmissionPolicy;
    const b = cat.policyFor({ name: 'b' }, loc, POLICY_PATH, NO_PARAMS) as AdmissionPolicy;
    const key = () => request({ headers: { 'x-key': 'tok' } });
    assert.equal(await admit(a, key()), null);
    assert.equal((await admit(a, key()))?.reason, 'quota_exceeded');
    assert.equal(await admit(b, key()), null);
    const ctx = key();
    assert.equal(await admit(b, ctx), null, 'ALLOW: over the quota, still through');
    assert.equal(ctx.usagePlan, 'lenient');
    assert.match(await registry.metrics.metrics(), /deployment="b",plan="lenient",entitlement="q",result="quota_exceeded_allowed"\} 1/);
  });

  it('limits the rate per second, with Retry-After and the RateLimit headers', async () => {
    const { cat } = catalog({
      usagePlans: [plan('gold', [{ name: 'burst', rateLimit: { value: 2, unit: 'SECOND' }, targets: target('shop') }])],
      subscribers: [subscriber('s', ['gold'], ['web', 'tok'])],
    });
    const policy = cat.policyFor({ name: 'shop' }, { tokenLocations: ['request.headers[x-key]'] }, POLICY_PATH, NO_PARAMS) as AdmissionPolicy;
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await admit(policy, request({ headers: { 'x-key': 'tok' } })));
    assert.deepEqual(results.slice(0, 2), [null, null]);
    assert.equal(results[2]?.status, 429);
    assert.equal(results[2]?.reason, 'usage_rate_limited');
    assert.equal(results[2]?.headers?.['Retry-After'], '1');
    assert.equal(results[2]?.headers?.['RateLimit-Policy'], '"gold/burst/rate";q=2;w=1');
  });

  it('counts under names that carry the numbers: a changed quota starts a new count, changing it back resumes the old one', async () => {
    const store = createMemoryStore();
    const registry = new SharedRegistry();
    const clock = new ManualClock(Date.parse('2026-05-05T10:00:00.000Z'));
    const config = (value: number): UsagePlanConfig => ({
      usagePlans: [plan('gold', [{ name: 'q', quota: { value, unit: 'WEEK', resetPolicy: 'CALENDAR', operationOnBreach: 'REJECT' }, targets: target('shop') }])],
      subscribers: [subscriber('s', ['gold'], ['web', 'tok'])],
    });
    const policyWith = (value: number) =>
      catalog(config(value), { store, clock, registry }).cat.policyFor({ name: 'shop' }, { tokenLocations: ['request.headers[x-key]'] }, POLICY_PATH, NO_PARAMS) as AdmissionPolicy;
    const go = async (p: AdmissionPolicy) => (await admit(p, request({ headers: { 'x-key': 'tok' } })))?.reason ?? 'admitted';
    const two = policyWith(2);
    assert.deepEqual([await go(two), await go(two), await go(two)], ['admitted', 'admitted', 'quota_exceeded']);
    const three = policyWith(3);
    assert.equal(await go(three), 'admitted', 'quota 3 is a new count');
    assert.equal(await go(policyWith(2)), 'quota_exceeded', 'back to 2: the first count, still spent this week');
  });
});
