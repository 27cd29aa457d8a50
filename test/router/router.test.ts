import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Router, RouteConflict } from '../../src/router/router.ts';
import { splitPath } from '../../src/router/path.ts';

function seg(path: string): string[] {
  const s = splitPath(path);
  assert.ok(Array.isArray(s), `${path} should split`);
  return s;
}

describe('Router', () => {
  const r = new Router<string>();
  r.add('/v1/items', ['GET'], 'list');
  r.add('/v1/items', ['POST'], 'create');
  r.add('/v1/items/new', ['GET'], 'new');
  r.add('/v1/items/{id}', ['GET', 'PUT'], 'item');
  r.add('/v1/items/{key}/parts', ['ANY'], 'parts');
  r.add('/v1/files/{rest*}', ['GET'], 'files');
  r.add('/v1', ['GET'], 'root');

  it('prefers static segments, then parameters, then wildcards', () => {
    assert.equal(r.match(seg('/v1/items/new'), 'GET')?.value, 'new');
    assert.deepEqual(r.match(seg('/v1/items/42'), 'GET'), { value: 'item', params: { id: '42' }, allowed: ['GET', 'PUT'], wildcardFrom: -1 });
    assert.equal(r.match(seg('/v1/files/a/b'), 'GET')?.wildcardFrom, 2);
    assert.deepEqual(r.match(seg('/v1/items/new/parts'), 'DELETE')?.params, { key: 'new' }, 'backtracks from a static dead end');
    assert.deepEqual(r.match(seg('/v1/files/a/b/c.txt'), 'GET')?.params, { rest: 'a/b/c.txt' });
    assert.deepEqual(r.match(seg('/v1/files'), 'GET')?.params, { rest: '' }, 'a wildcard matches an empty remainder');
  });

  it('tells a wrong method (405, with the allowed list) from no route (404)', () => {
    const m = r.match(seg('/v1/items'), 'DELETE');
    assert.equal(m?.value, null);
    assert.deepEqual(m?.allowed, ['GET', 'POST']);
    assert.equal(r.match(seg('/v2/items'), 'GET'), null);
    assert.equal(r.match(seg('/v1/items/1/2'), 'GET'), null);
  });

  it('answers HEAD with the GET route, ignores one trailing slash', () => {
    assert.equal(r.match(seg('/v1/items/'), 'HEAD')?.value, 'list');
    assert.equal(r.match(seg('/v1/'), 'GET')?.value, 'root');
  });

  it('rejects overlaps and malformed patterns', () => {
    assert.throws(() => r.add('/v1/items/{other}', ['GET'], 'x'), RouteConflict);
    assert.throws(() => r.add('/v1/items/{id}/parts', ['GET'], 'x'), RouteConflict);
    assert.throws(() => r.add('/v1/x/{rest*}/more', ['GET'], 'x'), /last segment/);
    assert.throws(() => r.add('/v1/x/a{id}', ['GET'], 'x'), /whole segment/);
    assert.throws(() => r.add('/v1/x/{a}/{a}', ['GET'], 'x'), /twice/);
    assert.throws(() => r.add('/v1//x', ['GET'], 'x'), /empty segment/);
    assert.throws(() => r.add('v1/x', ['GET'], 'x'), /start with/);
    const r2 = new Router<string>();
    r2.add('/a', ['GET'], 'a');
    assert.throws(() => r2.add('/a', ['ANY'], 'b'), RouteConflict);
    r2.add('/b', ['ANY'], 'b');
    assert.throws(() => r2.add('/b', ['POST'], 'c'), RouteConflict);
  });
});

describe('splitPath', () => {
  it('decodes each segment on its own, so %2F never creates a segment', () => {
    assert.deepEqual(splitPath('/a/b%2Fc/d%20e'), ['a', 'b/c', 'd e']);
    assert.deepEqual(splitPath('/'), []);
    assert.deepEqual(splitPath('/a//b'), ['a', '', 'b']);
  });
  it('refuses dot segments, also encoded, and bad encodings', () => {
    assert.equal(splitPath('/a/../b'), 'dot_segment');
    assert.equal(splitPath('/a/%2e%2E/b'), 'dot_segment');
    assert.equal(splitPath('/a/./b'), 'dot_segment');
    assert.equal(splitPath('/a/%zz'), 'bad_encoding');
    assert.deepEqual(splitPath('/a/%252e%252e'), ['a', '%2e%2e'], 'double encoding is decoded once only');
  });
});
