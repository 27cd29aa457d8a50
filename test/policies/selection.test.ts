import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../src/lib/log.ts';
import { SharedRegistry } from '../../src/lib/shared_registry.ts';
import type { CompileContext, GatewayRequest } from '../../src/types.ts';
import {
  AUTHENTICATION_TABLES,
  ROUTING_TABLES,
  compileSelection,
  compileSelector,
  wildcardProblem,
  type SelectionKeyConfig,
} from '../../src/policies/selection.ts';

function context() {
  const issues: CompileContext['issues'] = [];
  const warnings: CompileContext['warnings'] = [];
  const ctx: CompileContext = {
    registry: new SharedRegistry(),
    log: createLogger({ level: 'silent' }),
    baseDir: '/',
    issues,
    issue: (path, message) => void issues.push({ path, message }),
    warnings,
    warn: (path, message) => void warnings.push({ path, message }),
  };
  return { ctx, issues };
}

/** A request as request_context.ts fills what selectors read: headers (raw lines too) and the query. */
function request(headerLines: [string, string][] = [], query = ''): GatewayRequest {
  const headers: Record<string, string> = {};
  const rawHeaders: string[] = [];
  for (const [k, v] of headerLines) {
    headers[k.toLowerCase()] = headers[k.toLowerCase()] === undefined ? v : `${headers[k.toLowerCase()]}, ${v}`;
    rawHeaders.push(k, v);
  }
  const q = new URLSearchParams(query);
  return { req: { headers, rawHeaders }, params: {}, auth: null, usagePlan: null, query: () => q } as unknown as GatewayRequest;
}

const ROUTES = new Map([['/t', new Map<string, boolean>()]]);

function selection(keys: SelectionKeyConfig[], selector = 'request.headers[tenant]') {
  const { ctx, issues } = context();
  const variable = compileSelector(selector, 'sel', ROUTES, ROUTING_TABLES, ctx);
  const sel = compileSelection(variable, keys.map((key) => ({ key, candidate: key.name })), (i) => `keys[${i}]`, ctx);
  return { sel, issues };
}

function pick(keys: SelectionKeyConfig[], tenant: string | undefined): string | null {
  const { sel, issues } = selection(keys);
  assert.deepEqual(issues, []);
  assert.ok(sel !== null);
  return sel.select(request(tenant === undefined ? [] : [['Tenant', tenant]]));
}

const anyOf = (name: string, values: string[], isDefault = false): SelectionKeyConfig => ({ type: 'ANY_OF', name, values, isDefault });
const wild = (name: string, expression: string, isDefault = false): SelectionKeyConfig => ({ type: 'WILDCARD', name, expression, isDefault });

describe('dynamic selection: matching', () => {
  it('exact (ANY_OF) rules are tried before wildcard rules, whatever the order written', () => {
    assert.equal(pick([wild('w', 'acme*'), anyOf('exact', ['acme-eu'])], 'acme-eu'), 'exact');
    assert.equal(pick([wild('w', 'acme*'), anyOf('exact', ['acme-eu'])], 'acme-us'), 'w');
  });

  it('the first matching rule wins within exact rules and within wildcard rules', () => {
    assert.equal(pick([anyOf('a', ['x', 'y']), anyOf('b', ['y'])], 'y'), 'a');
    assert.equal(pick([wild('first', '*-eu'), wild('second', 'acme-*')], 'acme-eu'), 'first');
  });

  it('the default is used when nothing matches; without one there is no candidate', () => {
    assert.equal(pick([anyOf('a', ['x']), anyOf('fallback', ['z'], true)], 'nope'), 'fallback');
    assert.equal(pick([anyOf('a', ['x']), anyOf('fallback', ['z'], true)], 'z'), 'fallback');
    assert.equal(pick([anyOf('a', ['x'])], 'nope'), null);
    assert.equal(pick([anyOf('a', ['x'])], undefined), null, 'a missing variable matches no rule');
    assert.equal(pick([wild('all', '*'), anyOf('d', ['q'], true)], undefined), 'd', 'a missing variable takes the default, even past "*"');
  });

  it('matching is exact and case-sensitive', () => {
    assert.equal(pick([anyOf('a', ['Acme'])], 'acme'), null);
    assert.equal(pick([anyOf('a', ['acme'])], 'acme '), null);
  });

  it('wildcards: * is zero or more characters, + one or more, at the start or the end', () => {
    assert.equal(pick([wild('w', '*.example.com')], 'a.example.com'), 'w');
    assert.equal(pick([wild('w', '*.example.com')], '.example.com'), 'w');
    assert.equal(pick([wild('w', '+.example.com')], '.example.com'), null);
    assert.equal(pick([wild('w', '+.example.com')], 'a.example.com'), 'w');
    assert.equal(pick([wild('w', 'tenant-*')], 'tenant-'), 'w');
    assert.equal(pick([wild('w', 'tenant-+')], 'tenant-'), null);
    assert.equal(pick([wild('w', 'tenant-+')], 'tenant-1'), 'w');
    assert.equal(pick([wild('w', 'tenant-*')], 'xtenant-1'), null);
    assert.equal(pick([wild('w', '*')], ''), 'w', '* matches an empty value');
    assert.equal(pick([wild('w', '+')], ''), null);
  });

  it('a multi-valued variable selects on its first value', () => {
    const { sel } = selection([anyOf('a', ['one']), anyOf('b', ['two'])]);
    assert.equal(sel!.select(request([['Tenant', 'two'], ['Tenant', 'one']])), 'b');
    const q = selection([anyOf('a', ['one']), anyOf('b', ['two'])], 'request.query[t]').sel!;
    assert.equal(q.select(request([], 't=one&t=two')), 'a');
  });
});

