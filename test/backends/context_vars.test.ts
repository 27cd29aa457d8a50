import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  compileContextVariable,
  compileStringTemplate,
  parseTemplate,
  routeParameters,
  type ContextVariable,
} from '../../src/backends/context_vars.ts';
import type { GatewayRequest } from '../../src/types.ts';
import { onLiveRequest, type LiveOptions } from '../helpers/live_request.ts';

const ROUTE = routeParameters('/v1/{region}/files/{rest*}');

function compile(expression: string, params: ReadonlyMap<string, boolean> = ROUTE): ContextVariable {
  const v = compileContextVariable(expression, params);
  assert.ok(typeof v !== 'string', String(v));
  return v;
}

/** `[text, values]` of each expression, read from one real request. */
async function read(target: string, expressions: string[], opts: LiveOptions = {}): Promise<[string, string[]][]> {
  const vars = expressions.map((e) => compile(e));
  return onLiveRequest(target, (rc: GatewayRequest) => vars.map((v) => [v.text(rc), v.values(rc)] as [string, string[]]), opts);
}

describe('routeParameters', () => {
  it('names each parameter and marks the wildcard', () => {
    assert.deepEqual([...ROUTE], [['region', false], ['rest', true]]);
    assert.equal(routeParameters('/plain').size, 0);
  });
});

describe('context variables on a real request', () => {
  it('reads every table: path, query, headers, auth, host, subdomain', async () => {
    const got = await read('/v1/eu/files/a/b?q=1&Q=2', ['request.path[region]', 'request.path[rest]', 'request.query[q]', 'request.query[Q]', 'request.headers[x-tenant]', 'request.auth[sub]', 'request.host', 'request.subdomain[example.com]'], {
      headers: ['Host: cars.example.com:8080', 'X-Tenant: acme'],
      params: { region: 'eu', rest: 'a/b' },
      claims: { sub: 'alice' },
    });
    assert.deepEqual(got, [
      ['eu', ['eu']],
      ['a/b', ['a/b']],
      ['1', ['1']],
      ['2', ['2']],
      ['acme', ['acme']],
      ['alice', ['alice']],
      ['cars.example.com:8080', ['cars.example.com:8080']],
      ['cars', ['cars']],
    ]);
  });

  it('header names are case-insensitive, query names case-sensitive', async () => {
    const got = await read('/?region=us', ['request.headers[X-TENANT]', 'request.query[region]', 'request.query[Region]'], { headers: ['Host: h', 'x-tenant: acme'] });
    assert.deepEqual(got, [['acme', ['acme']], ['us', ['us']], ['', []]]);
  });

  it('a repeated header renders as its lines joined with ", "; values keeps each line', async () => {
    const got = await read('/', ['request.headers[x-key]', 'request.headers[Cookie]'], { headers: ['Host: h', 'X-Key: a', 'x-key: b', 'Cookie: c=1', 'Cookie: d=2'] });
    assert.deepEqual(got, [['a, b', ['a', 'b']], ['c=1; d=2', ['c=1', 'd=2']]]);
  });

  it('a repeated query parameter renders as its first value; values keeps them all', async () => {
    const got = await read('/?a=1&a=2,3&b=x+y&c=%41', ['request.query[a]', 'request.query[b]', 'request.query[c]'], {});
    assert.deepEqual(got, [['1', ['1', '2,3']], ['x y', ['x y']], ['A', ['A']]]);
  });

  it('claims: nested keys, arrays, numbers, objects; own properties only', async () => {
    const claims = { sub: 'alice', access_token_claims: { claim1: 'v1', deep: { n: 7 } }, roles: ['r1', 'r2'], n: 42, ok: true, obj: { a: 1 } };
    const got = await read('/', ['request.auth[access_token_claims][claim1]', 'request.auth[access_token_claims][deep][n]', 'request.auth[roles]', 'request.auth[n]', 'request.auth[ok]', 'request.auth[obj]', 'request.auth[constructor]', 'request.auth[sub][length]', 'request.auth[nope][x]'], { claims });
    assert.deepEqual(got, [
      ['v1', ['v1']],
      ['7', ['7']],
      ['r1,r2', ['r1', 'r2']],
      ['42', ['42']],
      ['true', ['true']],
      ['{"a":1}', ['{"a":1}']],
      ['', []],
      ['', []],
      ['', []],
    ]);
  });

  it('a missing variable renders empty: no header, no parameter, request.auth on an anonymous route', async () => {
    const got = await read('/', ['request.headers[x-none]', 'request.query[none]', 'request.auth[sub]'], {});
    assert.deepEqual(got, [['', []], ['', []], ['', []]]);
  });

  it('request.subdomain: port, case, trailing dot and deeper names; empty when the host does not end with the suffix', async () => {
    const cases: [string, string][] = [
      ['Host: cars.example.com', 'cars'],
      ['Host: CARS.Example.COM:443', 'cars'],
      ['Host: cars.example.com.', 'cars'],
      ['Host: a.b.example.com', 'a.b'],
      ['Host: example.com', ''],
      ['Host: badexample.com', ''],
      ['Host: cars.example.org', ''],
      ['Host: [::1]:8080', ''],
    ];
    for (const [host, expected] of cases) {
      const [[text], [dotted]] = (await read('/', ['request.subdomain[example.com]', 'request.subdomain[.Example.com]'], { headers: [host] })) as [[string, string[]], [string, string[]]];
      assert.equal(text, expected, host);
      assert.equal(dotted, expected, host);
    }
    const [[, none]] = (await read('/', ['request.subdomain[example.com]'], { headers: ['Host: example.com'] })) as [[string, string[]]];
    assert.deepEqual(none, []);
  });
});

