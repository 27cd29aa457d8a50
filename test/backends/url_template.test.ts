import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileUrlTemplate, type UrlTemplate } from '../../src/backends/url_template.ts';
import type { GatewayRequest } from '../../src/types.ts';

function fakeRequest(over: Partial<GatewayRequest>): GatewayRequest {
  return {
    req: { headers: { host: 'gw.example', 'x-tenant': 'acme corp' } },
    params: {},
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

describe('compileUrlTemplate', () => {
  it('splits the origin and expands context variables with encoding', () => {
    const t = compile('https://api.internal:8443/users/${request.auth[sub]}/items/${request.path[id]}?t=${request.headers[X-Tenant]}&q=${request.query[q]}&h=${request.host}', [['id', false]]);
    assert.equal(t.origin, 'https://api.internal:8443');
    assert.equal(t.hasQuery, true);
    const ctx = fakeRequest({ params: { id: 'a/b' }, auth: { claims: { sub: 'client@clients' }, scopes: new Set(), subject: undefined, clientId: undefined } });
    assert.equal(t.pathAndQuery(ctx), '/users/client%40clients/items/a%2Fb?t=acme%20corp&q=a%20b&h=gw.example');
  });

  it('keeps the slashes of a wildcard in the path, encodes each part', () => {
    const t = compile('http://up/files/${request.path[rest]}', [['rest', true]]);
    assert.equal(t.pathAndQuery(fakeRequest({ params: { rest: 'a b/c?d' }, segments: ['files', 'a b', 'c?d'], wildcardFrom: 1 })), '/files/a%20b/c%3Fd');
    // Regression (hostile_clients e2e): "..%2Fx" is one segment; rebuilding it must not create a ".." segment.
    assert.equal(t.pathAndQuery(fakeRequest({ params: { rest: '../x' }, segments: ['files', '../x'], wildcardFrom: 1 })), '/files/..%2Fx');
  });

  it('is static when there are no variables', () => {
    const t = compile('http://up');
    assert.equal(t.isStatic, true);
    assert.equal(t.pathAndQuery(fakeRequest({})), '/');
  });

  it('refuses variables in the host, unknown parameters, unknown variables and non-http URLs', () => {
    assert.match(String(compileUrlTemplate('http://${request.headers[host]}/x', new Map())), /not in the host/);
    assert.match(String(compileUrlTemplate('http://up/${request.path[nope]}', new Map())), /no parameter \{nope\}/);
    assert.match(String(compileUrlTemplate('http://up/${request.body}', new Map())), /unknown context variable/);
    assert.match(String(compileUrlTemplate('ftp://up/x', new Map())), /absolute http/);
    assert.match(String(compileUrlTemplate('/relative', new Map())), /absolute http/);
    assert.match(String(compileUrlTemplate('http://user:pw@up/x', new Map())), /credentials/);
  });
});
