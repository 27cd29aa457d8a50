/**
 * End-to-end, issue 14 extensions on real `gatehouse serve` processes and the embedded token
 * service: RFC 9068 mode (isAccessTokenTypeRequired, written kebab-cased as the oci CLI prints it)
 * and the revocation list through the admin API — on one gateway (cached decisions, reload), on two
 * gateways sharing a real redis-server (propagation, outage, restart) and under --workers; and
 * with a third-party issuer (oidc-provider's RFC 9068 JWT access tokens).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type RunningGatewayProcess } from '../helpers/gateway.ts';
import { freePort, tokenRequest } from '../idp/idp_process.ts';
import { discoveryPolicy, jwtPolicy } from '../helpers/policies.ts';
import { eventually } from '../helpers/eventually.ts';
import { redisOrSkip, startRedis } from '../helpers/redis.ts';
import { startOidcProvider } from '../helpers/oidc_provider.ts';

const AUD_9068 = 'https://orders';
const AUD_AUTH0 = 'https://legacy';

/** The identityProvider section: one API with the RFC 9068 profile (typ at+jwt, jti), one with Auth0's default (typ JWT, no jti). */
function identityProvider(port: number) {
  return {
    port,
    apis: [
      { name: 'Orders', identifier: AUD_9068, scopes: ['read'], tokenDialect: 'rfc9068' },
      { name: 'Legacy', identifier: AUD_AUTH0, scopes: ['read'] },
    ],
    applications: [{ name: 'App', clientId: 'app', clientSecret: 'app-secret', grants: [{ audience: AUD_9068, scopes: ['read'] }, { audience: AUD_AUTH0, scopes: ['read'] }] }],
  };
}

function deployments(issuer: string) {
  const policy = (extra: Record<string, unknown>) => jwtPolicy({ issuer, audience: AUD_9068, jwksUri: `${issuer}.well-known/jwks.json`, audiences: [AUD_9068, AUD_AUTH0], ...extra });
  const route = [{ path: '/x', methods: ['GET'], backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'ok' } }];
  return [
    { name: 'strict', pathPrefix: '/strict', specification: { 'request-policies': { authentication: policy({ 'is-access-token-type-required': true }) }, routes: route } },
    { name: 'lenient', pathPrefix: '/lenient', specification: { requestPolicies: { authentication: policy({}) }, routes: route } },
  ];
}