describe('dynamic selection: checked at load', () => {
  it('WILDCARD expressions hold exactly one wildcard, at the start or the end', () => {
    assert.equal(wildcardProblem('*.example.com'), null);
    assert.equal(wildcardProblem('api-+'), null);
    assert.match(wildcardProblem('a*b') ?? '', /start or the end/);
    assert.match(wildcardProblem('*a*') ?? '', /exactly one wildcard/);
    assert.match(wildcardProblem('+*') ?? '', /exactly one wildcard/);
    assert.match(wildcardProblem('abc') ?? '', /exactly one wildcard \(\* or \+\), found 0/);
  });

  it('reports duplicate names, a second default and bad expressions with their paths', () => {
    const { sel, issues } = selection([anyOf('a', ['x'], true), wild('a', 'a*b'), anyOf('c', ['y'], true)]);
    assert.equal(sel, null);
    assert.deepEqual(
      issues.map((i) => i.path),
      ['keys[1].name', 'keys[1].expression', 'keys[2].isDefault'],
    );
  });

  it('an invalid selector is "Invalid selector" at its path', () => {
    for (const bad of ['random', 'request.header[]]', 'request.path[a]*request.path[b]', 'request.headers[]', '${request.headers[x]}']) {
      const { ctx, issues } = context();
      assert.equal(compileSelector(bad, 'p.selector', ROUTES, ROUTING_TABLES, ctx), null, bad);
      assert.equal(issues[0]?.path, 'p.selector');
      assert.match(issues[0]?.message ?? '', /^Invalid selector/);
    }
  });

  it('authentication cannot select on request.auth or request.usage_plan; routing can', () => {
    for (const sel of ['request.auth[sub]', 'request.usage_plan[id]', 'request.cert[subject]']) {
      const { ctx, issues } = context();
      assert.equal(compileSelector(sel, 's', ROUTES, AUTHENTICATION_TABLES, ctx), null);
      assert.match(issues[0]?.message ?? '', /Invalid selector: request\.\w+ cannot select here/);
    }
    const { ctx, issues } = context();
    assert.ok(compileSelector('request.auth[tenant]', 's', ROUTES, ROUTING_TABLES, ctx) !== null);
    assert.ok(compileSelector('request.usage_plan[id]', 's', ROUTES, ROUTING_TABLES, ctx) !== null);
    assert.deepEqual(issues, []);
  });

  it('request.path[x] must be a parameter of every route, and the error names the route that lacks it', () => {
    const routes = new Map([
      ['/v1/{tenant}/a', new Map([['tenant', false]])],
      ['/v1/b', new Map<string, boolean>()],
    ]);
    const { ctx, issues } = context();
    assert.equal(compileSelector('request.path[tenant]', 'da.selector', routes, AUTHENTICATION_TABLES, ctx), null);
    assert.equal(issues[0]?.path, 'da.selector');
    assert.match(issues[0]?.message ?? '', /Invalid selector: .*no parameter \{tenant\}.*route \/v1\/b/);
  });
});
