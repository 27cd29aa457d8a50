/** Property-based tests (fast-check): the path splitter and router never throw and never route a dot segment. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Router } from '../../src/router/router.ts';
import { splitPath } from '../../src/router/path.ts';

const segmentChars = fc.constantFrom('a', 'b', '.', '%', '2', 'e', 'E', 'f', 'F', '/', '0', 'z', '~', ' ', '\u00e9', '?', '#');
const rawPath = fc.array(fc.string({ unit: segmentChars, maxLength: 8 }), { maxLength: 8 }).map((segs) => `/${segs.join('/')}`);

describe('splitPath (property)', () => {
  it('never throws, and never yields "." or ".." as a segment', () => {
    fc.assert(
      fc.property(fc.oneof(rawPath, fc.string().map((s) => `/${s}`)), (p) => {
        const out = splitPath(p);
        if (typeof out === 'string') return;
        for (const seg of out) assert.ok(seg !== '.' && seg !== '..', `${p} -> ${JSON.stringify(out)}`);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('Router (property)', () => {
  const r = new Router<string>();
  r.add('/a', ['GET'], 'a');
  r.add('/a/{id}', ['GET', 'POST'], 'a-id');
  r.add('/a/{id}/b', ['ANY'], 'a-id-b');
  r.add('/f/{rest*}', ['GET'], 'files');
  r.add('/x/static', ['DELETE'], 'x');

  it('never throws; a match is consistent with the route it names', () => {
    fc.assert(
      fc.property(rawPath, fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'BREW'), (p, method) => {
        const segs = splitPath(p);
        if (typeof segs === 'string') return;
        const m = r.match(segs, method);
        if (m === null || m.value === null) return;
        switch (m.value) {
          case 'a':
            assert.deepEqual(segs, ['a']);
            break;
          case 'a-id':
            assert.equal(segs.length, 2);
            assert.equal(m.params['id'], segs[1]);
            break;
          case 'a-id-b':
            assert.equal(segs.length, 3);
            assert.equal(segs[2], 'b');
            break;
          case 'files':
            assert.equal(segs[0], 'f');
            assert.equal(m.wildcardFrom, 1);
            assert.equal(m.params['rest'], segs.slice(1).join('/'));
            break;
          case 'x':
            assert.equal(method, 'DELETE');
            break;
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('rejects or accepts arbitrary patterns without throwing anything but RouteConflict', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('/', 'a', '{', '}', '*', 'b', '.'), maxLength: 16 }), (pattern) => {
        const rr = new Router<number>();
        try {
          rr.add(pattern, ['GET'], 1);
        } catch (err) {
          assert.equal((err as Error).constructor.name, 'RouteConflict', String(err));
        }
      }),
      { numRuns: 2000 },
    );
  });
});
