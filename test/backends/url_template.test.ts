import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileUrlTemplate, isSafeSegment, type UrlTemplate } from '../../src/backends/url_template.ts';
import type { GatewayRequest } from '../../src/types.ts';

function fakeRequest(over: Partial<GatewayRequest>): GatewayRequest {
  return {
    req: { headers: { host: 'gw.example', 'x-tenant': 'acme corp' } },
    params: {},
    segments: [],
    wildcardFrom: -1,
    auth: null,
    query: () => new URLSearchParams('q=a b&x=1'),
    ...over,
  } as unknown as GatewayRequest;
}

function compile(url: string, params: [string, boolean][] = []): UrlTemplate {
  const t = compileUrlTemplate(url, new Map(params));
  assert.ok(typeof t !== 'string', String(t));
  return t;
}

function claims(c: Record<string, unknown>): GatewayRequest['auth'] {
  return { claims: c, scopes: new Set(), subject: undefined, clientId: undefined };
}

describe('compileUrlTemplate', () => {
  it('splits the origin and expands context variables with encoding', () => {
    const t = compile('https://api.internal:8443/users/${request.auth[sub]}/items/${request.path[id]}?t=${request.headers[X-Tenant]}&q=${request.query[q]}&h=${request.host}', [['id', false]]);
    assert.equal(t.origin, 'https://api.internal:8443');
    assert.equal(t.hasQuery, true);
    const ctx = fakeRequest({ params: { id: 'a b' }, auth: claims({ sub: 'client@clients' }) });
    assert.equal(t.pathAndQuery(ctx), '/users/client%40clients/items/a%20b?t=acme%20corp&q=a%20b&h=gw.example');
  });

  it('keeps the segments of a wildcard in the path, encodes each part', () => {
    const t = compile('http://up/files/${request.path[rest]}', [['rest', true]]);
    assert.equal(t.pathAndQuery(fakeRequest({ params: { rest: 'a b/c?d' }, segments: ['files', 'a b', 'c?d'], wildcardFrom: 1 })), '/files/a%20b/c%3Fd');
    // A wildcard that took no segment ends the path: /files/ as before.
    assert.equal(t.pathAndQuery(fakeRequest({ params: { rest: '' }, segments: ['files'], wildcardFrom: 1 })), '/files/');
  });

  it('expands request.subdomain and nested claims; a subdomain is held to the segment rule', () => {
    const t = compile('http://up/tenants/${request.subdomain[example.com]}/u/${request.auth[ctx][user]}');
    const host = (h: string) => fakeRequest({ req: { headers: { host: h } } as GatewayRequest['req'], auth: claims({ ctx: { user: 'u 1' } }) });
    assert.equal(t.pathAndQuery(host('cars.example.com:8080')), '/tenants/cars/u/u%201');
    // No subdomain is an empty segment, and `..example.com` leaves `.`: both refused.
    assert.equal(t.pathAndQuery(host('example.com')), null);
    assert.equal(t.pathAndQuery(host('..example.com')), null);
  });

  it('is a constant when there are no variables', () => {
    const t = compile('http://up');
    assert.equal(t.pathAndQuery(fakeRequest({})), '/');
  });

  it('refuses variables in the host, unknown parameters, unknown variables, split escapes and non-http URLs', () => {
    assert.match(String(compileUrlTemplate('http://${request.headers[host]}/x', new Map())), /not in the host/);
    assert.match(String(compileUrlTemplate('http://up/${request.path[nope]}', new Map())), /no parameter \{nope\}/);
    assert.match(String(compileUrlTemplate('http://up/${request.body}', new Map())), /unknown context variable/);
    assert.match(String(compileUrlTemplate('http://up/.%2${request.query[v]}', new Map())), /incomplete percent escape/);
    assert.match(String(compileUrlTemplate('ftp://up/x', new Map())), /absolute http/);
    assert.match(String(compileUrlTemplate('/relative', new Map())), /absolute http/);
    assert.match(String(compileUrlTemplate('http://user:pw@up/x', new Map())), /credentials/);
  });
});