describe('context variable errors (compile time)', () => {
  const errors: [string, RegExp][] = [
    ['request.body', /unknown context variable/],
    ['request.nope[x]', /unknown context variable/],
    ['response.headers[x]', /unknown context variable/],
    ['request.headers', /needs a key/],
    ['request.headers[]', /empty key/],
    ['request.host[x]', /takes no key/],
    ['request.query[a][b]', /only request\.auth takes nested keys/],
    ['request.headers[bad name]', /not a header name/],
    ['request.path[nope]', /the route has no parameter \{nope\}/],
    ['request.subdomain[bad/suffix]', /not a host name suffix/],
    ['request.cert[client_der]', /request\.cert has the keys client_base64, subject and sans/],
    ['request.cert', /request\.cert has the keys/],
    ['request.cert[subject][x]', /request\.cert has the keys/],
    ['request.usage_plan[name]', /request\.usage_plan has one key, id/],
    ['request.usage_plan', /request\.usage_plan has one key, id/],
    ['request.headers[x', /unknown context variable/],
  ];
  for (const [expression, pattern] of errors) {
    it(`${expression} is refused`, () => {
      const v = compileContextVariable(expression, ROUTE);
      assert.equal(typeof v, 'string');
      assert.match(v as string, pattern);
      assert.ok((v as string).startsWith(`\${${expression}}`), 'the message names the expression');
    });
  }
});

describe('request.usage_plan[id]', () => {
  it('reads the plan the usage-plan check admitted the request under, and is empty before', () => {
    const v = compileContextVariable('request.usage_plan[id]', ROUTE);
    assert.notEqual(typeof v, 'string');
    const cv = v as Exclude<typeof v, string>;
    const ctx = { usagePlan: null } as unknown as Parameters<typeof cv.text>[0];
    assert.equal(cv.text(ctx), '');
    assert.deepEqual(cv.values(ctx), []);
    (ctx as { usagePlan: string | null }).usagePlan = 'ocid1.apigatewayusageplan.oc1..gold';
    assert.equal(cv.text(ctx), 'ocid1.apigatewayusageplan.oc1..gold');
    assert.deepEqual(cv.values(ctx), ['ocid1.apigatewayusageplan.oc1..gold']);
  });
});

describe('templates', () => {
  it('parseTemplate splits literals and variables; an unclosed ${ is refused', () => {
    const parts = parseTemplate('a-${request.host}-${request.query[q]}', ROUTE);
    assert.ok(Array.isArray(parts));
    assert.deepEqual(parts.map((p) => (typeof p === 'string' ? p : p.expression)), ['a-', 'request.host', '-', 'request.query[q]']);
    assert.match(String(parseTemplate('x ${request.host', ROUTE)), /unclosed/);
    assert.match(String(parseTemplate('${request.nope}', ROUTE)), /unknown context variable/);
  });

  it('compileStringTemplate: a constant stays a constant; variables render from the request', async () => {
    const c = compileStringTemplate('plain $ text {x}', ROUTE);
    assert.ok(typeof c !== 'string');
    assert.equal(c.constant, 'plain $ text {x}');
    const t = compileStringTemplate('Bearer ${request.auth[sub]} from ${request.subdomain[example.com]}', ROUTE);
    assert.ok(typeof t !== 'string');
    assert.equal(t.constant, null);
    const out = await onLiveRequest('/', (rc) => t.render(rc), { headers: ['Host: eu.example.com'], claims: { sub: 'alice' } });
    assert.equal(out, 'Bearer alice from eu');
    assert.equal(await onLiveRequest('/', (rc) => t.render(rc), { headers: ['Host: eu.example.com'] }), 'Bearer  from eu');
  });
});
