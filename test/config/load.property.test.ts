/** Property-based tests (fast-check): the config loader answers any input with a plan or a ConfigError, never a crash. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { loadConfigText } from '../../src/config/load.ts';
import { compilePlan } from '../../src/config/compile.ts';
import { ConfigError } from '../../src/errors.ts';
import { createLogger } from '../../src/lib/log.ts';
import { SharedRegistry } from '../../src/lib/shared_registry.ts';

const log = createLogger({ level: 'silent' });

function loadAndCompile(text: string): void {
  const registry = new SharedRegistry();
  try {
    compilePlan(loadConfigText(text, '/tmp/prop.yaml', {}), registry, log);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `unexpected ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
    for (const issue of err.issues) assert.equal(typeof issue.message, 'string');
  } finally {
    void registry.closeAll();
  }
}

const scalar = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const keys = fc.constantFrom('server', 'deployments', 'name', 'pathPrefix', 'specification', 'routes', 'path', 'methods', 'backend', 'type', 'url', 'status', 'body', 'headers', 'value', 'requestPolicies', 'request-policies', 'x');
const types = fc.constantFrom('HTTP_BACKEND', 'STOCK_RESPONSE_BACKEND', 'ORACLE_FUNCTIONS_BACKEND', 'DYNAMIC_ROUTING_BACKEND', 'GET', 'ANY');
const value = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, scalar, types, fc.array(tie('node'), { maxLength: 3 }), fc.dictionary(keys, tie('node'), { maxKeys: 4 })),
})).node;

describe('config loader (property)', () => {
  it('turns arbitrary documents into a plan or a ConfigError', () => {
    fc.assert(fc.property(fc.dictionary(keys, value, { maxKeys: 5 }), (doc) => loadAndCompile(stringify(doc))), { numRuns: 500 });
  });

  it('turns near-valid deployments into a plan or a ConfigError', () => {
    const route = fc.record({
      path: fc.oneof(fc.constantFrom('/a', '/a/{id}', '/f/{r*}', '/{x}/{x}', 'bad', '/a/{r*}/b', '/'), fc.string({ maxLength: 6 })),
      methods: fc.option(fc.array(fc.constantFrom('GET', 'POST', 'ANY', 'NOPE'), { maxLength: 3 }), { nil: undefined }),
      backend: fc.oneof(
        fc.record({ type: fc.constant('STOCK_RESPONSE_BACKEND'), status: fc.integer({ min: 0, max: 700 }), body: fc.option(fc.string({ maxLength: 5 }), { nil: undefined }) }),
        fc.record({ type: fc.constant('HTTP_BACKEND'), url: fc.constantFrom('http://u/${request.path[id]}', 'http://${request.host}/', 'nope', 'http://u/${request.auth[sub]}', 'https://u/x?y=${request.query[q]}') }),
      ),
    });
    const doc = fc.record({ deployments: fc.array(fc.record({ name: fc.constantFrom('a', 'b', 'bad name'), pathPrefix: fc.constantFrom('/v1', '/', 'v1'), specification: fc.record({ routes: fc.array(route, { maxLength: 4 }) }) }), { maxLength: 3 }) });
    fc.assert(fc.property(doc, (d) => loadAndCompile(JSON.stringify(d))), { numRuns: 500 });
  });

  it('survives arbitrary text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (text) => loadAndCompile(text)), { numRuns: 500 });
  });
});
