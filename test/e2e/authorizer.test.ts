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
  assert.ok(!gw.logs().some((l) => l.includes('Bearer bad')), 'the token is never logged');
});

test('authorizer: slow function → 504', async () => {
  const r = await fetch(`${gw.url}/c/r`, { headers: { authorization: 'Bearer slow' } });
  assert.equal(r.status, 504);
});