describe('regression: path traversal through URL templating', () => {
  const hostile = ['..', '.', '', '%2e%2e', '%2E%2e', '.%2e', '%252e%252e', '%25252e', 'a/b', '../x', 'a%2Fb', 'a%252Fb', 'a\\b', '..\\x', '%5c', '..;', '..;x=1', '.;', ';x', '..%00', '..\u0000'];

  it('a query value that would climb, add or drop a segment is refused (?v=..)', () => {
    const t = compile('http://up/internal/users/${request.query[v]}/profile');
    for (const v of hostile) {
      assert.equal(t.pathAndQuery(fakeRequest({ query: () => new URLSearchParams({ v }) })), null, JSON.stringify(v));
    }
    // A missing parameter is an empty value: refused, rather than /internal/users//profile.
    assert.equal(t.pathAndQuery(fakeRequest({ query: () => new URLSearchParams('') })), null);
    assert.equal(t.pathAndQuery(fakeRequest({ query: () => new URLSearchParams({ v: '42' }) })), '/internal/users/42/profile');
  });

  it('so is a header, a claim, the host or a path parameter, whole segment or part of one', () => {
    const header = compile('http://up/t/${request.headers[x-v]}/p');
    const claim = compile('http://up/t/${request.auth[v]}/p');
    const part = compile('http://up/t/v-${request.query[v]}.json');
    const host = compile('http://up/h/${request.host}/p');
    const param = compile('http://up/t/${request.path[id]}/p', [['id', false]]);
    for (const v of hostile) {
      const label = JSON.stringify(v);
      assert.equal(header.pathAndQuery(fakeRequest({ req: { headers: { 'x-v': v } } as never })), null, `header ${label}`);
      assert.equal(claim.pathAndQuery(fakeRequest({ auth: claims({ v }) })), null, `claim ${label}`);
      assert.equal(part.pathAndQuery(fakeRequest({ query: () => new URLSearchParams({ v }) })), null, `part ${label}`);
      assert.equal(host.pathAndQuery(fakeRequest({ req: { headers: { host: v } } as never })), null, `host ${label}`);
      assert.equal(param.pathAndQuery(fakeRequest({ params: { id: v } })), null, `param ${label}`);
    }
    assert.equal(claim.pathAndQuery(fakeRequest({ auth: claims({ v: ['a', 'b'] }) })), '/t/a%2Cb/p');
    assert.equal(claim.pathAndQuery(fakeRequest({ auth: claims({ v: { a: '/' } }) })), null, 'an object claim holding a slash');
    assert.equal(claim.pathAndQuery(fakeRequest({ auth: claims({ v: '\ud800' }) })), null, 'a lone surrogate cannot be encoded: refused, not thrown');
  });

  it('wildcard segments are held to the same rule; no segment only where the wildcard ends the path', () => {
    const t = compile('http://up/files/${request.path[rest]}', [['rest', true]]);
    const mid = compile('http://up/files/${request.path[rest]}/meta', [['rest', true]]);
    const at = (segs: string[]) => fakeRequest({ params: { rest: segs.join('/') }, segments: ['files', ...segs], wildcardFrom: 1 });
    // "/api/public/%2E%2e%2Fhealth" is one segment "../health" for the router; an upstream that decodes %2F would climb.
    assert.equal(t.pathAndQuery(at(['../health'])), null);
    assert.equal(t.pathAndQuery(at(['%2e%2e', 'x'])), null, 'a double-encoded dot segment');
    assert.equal(t.pathAndQuery(at(['a', '', 'b'])), null, 'an empty segment (a//b)');
    assert.equal(t.pathAndQuery(at(['a', 'b'])), '/files/a/b');
    assert.equal(mid.pathAndQuery(at([])), null, 'no segment in the middle of the path would leave //');
    assert.equal(mid.pathAndQuery(at(['a'])), '/files/a/meta');
  });

  it('a value in the query is only encoded', () => {
    const t = compile('http://up/search?q=${request.query[v]}&h=${request.headers[x-v]}');
    const ctx = fakeRequest({ query: () => new URLSearchParams({ v: '../a/b' }), req: { headers: { 'x-v': '' } } as never });
    assert.equal(t.pathAndQuery(ctx), '/search?q=..%2Fa%2Fb&h=');
  });

  it('isSafeSegment decodes as often as the value decodes', () => {
    for (const v of hostile) assert.equal(isSafeSegment(v), false, JSON.stringify(v));
    for (const v of ['a', '...', 'a.b', '.hidden', '100%', '%25', '%zz', 'a;b', 'caf\u00e9', '%c3%a9']) assert.equal(isSafeSegment(v), true, JSON.stringify(v));
    assert.equal(isSafeSegment(`${'%25'.repeat(1)}${'25'.repeat(20)}2e`), false, 'still decoding after the last round: refused');
  });
});
