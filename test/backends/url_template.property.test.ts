/**
 * Property-based tests (fast-check) for backend URL templates: whatever a context variable holds, it
 * never changes the number of path segments of the URL the upstream gets (as WHATWG URL parsing,
 * which resolves `..`, `%2e` and `\`, reads it), or the request is refused.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileUrlTemplate, type UrlTemplate } from '../../src/backends/url_template.ts';
import { splitPath } from '../../src/router/path.ts';
import type { GatewayRequest } from '../../src/types.ts';

const tricky = fc.constantFrom('.', '..', '/', '\\', '%', '2', 'e', 'E', 'f', 'F', '5', 'c', 'C', '25', ';', '?', '#', '&', '=', ' ', '\0', 'a', '\u00e9', '\uff0f', '\ud800');
const value = fc.oneof(
  fc.string({ unit: tricky, maxLength: 10 }),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('..', '.', '', '%2e%2e', '%252e%252e', '..;', '%2F', '..\\'),
);
/** Claims are JSON: strings, numbers, arrays, objects. */
const claim = fc.oneof(value, fc.integer(), fc.array(value, { maxLength: 3 }), fc.dictionary(value, value, { maxKeys: 2 }));

type Source = 'query' | 'headers' | 'auth';
const SOURCES: Source[] = ['query', 'headers', 'auth'];

function request(source: Source, v: unknown): GatewayRequest {
  return {
    req: { headers: source === 'headers' ? { 'x-v': v } : {} },
    params: {},
    segments: [],
    wildcardFrom: -1,
    auth: source === 'auth' ? { claims: { v }, scopes: new Set(), subject: undefined, clientId: undefined } : null,
    query: () => new URLSearchParams(source === 'query' ? { v: String(v) } : {}),
  } as unknown as GatewayRequest;
}

function compile(url: string, params: [string, boolean][] = []): UrlTemplate {
  const t = compileUrlTemplate(url, new Map(params));
  assert.ok(typeof t !== 'string', String(t));
  return t;
}

function segmentCount(pathAndQuery: string): number {
  return new URL(`http://up${pathAndQuery}`).pathname.split('/').length;
}

/** Every position a variable can take: a whole segment, part of one (before, after, around, twice), the last segment, the query. */
const POSITIONS = [
  '/a/${v}/b',
  '/a/x${v}/b',
  '/a/${v}.json/b',
  '/a/.${v}/b',
  '/a/${v}.',
  '/a/${v}${v}/b',
  '/a/${v}',
  '/${v}',
  '/a/b?q=${v}',
  '/a/b?q=${v}&r=${v}',
];

describe('URL template (property)', () => {
  for (const source of SOURCES) {
    const variable = `\${request.${source}[${source === 'headers' ? 'x-v' : 'v'}]}`;
    for (const position of POSITIONS) {
      it(`regression: path traversal through URL templating: ${source} value at ${position} never changes the segment count`, () => {
        const t = compile(`http://up${position.replaceAll('${v}', variable)}`);
        const expected = segmentCount(t.pathAndQuery(request(source, 'x')) as string);
        const inQuery = position.indexOf('${v}') > position.indexOf('?') && position.includes('?');
        fc.assert(
          fc.property(source === 'auth' ? claim : value, (v) => {
            const out = t.pathAndQuery(request(source, v));
            if (out === null) {
              assert.ok(!inQuery || typeof v !== 'string' || /\p{Cs}/u.test(v), `a query value is only encoded, never refused: ${JSON.stringify(v)}`);
              return;
            }
            assert.equal(segmentCount(out), expected, `${JSON.stringify(v)} -> ${out}`);
            if (inQuery) {
              const u = new URL(`http://up${out}`);
              assert.equal(u.pathname, '/a/b');
              assert.deepEqual([...u.searchParams.keys()], position.includes('&r=') ? ['q', 'r'] : ['q']);
            }
          }),
          { numRuns: 1500 },
        );
      });
    }
  }

  const segChars = fc.constantFrom('a', '.', '%', '2', 'e', 'E', 'f', 'F', '5', 'c', '/', '\\', ';', ' ', '0');
  const rawPath = fc.array(fc.string({ unit: segChars, maxLength: 8 }), { maxLength: 6 }).map((segs) => `/f/${segs.join('/')}`);

  for (const [template, tail] of [['http://up/w/${request.path[rest]}', 0], ['http://up/w/${request.path[rest]}/end', 1]] as const) {
    it(`regression: path traversal through URL templating: a wildcard at ${template.slice(9)} adds exactly the segments it matched`, () => {
      const t = compile(template, [['rest', true]]);
      fc.assert(
        fc.property(rawPath, (p) => {
          const segments = splitPath(p);
          if (typeof segments === 'string') return; // answered 400 by the router
          const rest = segments.slice(1);
          const ctx = { params: { rest: rest.join('/') }, segments, wildcardFrom: 1 } as unknown as GatewayRequest;
          const out = t.pathAndQuery(ctx);
          if (out === null) return;
          const pathname = new URL(`http://up${out}`).pathname;
          if (rest.length === 0) assert.equal(pathname, '/w/', `${p} -> ${out}`);
          else assert.equal(pathname.split('/').length, 2 + rest.length + tail, `${p} -> ${out}`);
        }),
        { numRuns: 3000 },
      );
    });
  }
});
