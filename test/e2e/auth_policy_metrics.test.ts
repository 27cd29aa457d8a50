/**
 * Metrics and `/admin/auth` for authorizer functions, dynamicAuthentication and
 * DYNAMIC_ROUTING_BACKEND, end to end: a real gateway process calls the real fdk authorizer
 * (test/fixtures/functions/authorizer); after real requests, `/metrics` counts authorizer calls by
 * result and cache lookups, which server and backend each request went to and the requests none
 * matched, and `/admin/auth` describes the same. Labels are bounded: never a token or a principal.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ROOT, startGateway, type RunningGatewayProcess } from '../helpers/gateway.ts';

const stock = (body: string) => ({ type: 'STOCK_RESPONSE_BACKEND', status: 200, body, headers: [{ name: 'content-type', value: 'text/plain' }] });
const authorizer = { type: 'CUSTOM_AUTHENTICATION', functionId: 'authorizer', tokenHeader: 'Authorization' };

async function status(gw: RunningGatewayProcess, path: string, headers: Record<string, string>): Promise<number> {
  const res = await fetch(`${gw.url}${path}`, { headers });
  await res.arrayBuffer();
  return res.status;
}

/** The value of the sample `name{labels}` in a Prometheus text page, or undefined. */
function sample(page: string, name: string, labels: string): number | undefined {
  const line = page.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('metrics and /admin/auth for authorizers and dynamic selection (e2e)', () => {
  let gw: RunningGatewayProcess;

  const admin = async (path: string): Promise<Record<string, unknown>> => {
    const headers: Record<string, string> = gw.adminKey === null ? {} : { authorization: `Bearer ${gw.adminKey}` };
    const res = await fetch(`${gw.adminUrl}${path}`, { headers });
    assert.equal(res.status, 200, path);
    return (await res.json()) as Record<string, unknown>;
  };
  const metrics = async (): Promise<string> => {
    const headers: Record<string, string> = gw.adminKey === null ? {} : { authorization: `Bearer ${gw.adminKey}` };
    return (await fetch(`${gw.adminUrl}/metrics`, { headers })).text();
  };

  before(async () => {
    gw = await startGateway({
      config: {
        functions: { authorizer: { path: join(ROOT, 'test/fixtures/functions/authorizer') } },
        deployments: [
          { name: 'authz', pathPrefix: '/a', specification: { requestPolicies: { authentication: authorizer }, routes: [{ path: '/r', backend: stock('ok') }] } },
          {
            name: 'tenants',
            pathPrefix: '/t',
            specification: {
              requestPolicies: {
                dynamicAuthentication: {
                  selectionSource: { type: 'SINGLE', selector: 'request.headers[X-Tenant]' },
                  authenticationServers: [
                    { key: { type: 'ANY_OF', name: 'alpha', values: ['a'] }, authenticationServerDetail: authorizer },
                    { key: { type: 'WILDCARD', name: 'beta', expression: 'b-*' }, authenticationServerDetail: authorizer },
                  ],
                },
              },
              routes: [{ path: '/r', backend: stock('tenant') }],
            },
          },
          {
            name: 'routing',
            pathPrefix: '/r',
            specification: {
              routes: [
                {
                  path: '/items',
                  backend: {
                    type: 'DYNAMIC_ROUTING_BACKEND',
                    selectionSource: { type: 'SINGLE', selector: 'request.query[v]' },
                    routingBackends: [
                      { key: { type: 'ANY_OF', name: 'one', values: ['1'] }, backend: stock('one') },
                      { key: { type: 'WILDCARD', name: 'two', expression: '2*' }, backend: stock('two') },
                    ],
                  },
                },
              ],
            },
          },
        ],
      },
    });
  });
  after(async () => {
    await gw?.stop();
  });

  it('authorizer calls by result (allow, deny, malformed, error, timeout) and cache hits/misses', async () => {
    assert.equal(await status(gw, '/a/r', { authorization: 'Bearer good' }), 200);
    assert.equal(await status(gw, '/a/r', { authorization: 'Bearer good' }), 200, 'from the cache');
    assert.equal(await status(gw, '/a/r', { authorization: 'Bearer deny' }), 401);
    assert.equal(await status(gw, '/a/r', { authorization: 'Bearer bad' }), 502);
    assert.equal(await status(gw, '/a/r', { authorization: 'Bearer throw' }), 502);
    assert.equal(await status(gw, '/a/r', { authorization: 'Bearer slow' }), 504);
    const page = await metrics();
    const calls = (result: string) => sample(page, 'gatehouse_authorizer_calls_total', `deployment="authz",result="${result}"`);
    assert.deepEqual(['allow', 'deny', 'malformed', 'error', 'timeout'].map(calls), [1, 1, 1, 1, 1]);
    assert.equal(sample(page, 'gatehouse_authorizer_cache_total', 'deployment="authz",result="hit"'), 1);
    assert.equal(sample(page, 'gatehouse_authorizer_cache_total', 'deployment="authz",result="miss"'), 5);
    assert.equal(sample(page, 'gatehouse_authorizer_cache_entries', 'deployment="authz"'), 1);
    assert.doesNotMatch(page, /alice|Bearer good/, 'no principal or token in a label');

    const state = await admin('/admin/auth');
    const mine = (state['authorizers'] as Record<string, unknown>[]).find((a) => a['deployment'] === 'authz');
    assert.ok(mine, JSON.stringify(state['authorizers']));
    assert.equal(mine['functionId'], 'authorizer');
    assert.equal(mine['policy'], 'deployments[0].specification.requestPolicies.authentication');
    assert.equal(mine['cachedAnswers'], 1, 'one allow cached; denials and failures are not');
    assert.deepEqual(mine['calls'], { allow: 1, deny: 1, malformed: 1, error: 1, timeout: 1 });
    assert.deepEqual(mine['cache'], { hits: 1, misses: 5 });
    assert.doesNotMatch(JSON.stringify(state), /alice|Bearer good/);
  });

  it('dynamicAuthentication: the server each request went to, by key name, and no match', async () => {
    assert.equal(await status(gw, '/t/r', { 'x-tenant': 'a', authorization: 'Bearer good' }), 200);
    assert.equal(await status(gw, '/t/r', { 'x-tenant': 'b-1', authorization: 'Bearer good' }), 200);
    assert.equal(await status(gw, '/t/r', { 'x-tenant': 'b-2', authorization: 'Bearer deny' }), 401);
    assert.equal(await status(gw, '/t/r', { 'x-tenant': 'zzz', authorization: 'Bearer good' }), 401);
    const page = await metrics();
    assert.equal(sample(page, 'gatehouse_dynamic_authentication_selections_total', 'deployment="tenants",server="alpha"'), 1);
    assert.equal(sample(page, 'gatehouse_dynamic_authentication_selections_total', 'deployment="tenants",server="beta"'), 2);
    assert.equal(sample(page, 'gatehouse_dynamic_authentication_unmatched_total', 'deployment="tenants"'), 1);
    // Each server is its own authorizer policy; the metric sums them by deployment.
    assert.equal(sample(page, 'gatehouse_authorizer_calls_total', 'deployment="tenants",result="allow"'), 2);
    assert.equal(sample(page, 'gatehouse_authorizer_calls_total', 'deployment="tenants",result="deny"'), 1);

    const state = await admin('/admin/auth');
    assert.deepEqual(
      (state['dynamicAuthentication'] as Record<string, unknown>[]).find((d) => d['deployment'] === 'tenants'),
      { deployment: 'tenants', chosen: { alpha: 1, beta: 2 }, unmatched: 1 },
    );
    const servers = (state['authorizers'] as Record<string, unknown>[]).filter((a) => a['deployment'] === 'tenants');
    assert.deepEqual(
      servers.map((s) => [s['policy'], (s['calls'] as Record<string, number>)['allow']]).sort(),
      [
        ['deployments[1].specification.requestPolicies.dynamicAuthentication.authenticationServers[0].authenticationServerDetail', 1],
        ['deployments[1].specification.requestPolicies.dynamicAuthentication.authenticationServers[1].authenticationServerDetail', 1],
      ],
    );
  });

  it('DYNAMIC_ROUTING_BACKEND: the backend each request went to, by route and key name, and no match (404)', async () => {
    assert.equal(await status(gw, '/r/items?v=1', {}), 200);
    assert.equal(await status(gw, '/r/items?v=1', {}), 200);
    assert.equal(await status(gw, '/r/items?v=22', {}), 200);
    assert.equal(await status(gw, '/r/items?v=9', {}), 404);
    assert.equal(await status(gw, '/r/items', {}), 404);
    const page = await metrics();
    assert.equal(sample(page, 'gatehouse_dynamic_routing_selections_total', 'route="/r/items",backend="one"'), 2);
    assert.equal(sample(page, 'gatehouse_dynamic_routing_selections_total', 'route="/r/items",backend="two"'), 1);
    assert.equal(sample(page, 'gatehouse_dynamic_routing_unmatched_total', 'route="/r/items"'), 2);
    const state = await admin('/admin/auth');
    assert.deepEqual(state['dynamicRouting'], [{ route: '/r/items', chosen: { one: 2, two: 1 }, unmatched: 2 }]);
  });

  it('after a reload /admin/auth describes the new plan\'s policies, once each, and the counts carry over', async () => {
    const reload = await fetch(`${gw.adminUrl}/admin/reload`, { method: 'POST', headers: gw.adminHeaders() });
    assert.equal(reload.status, 200, await reload.text());
    const list = (await admin('/admin/auth'))['authorizers'] as Record<string, unknown>[];
    assert.equal(list.length, 3, 'the old plan\'s policies are gone');
    const mine = list.find((a) => a['deployment'] === 'authz')!;
    assert.equal(mine['cachedAnswers'], 0, 'the new plan\'s policy (a reload starts a new authorizer cache)');
    assert.deepEqual(mine['calls'], { allow: 1, deny: 1, malformed: 1, error: 1, timeout: 1 });
    const page = await metrics();
    assert.equal(sample(page, 'gatehouse_authorizer_calls_total', 'deployment="authz",result="allow"'), 1);
    assert.equal(sample(page, 'gatehouse_authorizer_cache_entries', 'deployment="authz"'), 0, 'the old plan\'s cache is not counted');
  });
});