async function token(idpUrl: string, audience: string): Promise<{ token: string; jti: string | undefined; exp: number; typ: string }> {
  const r = await tokenRequest(idpUrl, { client_id: 'app', client_secret: 'app-secret', audience, grant_type: 'client_credentials' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const t = r.body['access_token'] as string;
  const [h, p] = t.split('.') as [string, string];
  const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { typ: string };
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as { jti?: string; exp: number };
  return { token: t, jti: payload.jti, exp: payload.exp, typ: header.typ };
}

async function call(gw: RunningGatewayProcess, path: string, tok: string): Promise<Response> {
  const res = await fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${tok}`, connection: 'close' } });
  await res.arrayBuffer();
  return res;
}

async function admin(gw: RunningGatewayProcess, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> | null }> {
  const res = await fetch(`${gw.adminUrl}${path}`, { method, headers: gw.adminHeaders(), ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, json: text === '' ? null : (JSON.parse(text) as Record<string, unknown>) };
}

async function ready(gw: RunningGatewayProcess): Promise<void> {
  await eventually('the gateway is ready', async () => (await fetch(`${gw.adminUrl}/health/ready`)).status === 200, { timeoutMs: 10_000, intervalMs: 100 });
}

describe('one gateway: RFC 9068 mode and the revocation list (e2e)', () => {
  let gw: RunningGatewayProcess;
  let issuer: string;

  before(async () => {
    const port = await freePort();
    issuer = `http://localhost:${port}/`;
    gw = await startGateway({ config: { deployments: deployments(issuer), identityProvider: identityProvider(port) } });
    await ready(gw);
  });
  after(async () => {
    await gw?.stop();
  });

  it('isAccessTokenTypeRequired: an RFC 9068 token (typ at+jwt) passes; an Auth0-profile token (typ JWT) is 401 token_type_invalid, and passes where the mode is off', async () => {
    const at = await token(gw.idpUrl!, AUD_9068);
    const jwt = await token(gw.idpUrl!, AUD_AUTH0);
    assert.equal(at.typ, 'at+jwt');
    assert.equal(jwt.typ, 'JWT', 'the token service follows Auth0: typ JWT by default');
    assert.equal((await call(gw, '/strict/x', at.token)).status, 200);
    const refused = await call(gw, '/strict/x', jwt.token);
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('www-authenticate'), 'Bearer error="invalid_token"');
    await gw.waitFor((r) => r['msg'] === 'access' && r['path'] === '/strict/x' && r['auth'] === 'token_type_invalid');
    assert.equal((await call(gw, '/lenient/x', jwt.token)).status, 200);
  });

  it('a revoked token is refused (401 token_revoked) although its decision was cached; the list shows it, survives a reload, and a DELETE lets the token in again', async () => {
    const t = await token(gw.idpUrl!, AUD_9068);
    assert.ok(t.jti !== undefined, 'RFC 9068 tokens carry a jti');
    const other = await token(gw.idpUrl!, AUD_9068);
    assert.equal((await call(gw, '/lenient/x', t.token)).status, 200, 'verified and cached');
    assert.equal((await call(gw, '/lenient/x', other.token)).status, 200);

    const added = await admin(gw, 'POST', '/admin/revocations', { jti: t.jti, exp: t.exp });
    assert.equal(added.status, 201, JSON.stringify(added.json));
    assert.deepEqual(added.json, { jti: t.jti, exp: t.exp, shared: null });
    assert.equal((await admin(gw, 'POST', '/admin/revocations', { jti: t.jti, exp: t.exp })).status, 200, 'already there');

    for (const path of ['/lenient/x', '/strict/x']) {
      const res = await call(gw, path, t.token);
      assert.equal(res.status, 401, path);
      assert.equal(res.headers.get('www-authenticate'), 'Bearer error="invalid_token"');
    }
    await gw.waitFor((r) => r['msg'] === 'access' && r['path'] === '/lenient/x' && r['auth'] === 'token_revoked');
    assert.equal((await call(gw, '/lenient/x', other.token)).status, 200, 'another token of the same client passes');

    const listed = await admin(gw, 'GET', '/admin/revocations');
    assert.equal(listed.status, 200);
    assert.equal(listed.json!['count'], 1);
    assert.deepEqual(listed.json!['revocations'], [{ jti: t.jti, exp: t.exp, expiresAt: new Date(t.exp * 1000).toISOString() }]);
    const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
    assert.match(metrics, /^gatehouse_auth_revoked_tokens 1$/m);
    assert.match(metrics, /gatehouse_auth_decisions_total\{[^}]*reason="token_revoked"[^}]*\} [1-9]/);
    assert.doesNotMatch(JSON.stringify(listed.json), /eyJ/, 'never a token');
    const auth = (await admin(gw, 'GET', '/admin/auth')).json!;
    assert.deepEqual(auth['revocations'], { count: 1, shared: null });
    assert.ok((auth['failuresByReason'] as Record<string, number>)['token_revoked']! >= 2);

    const reload = await admin(gw, 'POST', '/admin/reload');
    assert.equal(reload.status, 200, JSON.stringify(reload.json));
    assert.equal((await call(gw, '/lenient/x', t.token)).status, 401, 'kept across a reload');

    assert.equal((await admin(gw, 'DELETE', `/admin/revocations/${encodeURIComponent(t.jti!)}`)).status, 204);
    assert.equal((await admin(gw, 'DELETE', `/admin/revocations/${encodeURIComponent(t.jti!)}`)).status, 404);
    assert.equal((await call(gw, '/lenient/x', t.token)).status, 200);
    assert.match(await (await fetch(`${gw.adminUrl}/metrics`)).text(), /^gatehouse_auth_revoked_tokens 0$/m);
  });

  it('bad revocations are refused with a message; a change without the admin credential is 401', async () => {
    const bad = await admin(gw, 'POST', '/admin/revocations', { jti: 'x', exp: Date.now() });
    assert.equal(bad.status, 400);
    assert.match(String(bad.json!['message']), /looks like milliseconds/);
    const anonymous = await fetch(`${gw.adminUrl}/admin/revocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jti: 'x', exp: 2_000_000_000 }) });
    assert.equal(anonymous.status, 401);
    assert.equal(((await admin(gw, 'GET', '/admin/revocations')).json!['count']), 0);
  });

  it('regression: a batch of 10 000 revocations (the documented maximum, UUID jtis: about 640 KB) is taken, not refused by the 64 KiB admin body limit', async () => {
    const exp = Math.floor(Date.now() / 1000) + 600;
    const revocations = Array.from({ length: 10_000 }, () => ({ jti: crypto.randomUUID(), exp }));
    const r = await admin(gw, 'POST', '/admin/revocations', { revocations });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json!['added'], 10_000);
    assert.equal(((await admin(gw, 'GET', '/admin/revocations')).json!['count']), 10_000);
    // The larger limit is for this path only, and no body is read before the credential is checked.
    const big = JSON.stringify({ revocations });
    const anonymous = await fetch(`${gw.adminUrl}/admin/revocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    assert.equal(anonymous.status, 401);
    const subscribers = await fetch(`${gw.adminUrl}/admin/subscribers`, { method: 'POST', headers: gw.adminHeaders(), body: big });
    assert.equal(subscribers.status, 413);
  });
});

