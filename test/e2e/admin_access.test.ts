/**
 * End-to-end: who may change the gateway through its admin plane (issue 18, docs/admin-api.md).
 * A real `gatehouse serve` with the embedded token service: changes without a credential, with a
 * wrong key or a foreign token get 401 and a Bearer challenge; the generated key (0600, reused on
 * restart) and a token-service token carrying gatehouse:admin get in; a token without the scope
 * gets 403. CSRF refusals, security headers, openReads:false and admin.keys from the environment
 * and the secrets: map, which /admin/plan and the logs never show.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../helpers/eventually.ts';
import { ROOT, runCli, startGateway, type RunningGatewayProcess } from '../helpers/gateway.ts';
import { freePort, tokenRequest } from '../idp/idp_process.ts';
import { jwtPolicy } from '../helpers/policies.ts';

const MGMT = { clientId: 'mgmt-client', clientSecret: 'mgmt-secret-0123456789abcdef' };
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const stock = { name: 'd', pathPrefix: '/v1', specification: { routes: [{ path: '/hello', backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'hi' } }] } };

describe('admin plane access with the token service', () => {
  let gw: RunningGatewayProcess;
  let issuer: string;
  const post = (path: string, headers: Record<string, string> = {}, body?: string) => fetch(`${gw.adminUrl}${path}`, { method: 'POST', headers, ...(body === undefined ? {} : { body }) });

  before(async () => {
    const port = await freePort();
    issuer = `http://localhost:${port}/`;
    gw = await startGateway({
      config: {
        deployments: [stock],
        identityProvider: {
          port,
          management: MGMT,
          apis: [{ identifier: 'https://api.example.com', scopes: ['read:things'] }],
          applications: [{ name: 'App', clientId: 'app1', clientSecret: 'app1-secret-0123456789', grants: [{ audience: 'https://api.example.com', scopes: ['read:things'] }] }],
        },
      },
    });
  });
  after(async () => {
    await gw?.stop();
  });

  it('generates an admin key into .gatehouse/admin-key (0600) and names the file, never the key, at start', async () => {
    assert.ok(gw.adminKey !== null && gw.adminKey.length >= 32);
    const file = join(gw.dir, '.gatehouse', 'admin-key');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const ready = gw.records().find((r) => r['msg'] === 'gatehouse ready')!;
    assert.equal(ready['adminKeyFile'], file);
    await eventually('the banner is on stderr', () => /console +http/.test(gw.stderr()));
    assert.match(gw.stderr(), new RegExp(`admin key +in ${file.replace(/[.]/g, '\\.')}`));
    assert.match(gw.stderr(), /console +http:\/\/127\.0\.0\.1:\d+\/console/);
    assert.ok(!gw.stderr().includes(gw.adminKey!) && !(await gw.settledLogs()).join('\n').includes(gw.adminKey!), 'the key is never printed or logged');
  });

  it('refuses a change without a credential or with a wrong one: 401 with a Bearer challenge', async () => {
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer not-the-key-0123456789' }, { authorization: `Basic ${Buffer.from(`x:${gw.adminKey}`).toString('base64')}` }, { authorization: 'Bearer a.b.c' }]) {
      const r = await post('/admin/reload', headers);
      assert.equal(r.status, 401, JSON.stringify(headers));
      assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="gatehouse-admin"');
      assert.equal(((await r.json()) as { code: number }).code, 401);
    }
    assert.equal((await post('/admin/reload', { authorization: `Bearer ${gw.adminKey}` })).status, 200);
    // The audit lines: each refused credential and each change, with who made it; never a credential.
    const refused = await gw.waitFor((r) => r['msg'] === 'admin request refused: no valid admin credential');
    assert.equal(refused['status'], 401);
    assert.equal(refused['path'], '/admin/reload');
    const change = await gw.waitFor((r) => r['msg'] === 'admin change' && r['path'] === '/admin/reload');
    assert.deepEqual([change['method'], change['status'], change['via'], change['subject'], change['component']], ['POST', 200, 'key', 'admin key', 'admin']);
    assert.ok(!(await gw.settledLogs()).join('\n').includes('not-the-key'), 'a presented credential is never logged');
    assert.ok(!(await gw.settledLogs()).join('\n').includes(gw.adminKey!), 'the admin key is never logged');
  });

  it('reads stay open; /admin/whoami needs the credential and says who it is', async () => {
    assert.equal((await fetch(`${gw.adminUrl}/admin/info`)).status, 200);
    assert.equal((await fetch(`${gw.adminUrl}/metrics`)).status, 200);
    const anon = await fetch(`${gw.adminUrl}/admin/whoami`);
    assert.equal(anon.status, 401);
    assert.equal(anon.headers.get('www-authenticate'), 'Bearer realm="gatehouse-admin"');
    const me = await fetch(`${gw.adminUrl}/admin/whoami`, { headers: { authorization: `Bearer ${gw.adminKey}` } });
    assert.equal(me.status, 200);
    assert.deepEqual(await me.json(), { authenticated: true, via: 'key', subject: 'admin key', scopes: ['gatehouse:admin'], expiresAt: null, openReads: true });
  });

  it('accepts a token from the token service with gatehouse:admin; 403 without the scope; 401 for another audience', async () => {
    const mgmtAud = `${issuer}api/v2/`;
    const admin = await tokenRequest(gw.idpUrl!, { grant_type: 'client_credentials', client_id: MGMT.clientId, client_secret: MGMT.clientSecret, audience: mgmtAud });
    assert.equal(admin.status, 200, JSON.stringify(admin.body));
    assert.match(String(admin.body['scope']), /(^| )gatehouse:admin( |$)/);
    const adminToken = String(admin.body['access_token']);
    assert.equal((await post('/admin/reload', { authorization: `Bearer ${adminToken}` })).status, 200);
    const who = (await (await fetch(`${gw.adminUrl}/admin/whoami`, { headers: { authorization: `Bearer ${adminToken}` } })).json()) as Record<string, unknown>;
    assert.equal(who['via'], 'token');
    assert.equal(who['subject'], `${MGMT.clientId}@clients`);
    assert.equal(who['clientId'], MGMT.clientId);
    assert.ok(typeof who['expiresAt'] === 'string');

    // An application granted only read:clients on the management API: a valid token, not an admin.
    const keyAuth = { authorization: `Bearer ${gw.adminKey}`, 'content-type': 'application/json' };
    const app = (await (await post('/admin/idp/applications', keyAuth, JSON.stringify({ name: 'reader' }))).json()) as { client_id: string; client_secret: string };
    assert.equal((await post('/admin/idp/grants', keyAuth, JSON.stringify({ client_id: app.client_id, audience: mgmtAud, scope: ['read:clients'] }))).status, 201);
    const reader = await tokenRequest(gw.idpUrl!, { grant_type: 'client_credentials', client_id: app.client_id, client_secret: app.client_secret, audience: mgmtAud });
    assert.equal(reader.status, 200);
    const forbidden = await post('/admin/reload', { authorization: `Bearer ${String(reader.body['access_token'])}` });
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.headers.get('www-authenticate'), 'Bearer realm="gatehouse-admin", error="insufficient_scope", scope="gatehouse:admin"');

    // A token for another audience (the app's API) is not an admin credential at all.
    const api = await tokenRequest(gw.idpUrl!, { grant_type: 'client_credentials', client_id: 'app1', client_secret: 'app1-secret-0123456789', audience: 'https://api.example.com' });
    assert.equal((await post('/admin/reload', { authorization: `Bearer ${String(api.body['access_token'])}` })).status, 401);
  });

  it('CSRF: refuses a change from another Origin, a cross-site fetch, and a body that is not JSON', async () => {
    const auth = { authorization: `Bearer ${gw.adminKey}` };
    const foreign = await post('/admin/reload', { ...auth, origin: 'https://evil.example' });
    assert.equal(foreign.status, 403);
    assert.match(((await foreign.json()) as { message: string }).message, /Origin/);
    assert.equal((await post('/admin/reload', { ...auth, origin: 'null' })).status, 403);
    assert.equal((await post('/admin/reload', { ...auth, 'sec-fetch-site': 'cross-site' })).status, 403);
    assert.equal((await post('/admin/reload', { ...auth, origin: gw.adminUrl, 'sec-fetch-site': 'same-origin' })).status, 200, 'the console itself (same origin) is let through');
    const form = await post('/admin/subscribers', { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, 'displayName=x');
    assert.equal(form.status, 415);
    assert.equal((await post('/admin/subscribers', auth, '{"displayName":"x"}')).status, 415, 'a body without a Content-Type');
    // Refused before the credential is looked at: a forged form learns nothing about the key.
    assert.equal((await post('/admin/reload', { origin: 'https://evil.example' })).status, 403);
  });

  it('gatehouse reload finds the generated key beside the config and posts the reload; a wrong key or no key is a clear failure', async () => {
    const ok = await runCli(['reload', '--config', gw.configFile, '--admin-url', gw.adminUrl]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, 'configuration reloaded\n');
    assert.ok(!ok.stdout.includes(gw.adminKey!) && !ok.stderr.includes(gw.adminKey!));
    const json = await runCli(['reload', '--config', gw.configFile, '--admin-url', gw.adminUrl, '--json']);
    assert.deepEqual(JSON.parse(json.stdout), { applied: true, errors: [] });
    const wrong = await runCli(['reload', '--config', gw.configFile, '--admin-url', gw.adminUrl], { env: { GATEHOUSE_ADMIN_KEY: 'wrong-key-0123456789abcdef' } });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /answered 401 \(the admin key is not the gateway's\)/);
    const elsewhere = mkdtempSync(join(tmpdir(), 'gatehouse-reload-'));
    try {
      writeFileSync(join(elsewhere, 'gatehouse.yaml'), 'deployments: []\n');
      const none = await runCli(['reload', '--config', join(elsewhere, 'gatehouse.yaml'), '--admin-url', gw.adminUrl]);
      assert.equal(none.code, 1);
      assert.match(none.stderr, /no admin key: .*admin-key does not exist/);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('DNS rebinding: a request naming another host than loopback is refused with 421, reads and console included', async () => {
    const { request } = await import('node:http');
    const u = new URL(gw.adminUrl);
    const get = (path: string, host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request({ host: u.hostname, port: u.port, path, headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    for (const path of ['/admin/plan', '/metrics', '/console', '/health/ready']) {
      assert.equal(await get(path, `rebind.example:${u.port}`), 421, path);
    }
    assert.equal(await get('/admin/info', `localhost:${u.port}`), 200);
    assert.equal(await get('/admin/info', `127.0.0.1:${u.port}`), 200);
  });

  it('sets the security headers on every answer: API, errors and the console', async () => {
    for (const [path, init] of [
      ['/admin/info', {}],
      ['/admin/nope', {}],
      ['/admin/reload', { method: 'POST' }],
      ['/console/missing.js', {}],
      ['/health/live', {}],
    ] as const) {
      const r = await fetch(`${gw.adminUrl}${path}`, init);
      assert.equal(r.headers.get('content-security-policy'), CSP, path);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff', path);
      assert.equal(r.headers.get('referrer-policy'), 'no-referrer', path);
      assert.equal(r.headers.get('x-frame-options'), 'DENY', path);
      if (!path.startsWith('/console')) assert.equal(r.headers.get('cache-control'), 'no-store', path);
    }
  });
});

describe('admin plane access settings', () => {
  it('admin.keys from ${ENV} and a secret OCID; openReads false closes reads but not the probes; the keys never show', async () => {
    const envKey = 'env-admin-key-0123456789abcdef';
    const fileKey = 'file-admin-key-0123456789abcdef';
    const gw = await startGateway({
      config: {
        admin: { keys: ['${ADMIN_KEY}', 'ocid1.vaultsecret.oc1..admin'], openReads: false },
        secrets: { 'ocid1.vaultsecret.oc1..admin': { file: 'admin.secret' } },
        deployments: [stock],
      },
      files: { 'admin.secret': `${fileKey}\n` },
      env: { ADMIN_KEY: envKey },
    });
    try {
      assert.equal(gw.adminKey, null, 'no key generated when admin.keys is set');
      await eventually('the banner is on stderr', () => /admin key/.test(gw.stderr()));
      assert.match(gw.stderr(), /admin key +one of admin\.keys/);
      for (const path of ['/admin/plan', '/admin/info', '/admin/auth', '/metrics']) {
        const r = await fetch(`${gw.adminUrl}${path}`);
        assert.equal(r.status, 401, path);
        assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="gatehouse-admin"');
      }
      assert.equal((await fetch(`${gw.adminUrl}/health/ready`)).status, 200);
      assert.equal((await fetch(`${gw.adminUrl}/health/live`)).status, 200);
      assert.notEqual((await fetch(`${gw.adminUrl}/console`)).status, 401, 'the console files hold no data: open, so its login page loads');
      assert.equal((await fetch(`${gw.adminUrl}/admin/whoami`, { headers: { authorization: `Bearer ${envKey}` } })).status, 200);
      for (const key of [envKey, fileKey]) {
        assert.equal((await fetch(`${gw.adminUrl}/admin/info`, { headers: { authorization: `Bearer ${key}` } })).status, 200);
        assert.equal((await fetch(`${gw.adminUrl}/admin/reload`, { method: 'POST', headers: { authorization: `bearer ${key}` } })).status, 200);
      }
      const plan = await (await fetch(`${gw.adminUrl}/admin/plan`, { headers: { authorization: `Bearer ${envKey}` } })).text();
      assert.ok(!plan.includes(envKey) && !plan.includes(fileKey), 'the keys are blanked in /admin/plan');
      assert.match(plan, /"keys": \[\s*"\[redacted\]",\s*"\[redacted\]"\s*\]/);
      assert.ok(!(await gw.settledLogs()).join('\n').includes(envKey) && !gw.stderr().includes(envKey));
    } finally {
      await gw.stop();
    }
  });

  it('regression: a reload takes admin.keys and openReads as they now are (a key removed from the file stopped working only at restart)', async () => {
    const oldKey = 'old-admin-key-0123456789abcdef';
    const newKey = 'new-admin-key-0123456789abcdef';
    const gw = await startGateway({ config: { admin: { keys: [oldKey] }, deployments: [stock] }, args: ['--no-watch'] });
    const reload = (key: string) => fetch(`${gw.adminUrl}/admin/reload`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
    try {
      assert.equal((await fetch(`${gw.adminUrl}/admin/plan`)).status, 200);
      writeFileSync(gw.configFile, JSON.stringify({ admin: { keys: [newKey], openReads: false }, deployments: [stock] }));
      assert.equal((await reload(oldKey)).status, 200);
      assert.equal((await reload(oldKey)).status, 401, 'the removed key is refused at once');
      assert.equal((await fetch(`${gw.adminUrl}/admin/plan`)).status, 401, 'reads closed by the reload');
      assert.equal((await reload(newKey)).status, 200);
      writeFileSync(gw.configFile, JSON.stringify({ admin: { keys: ['short'] }, deployments: [stock] }));
      const bad = await reload(newKey);
      assert.equal(bad.status, 422, 'a key that cannot be used rejects the reload');
      assert.match(JSON.stringify(await bad.json()), /admin\.keys\[0\]: an admin key needs at least 16 characters/);
      assert.equal((await fetch(`${gw.adminUrl}/admin/whoami`, { headers: { authorization: `Bearer ${newKey}` } })).status, 200, 'the previous keys keep working');
      const logged = (await gw.settledLogs()).join('\n');
      assert.ok(!logged.includes(newKey) && !logged.includes(oldKey));
    } finally {
      await gw.stop();
    }
  });

  it('reuses the generated key across restarts; refuses to start with an admin key it cannot resolve or that is too short', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-admin-key-'));
    try {
      const first = await startGateway({ config: { deployments: [stock] }, cwd: dir });
      const key = first.adminKey;
      await first.stop();
      const second = await startGateway({ config: { deployments: [stock] }, cwd: dir });
      try {
        assert.ok(key !== null);
        assert.equal(second.adminKey, key);
        assert.equal((await fetch(`${second.adminUrl}/admin/reload`, { method: 'POST', headers: { authorization: `Bearer ${key}` } })).status, 200);
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const missing = await startGateway({ config: { admin: { keys: ['ocid1.vaultsecret.oc1..nope'] }, deployments: [stock] } }).then(
      (g) => g.stop().then(() => 'started'),
      (err: Error) => err.message,
    );
    assert.match(missing, /admin\.keys\[0\]: secret ocid1\.vaultsecret\.oc1\.\.nope is not in secrets:/);
    const short = await startGateway({ config: { admin: { keys: ['short'] }, deployments: [stock] } }).then(
      (g) => g.stop().then(() => 'started'),
      (err: Error) => err.message,
    );
    assert.match(short, /admin\.keys\[0\]: an admin key needs at least 16 characters/);
  });
});

describe('admin plane access with --workers', () => {
  it('the primary checks the credential and answers /admin/idp from its own token service', async () => {
    const port = await freePort();
    const gw = await startGateway({
      args: ['--workers', '2'],
      timeoutMs: 60_000,
      config: {
        server: { host: '127.0.0.1' },
        functions: { echo: { path: join(ROOT, 'test/fixtures/functions/echo') } },
        deployments: [
          stock,
          { name: 'fn', pathPrefix: '/fn', specification: { routes: [{ path: '/echo', methods: ['POST'], backend: { type: 'ORACLE_FUNCTIONS_BACKEND', functionId: 'echo' } }] } },
          {
            name: 'api',
            pathPrefix: '/api',
            specification: {
              requestPolicies: { authentication: jwtPolicy({ issuer: `http://localhost:${port}/`, audience: 'https://api.example.com', jwksUri: `http://localhost:${port}/.well-known/jwks.json` }) },
              routes: [{ path: '/ping', methods: ['GET'], backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'pong' } }],
            },
          },
        ],
        identityProvider: {
          port,
          management: MGMT,
          apis: [{ identifier: 'https://api.example.com', scopes: ['read:things'] }],
          applications: [{ name: 'App', clientId: 'app1', clientSecret: 'app1-secret-0123456789', grants: [{ audience: 'https://api.example.com', scopes: ['read:things'] }] }],
        },
      },
    });
    try {
      assert.ok(gw.adminKey !== null);
      assert.equal((await fetch(`${gw.adminUrl}/admin/reload`, { method: 'POST' })).status, 401);
      const reload = await fetch(`${gw.adminUrl}/admin/reload`, { method: 'POST', headers: gw.adminHeaders() });
      assert.equal(reload.status, 200);
      assert.equal(((await reload.json()) as { workers: number }).workers, 2);
      const created = await fetch(`${gw.adminUrl}/admin/idp/applications`, { method: 'POST', headers: gw.adminHeaders(), body: JSON.stringify({ name: 'from the console' }) });
      assert.equal(created.status, 201);
      const apps = (await (await fetch(`${gw.adminUrl}/admin/idp/applications`)).json()) as { name: string }[];
      assert.ok(apps.some((a) => a.name === 'from the console'));
      const token = await tokenRequest(gw.idpUrl!, { grant_type: 'client_credentials', client_id: MGMT.clientId, client_secret: MGMT.clientSecret, audience: `http://localhost:${port}/api/v2/` });
      const who = await fetch(`${gw.adminUrl}/admin/whoami`, { headers: { authorization: `Bearer ${String(token.body['access_token'])}` } });
      assert.equal(who.status, 200);
      assert.equal(((await who.json()) as { via: string }).via, 'token');
      // Function pools are the sums over the workers: one call warms one container in one of them.
      assert.equal((await fetch(`${gw.url}/fn/echo`, { method: 'POST', body: 'hi' })).status, 200);
      const fns = (await (await fetch(`${gw.adminUrl}/admin/functions`)).json()) as { workers: number; functions: { id: string; containers: number; coldStarts: number }[] };
      assert.equal(fns.workers, 2);
      assert.deepEqual(fns.functions.map((f) => [f.id, f.containers, f.coldStarts]), [['echo', 1, 1]]);
      // Failures counted in whichever worker served them all show, each with its worker.
      for (let i = 0; i < 6; i++) {
        const r = await fetch(`${gw.url}/api/ping`, { headers: { authorization: 'Bearer not.a.token', connection: 'close' } });
        assert.equal(r.status, 401);
      }
      const auth = (await (await fetch(`${gw.adminUrl}/admin/auth`)).json()) as { workers: number; recentFailures: { worker: number }[]; failuresByReason: Record<string, number> };
      assert.equal(auth.workers, 2);
      assert.equal(Object.values(auth.failuresByReason).reduce((a, b) => a + b, 0), 6);
      assert.equal(auth.recentFailures.length, 6);
      assert.ok(auth.recentFailures.every((f) => typeof f.worker === 'number'));

      // The test token's curl names a route of the workers' live plan, and the token opens it.
      const minted = await fetch(`${gw.adminUrl}/admin/idp/test-token`, { method: 'POST', headers: gw.adminHeaders(), body: JSON.stringify({ clientId: 'app1', audience: 'https://api.example.com' }) });
      assert.equal(minted.status, 200);
      const t = (await minted.json()) as { access_token: string; route: { url: string } | null };
      assert.equal(t.route?.url, `${gw.url}/api/ping`);
      await eventually('a worker answers with the test token', async () => (await fetch(t.route!.url, { headers: { authorization: `Bearer ${t.access_token}` } })).status === 200, { timeoutMs: 20_000 });
    } finally {
      await gw.stop();
    }
  });
});
