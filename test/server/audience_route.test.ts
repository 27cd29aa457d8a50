/**
 * Which route the console's test token is shown calling (src/server/audience_route.ts): the first
 * deployment whose authentication lists the audience, its first GET route without parameters,
 * the token where that authentication reads it.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { routeForAudience } from '../../src/server/audience_route.ts';

const stock = { type: 'STOCK_RESPONSE_BACKEND', status: 200 };
const jwt = (audiences: string[], extra: Record<string, unknown> = {}) => ({ type: 'JWT_AUTHENTICATION', issuers: ['i'], audiences, publicKeys: { type: 'REMOTE_JWKS', uri: 'u' }, ...extra });
const dep = (name: string, pathPrefix: string, authentication: unknown, routes: unknown[]) => ({ name, pathPrefix, specification: { requestPolicies: { authentication }, routes } });

it('picks the deployment that accepts the audience and its first GET route without parameters', () => {
  const config = {
    deployments: [
      dep('other', '/o', jwt(['https://other']), [{ path: '/x', backend: stock }]),
      dep('orders', '/v1/', jwt(['https://a', 'https://orders']), [
        { path: '/items/{id}', methods: ['GET'], backend: stock },
        { path: '/items', methods: ['POST'], backend: stock },
        { path: '/list', methods: ['ANY'], backend: stock },
      ]),
    ],
  };
  assert.deepEqual(routeForAudience(config, 'http://127.0.0.1:8080', 'https://orders'), {
    deployment: 'orders',
    method: 'GET',
    url: 'http://127.0.0.1:8080/v1/list',
    header: 'Authorization',
    scheme: 'Bearer',
    queryParam: null,
  });
});

it('falls back to the first route (parameters filled in, its own method); TOKEN_AUTHENTICATION audiences and token locations count', () => {
  const token = { type: 'TOKEN_AUTHENTICATION', tokenHeader: 'X-Token', validationPolicy: { type: 'REMOTE_JWKS', uri: 'u', additionalValidationPolicy: { audiences: ['https://t'] } } };
  const config = { deployments: [dep('t', '/t', token, [{ path: '/items/{id}/{rest*}', methods: ['PUT'], backend: stock }])] };
  assert.deepEqual(routeForAudience(config, 'http://gw', 'https://t'), { deployment: 't', method: 'PUT', url: 'http://gw/t/items/1/1', header: 'X-Token', scheme: null, queryParam: null });
  const query = { ...token, tokenHeader: undefined, tokenQueryParam: 'access_token' };
  assert.equal(routeForAudience({ deployments: [dep('q', '/q', query, [{ path: '/a', backend: stock }])] }, 'http://gw', 'https://t')?.queryParam, 'access_token');
});

it('null when no deployment accepts the audience, or for a configuration of another shape', () => {
  assert.equal(routeForAudience({ deployments: [dep('d', '/d', jwt(['https://x']), [{ path: '/a', backend: stock }])] }, 'http://gw', 'https://y'), null);
  assert.equal(routeForAudience({ deployments: [dep('d', '/d', null, [{ path: '/a', backend: stock }])] }, 'http://gw', 'https://y'), null);
  assert.equal(routeForAudience(null, 'http://gw', 'a'), null);
  assert.equal(routeForAudience({ deployments: 'x' }, 'http://gw', 'a'), null);
});