describe('two gateways on one Redis: a revocation reaches both; Redis down fails nothing (e2e)', () => {
  it('propagates within the poll interval, keeps working through an outage, and catches up after it', async (t) => {
    if (redisOrSkip(t) === null) return;
    const redis = await startRedis();
    t.after(() => redis.close());
    const port = await freePort();
    const issuer = `http://localhost:${port}/`;
    const state = { redis: { url: redis.url, commandTimeoutMs: 300, connectTimeoutMs: 300 } };
    const a = await startGateway({ config: { state, deployments: deployments(issuer), identityProvider: identityProvider(port) } });
    t.after(() => a.stop());
    const b = await startGateway({ config: { state, deployments: deployments(issuer) } });
    t.after(() => b.stop());
    await ready(a);
    await ready(b);

    const first = await token(a.idpUrl!, AUD_9068);
    const second = await token(a.idpUrl!, AUD_9068);
    for (const gw of [a, b]) assert.equal((await call(gw, '/lenient/x', first.token)).status, 200);

    const added = await admin(a, 'POST', '/admin/revocations', { jti: first.jti, exp: first.exp });
    assert.equal(added.status, 201);
    assert.equal(added.json!['shared'], true);
    assert.equal((await call(a, '/lenient/x', first.token)).status, 401, 'at once where it was made');
    const started = Date.now();
    await eventually('b refuses it too', async () => (await call(b, '/lenient/x', first.token)).status === 401, { timeoutMs: 5000, intervalMs: 100 });
    assert.ok(Date.now() - started < 3000, `within the documented bound (took ${Date.now() - started} ms)`);
    const shared = (await admin(b, 'GET', '/admin/revocations')).json!;
    assert.equal(shared['count'], 1);
    assert.equal((shared['shared'] as { up: boolean }).up, true);

    await redis.stop();
    const during = await admin(a, 'POST', '/admin/revocations', { jti: second.jti, exp: second.exp });
    assert.equal(during.status, 201, 'Redis down does not fail a change');
    assert.equal(during.json!['shared'], false);
    assert.match(String(during.json!['warning']), /could not be reached/);
    assert.equal((await call(a, '/lenient/x', second.token)).status, 401, 'enforced at once on a');
    assert.equal((await call(b, '/lenient/x', second.token)).status, 200, 'b has not heard of it');
    assert.equal((await call(b, '/lenient/x', first.token)).status, 401, 'b keeps its list while Redis is down');
    await a.waitFor((r) => /revocation list: shared store unreachable/.test(String(r['msg'])));

    await redis.restart();
    // Redis came back empty: a sends the change it kept, and both gateways fill the set again.
    await eventually('b refuses the token revoked during the outage', async () => (await call(b, '/lenient/x', second.token)).status === 401, { timeoutMs: 10_000, intervalMs: 200 });
    assert.equal((await call(b, '/lenient/x', first.token)).status, 401, 'and still the first');
    await eventually('a is in sync', async () => {
      const s = (await admin(a, 'GET', '/admin/revocations')).json!['shared'] as { up: boolean; unsynced: number };
      return s.up && s.unsynced === 0;
    });

    // A gateway started now reads the list from Redis as soon as it has connected.
    const c = await startGateway({ config: { state, deployments: deployments(issuer) } });
    t.after(() => c.stop());
    await ready(c);
    await eventually('a new gateway refuses both', async () => (await call(c, '/lenient/x', first.token)).status === 401 && (await call(c, '/lenient/x', second.token)).status === 401, { timeoutMs: 2000, intervalMs: 50 });
    assert.equal(((await admin(c, 'GET', '/admin/revocations')).json!['count']), 2);
  });
});

