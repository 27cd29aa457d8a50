import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCallResult, encodeCallHeaders } from '../../src/functions/call_codec.ts';
import { withoutGatewayCookies } from '../../src/lib/gateway_headers.ts';

test('client request → Fn call headers, as OCI API Gateway sends them', () => {
  const h = encodeCallHeaders('call-1', 'POST', '/v1/items/1?q=a%20b', [
    'Host', 'gw.example',
    'Content-Type', 'application/json',
    'Content-Length', '12',
    'Authorization', 'Bearer abc',
    'X-Multi', 'one',
    'x-multi', 'two',
    'Connection', 'keep-alive, X-Drop',
    'X-Drop', 'secret-hop',
    'Transfer-Encoding', 'chunked',
    'TE', 'trailers',
    'Upgrade', 'h2c',
  ]);
  assert.deepEqual(h, [
    'Fn-Call-Id', 'call-1',
    'Fn-Intent', 'httprequest',
    'Fn-Http-Method', 'POST',
    'Fn-Http-Request-Url', '/v1/items/1?q=a%20b',
    'Fn-Http-H-Host', 'gw.example',
    'Content-Type', 'application/json',
    'Fn-Http-H-Authorization', 'Bearer abc',
    'Fn-Http-H-X-Multi', 'one',
    'Fn-Http-H-x-multi', 'two',
  ]);
});

test('container 200 → client status, headers and body', () => {
  const body = Buffer.from([0, 1, 2, 255]);
  const out = decodeCallResult(
    {
      'content-type': 'application/octet-stream',
      'fn-http-status': '201',
      'fn-http-h-x-custom': ['a', 'b'],
      'fn-http-h-set-cookie': 'k=v',
      'fn-http-h-content-length': '99',
      'fn-fdk-version': 'fdk-node/0.0.76',
      date: 'x',
    },
    body,
  );
  assert.ok(out.ok);
  assert.equal(out.status, 201);
  assert.deepEqual(out.headers, { 'content-type': 'application/octet-stream', 'x-custom': ['a', 'b'], 'set-cookie': 'k=v' });
  assert.equal(out.body, body);
});

test('no Fn-Http-Status → 200; an invalid one is the function\'s error', () => {
  const ok = decodeCallResult({}, Buffer.alloc(0));
  assert.ok(ok.ok);
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.headers, {});
  for (const bad of ['abc', '99', '600', '20.5']) {
    const out = decodeCallResult({ 'fn-http-status': bad }, Buffer.alloc(0));
    assert.ok(!out.ok);
    assert.equal(out.failure, 'function_error');
  }
});

test('verified claims travel as X-Gatehouse-Claims (ASCII JSON); a client-sent one is dropped', () => {
  const h = encodeCallHeaders('c1', 'GET', '/x', ['X-Gatehouse-Claims', '{"sub":"forged"}', 'Accept', '*/*'], { sub: 'client@clients', name: 'Zoë' });
  const pairs: [string, string][] = [];
  for (let i = 0; i < h.length; i += 2) pairs.push([h[i]!, h[i + 1]!]);
  const claims = pairs.filter(([k]) => k.toLowerCase() === 'fn-http-h-x-gatehouse-claims');
  assert.equal(claims.length, 1);
  assert.equal(claims[0]![1], '{"sub":"client@clients","name":"Zo\\u00eb"}');
  assert.deepEqual(JSON.parse(claims[0]![1]), { sub: 'client@clients', name: 'Zoë' });
  assert.ok(pairs.some(([k, v]) => k === 'Fn-Http-H-Accept' && v === '*/*'));
  const anonymous = encodeCallHeaders('c2', 'GET', '/x', ['X-Gatehouse-Claims', 'x']);
  assert.ok(!anonymous.some((v) => v.toLowerCase().includes('gatehouse-claims')), 'no claims header without a verified token');
});

test('regression: the sealed browser sign-in cookies reached functions in Fn-Http-H-Cookie; they are stripped, other cookies kept', () => {
  const h = encodeCallHeaders('c2', 'GET', '/x', ['Cookie', 'theme=dark; gatehouse_web=sealed; gatehouse_web.1=more; lang=fr', 'Accept', '*/*']);
  const at = h.indexOf('Fn-Http-H-Cookie');
  assert.equal(h[at + 1], 'theme=dark; lang=fr');
  const none = encodeCallHeaders('c3', 'GET', '/x', ['Cookie', 'gatehouse_web_txn=sealed']);
  assert.ok(!none.includes('Fn-Http-H-Cookie'), 'no Cookie header when only the gateway\'s were sent');
});

test('withoutGatewayCookies: the value itself when it holds none; the gateway\'s removed, whatever the spacing', () => {
  const v = 'a=1; b=2';
  assert.equal(withoutGatewayCookies(v), v);
  assert.equal(withoutGatewayCookies('gatehouse_x=1;a=1 ;  gatehouse_x.0=2'), 'a=1');
  assert.equal(withoutGatewayCookies('gatehouse_x=1'), null);
  assert.equal(withoutGatewayCookies('a=gatehouse_x'), 'a=gatehouse_x', 'a value that merely contains the prefix stays');
});
