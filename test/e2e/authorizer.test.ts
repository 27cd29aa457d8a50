/**
 * CUSTOM_AUTHENTICATION end to end: a real gateway process calls a real @fnproject/fdk authorizer
 * function (test/fixtures/functions/authorizer) and a real upstream. Allow (the function's context
 * reaches the upstream through a header transformation, its scope drives ANY_OF), deny with the
 * function's WWW-Authenticate, malformed answer → 502, slow function → 504, and a cached allow
 * (the function counts its calls in a file).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, startGateway, type RunningGatewayProcess } from '../helpers/gateway.ts';
import { startUpstream, type Upstream } from '../helpers/upstream.ts';

let gw: RunningGatewayProcess;
let up: Upstream;
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-authorizer-e2e-'));
const callsFile = join(dir, 'calls');

function calls(): number {
  return existsSync(callsFile) ? readFileSync(callsFile, 'utf8').split('\n').filter(Boolean).length : 0;
}

before(async () => {
  up = await startUpstream();
  const backend = { type: 'HTTP_BACKEND', url: `${up.url}/echo` };
  gw = await startGateway({
    config: {
      functions: { authorizer: { path: join(ROOT, 'test/fixtures/functions/authorizer'), config: { CALLS_FILE: callsFile } } },
      deployments: [
        {
          name: 'custom',
          pathPrefix: '/c',
          specification: {
            requestPolicies: { authentication: { type: 'CUSTOM_AUTHENTICATION', functionId: 'authorizer', tokenHeader: 'Authorization' } },
            routes: [
              {
                path: '/r',
                backend,
                requestPolicies: {
                  authorization: { type: 'ANY_OF', allowedScope: ['read'] },
                  headerTransformations: { setHeaders: { items: [{ name: 'X-Tenant', values: ['${request.auth[tenant]}'] }] } },
                },
              },
              { path: '/w', backend, requestPolicies: { authorization: { type: 'ANY_OF', allowedScope: ['write'] } } },
            ],
          },
        },
        {
          // Multi-argument (USER_DEFINED), cached by one argument only, anonymous access allowed,
          // and validationFailurePolicy MODIFY_RESPONSE answering the authorizer's denials.
          name: 'multi',
          pathPrefix: '/m',
          specification: {
            requestPolicies: {
              authentication: {
                type: 'CUSTOM_AUTHENTICATION',
                functionId: 'authorizer',
                parameters: { key: 'request.headers[X-Api-Key]', region: 'request.query[region]' },
                cacheKey: ['key'],
                isAnonymousAccessAllowed: true,
                validationFailurePolicy: {
                  type: 'MODIFY_RESPONSE',
                  responseCode: '403',
                  responseMessage: 'API key refused',
                  responseHeaderTransformations: { setHeaders: { items: [{ name: 'X-Refused-Key', values: ['${request.headers[X-Api-Key]}'] }] } },
                },
              },
            },
            routes: [
              {
                path: '/r',
                backend,
                requestPolicies: {
                  authorization: { type: 'AUTHENTICATION_ONLY' },
                  headerTransformations: { setHeaders: { items: [{ name: 'X-Data', values: ['${request.auth[data]}'] }] } },
                },
              },
              { path: '/open', backend, requestPolicies: { authorization: { type: 'ANONYMOUS' } } },
            ],
          },
        },
      ],
    },
  });
});

after(async () => {
  await gw?.stop();
  await up?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('authorizer: allow → context reaches the upstream; the answer is cached (one call for two requests)', async () => {
  const before = calls();
  for (let i = 0; i < 2; i++) {
    const r = await fetch(`${gw.url}/c/r`, { headers: { authorization: 'Bearer good' } });
    assert.equal(r.status, 200, gw.logs().slice(-5).join('\n'));
    await r.arrayBuffer();
    assert.equal(up.received.at(-1)?.headers['x-tenant'], 't1');
  }
  assert.equal(calls() - before, 1);
  // The function's scope is what ANY_OF reads.
  const w = await fetch(`${gw.url}/c/w`, { headers: { authorization: 'Bearer good' } });
  assert.equal(w.status, 403);
});

test('authorizer: active false → 401 with the function\'s WWW-Authenticate; no token → 401 without calling it', async () => {
  const r = await fetch(`${gw.url}/c/r`, { headers: { authorization: 'Bearer deny' } });
  assert.equal(r.status, 401);
  assert.equal(r.headers.get('www-authenticate'), 'Bearer error="invalid_token", error_description="revoked"');
  const before = calls();
  const none = await fetch(`${gw.url}/c/r`);
  assert.equal(none.status, 401);
  assert.equal(calls(), before);
});

test('authorizer: malformed answer → 502 with the reason in the log, never an allow', async () => {
  const count = up.received.length;
  const r = await fetch(`${gw.url}/c/r`, { headers: { authorization: 'Bearer bad' } });
  assert.equal(r.status, 502);
  assert.equal(up.received.length, count);
  await gw.waitFor((l) => l['msg'] === 'authorizer function answer refused' && l['problem'] === 'active must be a boolean');
  assert.ok(!(await gw.settledLogs()).some((l) => l.includes('Bearer bad')), 'the token is never logged');
});

test('authorizer: slow function → 504', async () => {
  const r = await fetch(`${gw.url}/c/r`, { headers: { authorization: 'Bearer slow' } });
  assert.equal(r.status, 504);
});

test('authorizer: a function that throws → 502 authorizer_failed, never an allow', async () => {
  const count = up.received.length;
  const r = await fetch(`${gw.url}/c/r`, { headers: { authorization: 'Bearer throw' } });
  assert.equal(r.status, 502);
  assert.equal(up.received.length, count);
  await gw.waitFor((l) => l['msg'] === 'access' && l['auth'] === 'authorizer_failed');
});

test('authorizer (parameters): OCI\'s USER_DEFINED payload reaches the function; cacheKey narrows the cache to the named arguments', async () => {
  const before = calls();
  const r = await fetch(`${gw.url}/m/r?region=eu`, { headers: { 'x-api-key': 'k1' } });
  assert.equal(r.status, 200, gw.logs().slice(-5).join('\n'));
  await r.arrayBuffer();
  assert.deepEqual(JSON.parse(String(up.received.at(-1)?.headers['x-data'])), { key: 'k1', region: 'eu' });
  // Another region with the same key is the same cache entry (cacheKey: [key]): no second call.
  const again = await fetch(`${gw.url}/m/r?region=us`, { headers: { 'x-api-key': 'k1' } });
  assert.equal(again.status, 200);
  await again.arrayBuffer();
  assert.equal(calls() - before, 1);
  // A repeated query parameter is sent as an array; an absent argument is left out.
  const other = await fetch(`${gw.url}/m/r?region=a&region=b`);
  assert.equal(other.status, 200);
  await other.arrayBuffer();
  assert.deepEqual(JSON.parse(String(up.received.at(-1)?.headers['x-data'])), { region: ['a', 'b'] });
});

test('authorizer (parameters): isAnonymousAccessAllowed lets a request without arguments reach an ANONYMOUS route only', async () => {
  const before = calls();
  const open = await fetch(`${gw.url}/m/open`);
  assert.equal(open.status, 200);
  await open.arrayBuffer();
  assert.equal(calls(), before, 'nothing to send: the function is not called');
  const closed = await fetch(`${gw.url}/m/r`);
  // AUTHENTICATION_ONLY refuses the anonymous caller; that is authorization's denial, so the stock
  // answer, not the MODIFY_RESPONSE one (which answers authentication's).
  assert.equal(closed.status, 401);
  assert.deepEqual(await closed.json(), { code: 401, message: 'Unauthorized' });
});

test('authorizer (parameters) + validationFailurePolicy MODIFY_RESPONSE: a denial gets the configured answer', async () => {
  const r = await fetch(`${gw.url}/m/r`, { headers: { 'x-api-key': 'revoked' } });
  assert.equal(r.status, 403);
  assert.equal(await r.text(), 'API key refused');
  assert.equal(r.headers.get('x-refused-key'), 'revoked');
  assert.equal(r.headers.get('www-authenticate'), 'ApiKey realm="test"', 'the function\'s challenge is what the policy transforms');
});