describe('serve --workers 2: a revocation reaches every worker (e2e)', () => {
  it('a revocation made through the primary refuses the token on both workers, and on a worker that replaces a dead one; a DELETE reaches both too', async (t) => {
    const port = await freePort();
    const issuer = `http://localhost:${port}/`;
    // Three processes compiling at once: a loaded 2-core machine needs more than the default 15 s.
    const gw = await startGateway({ args: ['--workers', '2'], timeoutMs: 60_000, config: { deployments: deployments(issuer), identityProvider: identityProvider(port) } });
    t.after(() => gw.stop());
    await ready(gw);
    const tk = await token(gw.idpUrl!, AUD_9068);
    // Fresh connections are dealt round-robin, so 8 requests reach both workers (and cache the decision on each).
    const statuses = async () => Promise.all(Array.from({ length: 8 }, async () => (await call(gw, '/lenient/x', tk.token)).status));
    assert.deepEqual(new Set(await statuses()), new Set([200]));
    assert.equal((await admin(gw, 'POST', '/admin/revocations', { jti: tk.jti, exp: tk.exp })).status, 201);
    assert.deepEqual(new Set(await statuses()), new Set([401]), 'every worker refuses it at once');
    assert.match(await (await fetch(`${gw.adminUrl}/metrics`)).text(), /^gatehouse_auth_revoked_tokens 1$/m, 'max over the workers, not their sum');

    // A worker that dies is replaced by one that starts with an empty list: the primary copies a live worker's into it.
    const pids = async () => ((await admin(gw, 'GET', '/admin/info')).json!['workerPids'] as number[]).slice().sort();
    const before = await pids();
    process.kill(before[0]!, 'SIGKILL');
    await eventually('a new worker replaced the dead one', async () => {
      const now = await pids();
      return now.length === 2 && !now.includes(before[0]!);
    }, { timeoutMs: 60_000, intervalMs: 200 });
    await eventually('the new worker refuses the token too', async () => (await statuses()).every((s) => s === 401), { timeoutMs: 10_000, intervalMs: 200 });

    assert.equal((await admin(gw, 'DELETE', `/admin/revocations/${encodeURIComponent(tk.jti!)}`)).status, 204);
    assert.deepEqual(new Set(await statuses()), new Set([200]));
  });
});

describe('a third-party issuer: oidc-provider\'s JWT access tokens (e2e)', () => {
  it('pass RFC 9068 mode on TOKEN_AUTHENTICATION (typ at+jwt), and are refused once their jti is revoked', async (t) => {
    const API = 'https://reports.example';
    const op = await startOidcProvider({
      clients: [{ client_id: 'reporting-app', client_secret: 'reporting-secret', grant_types: ['client_credentials'], redirect_uris: [], response_types: [] }],
      scopes: ['reports:read'],
      resourceServers: { [API]: { scope: 'reports:read', audience: API, accessTokenFormat: 'jwt' } },
    });
    t.after(() => op.stop());
    const gw = await startGateway({
      config: {
        deployments: [
          {
            name: 'reports',
            pathPrefix: '/reports',
            specification: {
              requestPolicies: {
                authentication: discoveryPolicy({ discoveryUri: op.discoveryUri, audiences: [API], isAccessTokenTypeRequired: true }),
              },
              routes: [{ path: '/x', methods: ['GET'], backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'ok' } }],
            },
          },
        ],
      },
    });
    t.after(() => gw.stop());
    await ready(gw);
    const r = await op.clientCredentials('reporting-app', 'reporting-secret', { scope: 'reports:read', resource: API });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const tok = String(r.body['access_token']);
    const [h, p] = tok.split('.') as [string, string];
    assert.equal((JSON.parse(Buffer.from(h, 'base64url').toString()) as { typ: string }).typ, 'at+jwt');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as { jti: string; exp: number };
    assert.equal((await call(gw, '/reports/x', tok)).status, 200);
    assert.equal((await admin(gw, 'POST', '/admin/revocations', { jti: claims.jti, exp: claims.exp })).status, 201);
    assert.equal((await call(gw, '/reports/x', tok)).status, 401);
    await gw.waitFor((rec) => rec['msg'] === 'access' && rec['path'] === '/reports/x' && rec['auth'] === 'token_revoked');
    assert.deepEqual(op.serverErrors(), []);
  });
});
