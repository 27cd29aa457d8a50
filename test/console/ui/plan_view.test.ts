import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AdminPlan } from '../../../src/console/ui/admin_types.ts';
import { joinPath, routeRows } from '../../../src/console/ui/plan_view.ts';

const plan: AdminPlan = {
  deployments: [
    {
      name: 'hello',
      pathPrefix: '/v1',
      routes: 3,
      paths: [
        { path: '/v1/hello', methods: ['GET'], backend: 'ORACLE_FUNCTIONS_BACKEND', authenticated: true },
        { path: '/v1/hello', methods: ['POST'], backend: 'HTTP_BACKEND', authenticated: true },
        { path: '/v1/status', methods: ['GET'], backend: 'STOCK_RESPONSE_BACKEND', authenticated: false },
      ],
    },
  ],
  warnings: [],
  config: {
    deployments: [
      {
        name: 'hello',
        pathPrefix: '/v1/',
        specification: {
          requestPolicies: { authentication: { type: 'JWT_AUTHENTICATION' }, rateLimiting: { rateInRequestsPerSecond: 10 } },
          routes: [
            { path: '/hello', methods: ['GET'], backend: { type: 'ORACLE_FUNCTIONS_BACKEND', functionId: 'hello' }, requestPolicies: { authorization: { type: 'ANY_OF', allowedScope: ['read:hello'] } } },
            // the `oci` CLI's spelling
            { path: '/hello', methods: ['POST'], backend: { type: 'HTTP_BACKEND', url: 'http://127.0.0.1:9/x' }, 'response-policies': { 'header-transformations': {} } },
            { path: 'status', backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200 }, requestPolicies: { authorization: { type: 'ANONYMOUS' } } },
          ],
        },
      },
    ],
  },
};

test('routeRows: each route with its methods, backend target and every policy that applies', () => {
  const rows = routeRows(plan);
  assert.deepEqual(
    rows.map((r) => [r.methods.join(','), r.path, r.backend, r.policies]),
    [
      ['GET', '/v1/hello', 'ORACLE_FUNCTIONS_BACKEND hello', ['authentication JWT_AUTHENTICATION', 'rateLimiting', 'authorization ANY_OF (read:hello)']],
      ['POST', '/v1/hello', 'HTTP_BACKEND http://127.0.0.1:9/x', ['authentication JWT_AUTHENTICATION', 'rateLimiting', 'response: headerTransformations']],
      ['GET', '/v1/status', 'STOCK_RESPONSE_BACKEND 200', ['authentication JWT_AUTHENTICATION', 'rateLimiting', 'authorization ANONYMOUS']],
    ],
  );
});

test('routeRows: a deployment missing from the configuration still lists its routes with the backend type', () => {
  const rows = routeRows({ ...plan, config: {} });
  assert.equal(rows.length, 3);
  assert.equal(rows[0]!.backend, 'ORACLE_FUNCTIONS_BACKEND');
  assert.deepEqual(rows[0]!.policies, []);
});

test('joinPath joins a prefix and a route path with one slash', () => {
  assert.equal(joinPath('/v1', '/a'), '/v1/a');
  assert.equal(joinPath('/v1/', '/a'), '/v1/a');
  assert.equal(joinPath('/v1', 'a'), '/v1/a');
});
