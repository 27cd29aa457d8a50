import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DISCOVERY_RETRY_MS, IntrospectionAuthenticator, type IntrospectionOptions } from '../../src/auth/introspection.ts';
import { fetchJsonDocument } from '../../src/auth/jwks/http_fetch.ts';
import { createExtractor } from '../../src/auth/extract.ts';
import { compileAuthentication, compileAuthorization } from '../../src/auth/compile.ts';
import { loadConfigText } from '../../src/config/load.ts';
import type { ConfigError } from '../../src/errors.ts';
import { AuthStats } from '../../src/auth/stats.ts';
import { IdpState } from '../../src/idp/idp_state.ts';
import { createKeyEnvelope } from '../../src/idp/key_envelope.ts';
import { seedFromConfig } from '../../src/idp/seed.ts';
import { createIdpServer } from '../../src/idp/server.ts';
import { IdpStore, openDriver } from '../../src/idp/store/store.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import { createLogger } from '../../src/lib/log.ts';
import { bearer, compileContext } from './helpers.ts';

const clock = new ManualClock(Date.parse('2026-03-01T00:00:00Z'));
const nowSec = (): number => Math.floor(clock.nowMs() / 1000);

/** A programmable RFC 7662 server on loopback: records how the client authenticated, answers what the test says. */
interface FakeAs {
  discoveryUri: string;
  doc: Record<string, unknown>;
  answer: (token: string) => unknown;
  calls: { authorization: string | undefined; form: URLSearchParams }[];
  close(): Promise<void>;
}

async function fakeAs(): Promise<FakeAs> {
  let base = '';
  const self: FakeAs = {
    discoveryUri: '',
    doc: {},
    answer: () => ({ active: false }),
    calls: [],
    close: () => new Promise<void>((ok) => (server.closeAllConnections(), server.close(() => ok()))),
  };
  const server: Server = createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: `${base}/`, introspection_endpoint: `${base}/introspect`, ...self.doc }));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      self.calls.push({ authorization: req.headers.authorization, form });
      const out = self.answer(form.get('token') ?? '');
      const body = typeof out === 'string' ? out : JSON.stringify(out);
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  self.discoveryUri = `${base}/.well-known/openid-configuration`;
  return self;
}

function authenticator(discoveryUri: string, over: Partial<IntrospectionOptions> = {}): IntrospectionAuthenticator {
  return new IntrospectionAuthenticator({
    extractor: createExtractor({ header: 'Authorization', scheme: 'Bearer', queryParam: null }),
    discoveryUri,
    clientId: 'gateway',
    secret: { value: 'gateway secret' },
    isSslVerifyDisabled: false,
    maxCacheMs: 3_600_000,
    timeoutMs: 2000,
    issuers: null,
    audiences: null,
    claimChecks: [],
    clockSkewSec: 0,
    allowsAnonymous: false,
    maxTokenChars: 1 << 20,
    clock,
    stats: new AuthStats('d'),
    log: createLogger({ level: 'silent' }),
    offline: false,
    ...over,
  });
}

// The local token service, in process, on the same manual clock.
let dir = '';
let state: IdpState;
let idp: Server;
let idpBase = '';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'introspection-client-'));
  state = new IdpState(new IdpStore(openDriver('.gatehouse/idp.sqlite', dir), createKeyEnvelope(undefined)), 'http://127.0.0.1:1/', { now: () => new Date(clock.nowMs()) });
  await state.store.migrate();
  await state.refresh(true);
  idp = createIdpServer(state, { log: createLogger({ level: 'silent' }), defaultAudience: undefined });
  await new Promise<void>((ok) => idp.listen(0, '127.0.0.1', ok));
  idpBase = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
  await state.setIssuer(`${idpBase}/`);
  await seedFromConfig(
    state,
    {
      apis: [{ identifier: 'https://orders', scopes: ['read:orders'], tokenLifetime: 600 }],
      applications: [
        { name: 'Caller', clientId: 'caller', clientSecret: 'caller-secret', grants: [{ audience: 'https://orders', scopes: ['read:orders'] }] },
        { name: 'Gateway', clientId: 'gateway', clientSecret: 'gateway secret' },
      ],
    },
    dir,
  );
});

after(async () => {
  await new Promise<void>((ok) => (idp.closeAllConnections(), idp.close(() => ok())));
  await state.close();
  rmSync(dir, { recursive: true, force: true });
});

async function issued(): Promise<string> {
  const res = await fetch(`${idpBase}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials', client_id: 'caller', client_secret: 'caller-secret', audience: 'https://orders' }),
  });
  return String(((await res.json()) as Record<string, unknown>)['access_token']);
}

test('against the local token service: an issued token passes with its claims, anything else is 401', async () => {
  const a = authenticator(`${idpBase}/.well-known/openid-configuration`);
  assert.equal(await a.ready(), true);
  const v = await a.authenticate(bearer(await issued()));
  assert.equal(v.status, 0);
  assert.equal(v.auth?.clientId, 'caller');
  assert.equal(v.auth?.subject, 'caller@clients');
  assert.deepEqual([...(v.auth?.scopes ?? [])], ['read:orders']);
  assert.equal(v.auth?.claims['aud'], 'https://orders');
  assert.equal('active' in (v.auth?.claims ?? {}), false);
  assert.equal((await a.authenticate(bearer('opaque-nobody-issued'))).status, 401);
  assert.equal((await a.authenticate(bearer(''.padEnd(3, 'x')))).status, 401);
  assert.deepEqual(a.adminState()['clientAuthentication'], 'client_secret_basic');
});

test('against the local token service: a wrong client secret is a 503 (the operator\'s problem), not a 401', async () => {
  const a = authenticator(`${idpBase}/.well-known/openid-configuration`, { secret: { value: 'wrong' } });
  const v = await a.authenticate(bearer(await issued()));
  assert.equal(v.status, 503);
  assert.equal(a.failures, 1);
  assert.match(String(a.problem()), /HTTP 401/);
});

test('client_secret_basic by default, client_secret_post when the document lists only that; the secret is form-encoded in Basic', async () => {
  const as = await fakeAs();
  try {
    as.answer = () => ({ active: true, exp: nowSec() + 60 });
    await authenticator(as.discoveryUri).authenticate(bearer('t1'));
    const basic = as.calls[0]!;
    assert.equal(basic.authorization, `Basic ${Buffer.from('gateway:gateway+secret').toString('base64')}`);
    assert.equal(basic.form.get('token'), 't1');
    assert.equal(basic.form.get('client_secret'), null);

    as.doc = { introspection_endpoint_auth_methods_supported: ['client_secret_post'] };
    await authenticator(as.discoveryUri).authenticate(bearer('t2'));
    const post = as.calls[1]!;
    assert.equal(post.authorization, undefined);
    assert.equal(post.form.get('client_id'), 'gateway');
    assert.equal(post.form.get('client_secret'), 'gateway secret');

    as.doc = { introspection_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'] };
    await authenticator(as.discoveryUri).authenticate(bearer('t3'));
    assert.match(String(as.calls[2]!.authorization), /^Basic /);
  } finally {
    await as.close();
  }
});

test('an active answer is cached until its exp, then asked again; concurrent requests share one call', async () => {
  const as = await fakeAs();
  try {
    as.answer = () => ({ active: true, exp: nowSec() + 120, scope: 'a b' });
    const a = authenticator(as.discoveryUri);
    const [x, y] = await Promise.all([a.authenticate(bearer('tok')), a.authenticate(bearer('tok'))]);
    assert.equal(x.status, 0);
    assert.equal(y, x);
    assert.equal(as.calls.length, 1);
    clock.advance(119_000);
    assert.equal((await a.authenticate(bearer('tok'))).status, 0);
    assert.equal(as.calls.length, 1, 'served from the cache before exp');
    clock.advance(1_000);
    assert.equal((await a.authenticate(bearer('tok'))).status, 0);
    assert.equal(as.calls.length, 2, 'asked again at exp');
  } finally {
    await as.close();
  }
});

test('the cache is capped by maxCacheDurationInHours; an inactive answer is cached briefly', async () => {
  const as = await fakeAs();
  try {
    as.answer = (t) => (t === 'bad' ? { active: false } : { active: true, exp: nowSec() + 86_400 });
    const a = authenticator(as.discoveryUri, { maxCacheMs: 60_000 });
    await a.authenticate(bearer('long'));
    clock.advance(59_000);
    await a.authenticate(bearer('long'));
    assert.equal(as.calls.length, 1);
    clock.advance(1_000);
    await a.authenticate(bearer('long'));
    assert.equal(as.calls.length, 2, 'the cap, not the day-long exp');

    assert.equal((await a.authenticate(bearer('bad'))).status, 401);
    assert.equal((await a.authenticate(bearer('bad'))).status, 401);
    assert.equal(as.calls.length, 3, 'one call for two requests');
    clock.advance(30_000);
    await a.authenticate(bearer('bad'));
    assert.equal(as.calls.length, 4);
  } finally {
    await as.close();
  }
});

test('malformed answers and an expired exp are never an allow; additionalValidationPolicy applies to the answer', async () => {
  const as = await fakeAs();
  try {
    const a = authenticator(as.discoveryUri, { audiences: ['api://x'], issuers: ['https://idp/'] });
    for (const junk of ['not json', '[]', { active: 'true' }, {}]) {
      as.answer = () => junk;
      assert.equal((await a.authenticate(bearer(`junk-${JSON.stringify(junk)}`))).status, 503, JSON.stringify(junk));
    }
    as.answer = () => ({ active: true, exp: nowSec() - 1, aud: 'api://x', iss: 'https://idp/' });
    assert.equal((await a.authenticate(bearer('expired'))).reason, 'expired');
    as.answer = () => ({ active: true, exp: nowSec() + 60, aud: 'api://other', iss: 'https://idp/' });
    assert.equal((await a.authenticate(bearer('other-aud'))).reason, 'audience_invalid');
    as.answer = () => ({ active: true, exp: nowSec() + 60, aud: ['api://x'], iss: 'https://evil/' });
    assert.equal((await a.authenticate(bearer('other-iss'))).reason, 'issuer_invalid');
    as.answer = () => ({ active: true, exp: nowSec() + 60, aud: 'api://x', iss: 'https://idp/' });
    assert.equal((await a.authenticate(bearer('good'))).status, 0);
  } finally {
    await as.close();
  }
});

test('regression: an active answer for a refresh token (Keycloak typ Refresh, token_type refresh_token) was an allow; it is refused as inactive', async () => {
  const as = await fakeAs();
  try {
    // No audiences: the case where nothing else would have caught it.
    const a = authenticator(as.discoveryUri, {});
    for (const marks of [{ typ: 'Refresh' }, { token_type: 'refresh_token' }, { typ: 'refresh_token' }]) {
      as.answer = () => ({ active: true, exp: nowSec() + 60, ...marks });
      const v = await a.authenticate(bearer(`refresh-${JSON.stringify(marks)}`));
      assert.equal(v.status, 401, JSON.stringify(marks));
      assert.equal(v.reason, 'token_inactive');
    }
    as.answer = () => ({ active: true, exp: nowSec() + 60, typ: 'Bearer', token_type: 'Bearer' });
    assert.equal((await a.authenticate(bearer('access'))).status, 0, 'an access token still passes');
  } finally {
    await as.close();
  }
});

test('an unresolved client secret answers 503 without calling anyone, and readiness says why', async () => {
  const as = await fakeAs();
  try {
    const a = authenticator(as.discoveryUri, { secret: { missing: 'secret ocid1.vaultsecret.oc1..x is not in secrets:' } });
    assert.equal(await a.ready(), false);
    assert.equal(a.problem(), 'secret ocid1.vaultsecret.oc1..x is not in secrets:');
    assert.equal((await a.authenticate(bearer('tok'))).status, 503);
    assert.equal(as.calls.length, 0);
    assert.equal((await a.authenticate(bearer('tok'))).status, 503);
  } finally {
    await as.close();
  }
});

test('a discovery document without introspection_endpoint is a 503 with the reason', async () => {
  const as = await fakeAs();
  try {
    as.doc = { introspection_endpoint: undefined };
    const a = authenticator(as.discoveryUri);
    assert.equal((await a.authenticate(bearer('tok'))).status, 503);
    assert.match(String(a.problem()), /names no introspection_endpoint/);
    assert.equal(await a.ready(), false);
  } finally {
    await as.close();
  }
});

test('regression: isSslVerifyDisabled let the client secret go to a plain-http introspection_endpoint off loopback; it is refused with the reason', async () => {
  const as = await fakeAs();
  try {
    as.doc = { introspection_endpoint: 'http://idp.example/introspect' };
    const a = authenticator(as.discoveryUri, { isSslVerifyDisabled: true });
    assert.equal((await a.authenticate(bearer('tok'))).status, 503);
    assert.match(String(a.problem()), /introspection_endpoint http:\/\/idp\.example\/introspect must use https: the client secret is sent there/);
    assert.equal(as.calls.length, 0, 'nothing was sent');
  } finally {
    await as.close();
  }
});

test('regression: a discovery document that fails after serving once is retried at most once per DISCOVERY_RETRY_MS, not on every request', async () => {
  const as = await fakeAs();
  try {
    as.answer = () => ({ active: true, sub: 's', exp: nowSec() + 3600 });
    let discoveries = 0;
    let down = false;
    const a = authenticator(as.discoveryUri, {
      maxCacheMs: 60_000,
      fetchDocument: async (url, o) => {
        discoveries++;
        if (down) throw new Error('connection refused');
        return fetchJsonDocument(url, o);
      },
    });
    assert.equal((await a.authenticate(bearer('t0'))).status, 0);
    assert.equal(discoveries, 1);
    clock.advance(61_000); // the document is due again...
    down = true; // ...and its server is down
    for (const t of ['t1', 't2', 't3']) assert.equal((await a.authenticate(bearer(t))).status, 0, 'the endpoint that served keeps serving');
    assert.equal(discoveries, 2, 'one failed re-fetch, then the retry delay');
    clock.advance(DISCOVERY_RETRY_MS);
    assert.equal((await a.authenticate(bearer('t4'))).status, 0);
    assert.equal(discoveries, 3);
    down = false;
    clock.advance(DISCOVERY_RETRY_MS);
    assert.equal((await a.authenticate(bearer('t5'))).status, 0);
    assert.equal(discoveries, 4);
    assert.equal((await a.authenticate(bearer('t6'))).status, 0);
    assert.equal(discoveries, 4, 'fresh again: no fetch until maxCacheMs');
  } finally {
    await as.close();
  }
});

// ---- compileAuthentication: the REMOTE_DISCOVERY + clientDetails branch ----

const OCID = 'ocid1.vaultsecret.oc1..introspection';

function tokenAuth(discoveryUri: string, over: Record<string, unknown> = {}, clientDetails: unknown = { type: 'CUSTOM', clientId: 'gateway', clientSecretId: OCID, clientSecretVersionNumber: 3 }): unknown {
  return {
    type: 'TOKEN_AUTHENTICATION',
    tokenHeader: 'Authorization',
    tokenAuthScheme: 'Bearer',
    validationPolicy: {
      type: 'REMOTE_DISCOVERY',
      sourceUriDetails: { type: 'DISCOVERY_URI', uri: discoveryUri },
      clientDetails,
      maxCacheDurationInHours: 1,
      additionalValidationPolicy: { audiences: ['api://orders'] },
    },
    ...over,
  };
}

test('compile: clientDetails makes an introspecting policy whose answer feeds ANY_OF authorization', async () => {
  const as = await fakeAs();
  try {
    as.answer = (t) => ({ active: t !== 'revoked', exp: nowSec() + 60, aud: 'api://orders', scope: t === 'reader' ? 'read' : 'write', client_id: 'app' });
    const ctx = compileContext();
    const policy = compileAuthentication(tokenAuth(as.discoveryUri), 'auth', ctx, 'd', { secrets: { [OCID]: 'gateway secret' }, clock });
    assert.deepEqual(ctx.issues, []);
    assert.ok(policy instanceof IntrospectionAuthenticator);
    const anyOf = compileAuthorization({ type: 'ANY_OF', allowedScope: ['read'] }, 'route', ctx, policy)!;
    const reader = await policy.authenticate(bearer('reader'));
    assert.equal(reader.status, 0);
    assert.equal(reader.auth?.clientId, 'app');
    assert.equal(anyOf.authorize(reader.auth), null);
    const writer = await policy.authenticate(bearer('writer'));
    assert.equal(anyOf.authorize(writer.auth)?.status, 403);
    assert.equal((await policy.authenticate(bearer('revoked'))).status, 401);
    assert.equal(as.calls[0]!.authorization, `Basic ${Buffer.from('gateway:gateway+secret').toString('base64')}`);
  } finally {
    await as.close();
  }
});

test('compile: the secret may come from a file; an unresolved one is a warning at its path and a 503', async () => {
  const as = await fakeAs();
  const secretDir = mkdtempSync(join(tmpdir(), 'introspection-secret-'));
  try {
    as.answer = () => ({ active: true, exp: nowSec() + 60, aud: 'api://orders' });
    writeFileSync(join(secretDir, 'client-secret'), 'from file\n');
    const ctx = { ...compileContext(), baseDir: secretDir };
    const fromFile = compileAuthentication(tokenAuth(as.discoveryUri), 'auth', ctx, 'd', { secrets: { [OCID]: { file: 'client-secret' } }, clock })!;
    assert.equal((await fromFile.authenticate(bearer('t'))).status, 0);
    assert.equal(as.calls[0]!.authorization, `Basic ${Buffer.from('gateway:from+file').toString('base64')}`);

    const missing = compileContext();
    const policy = compileAuthentication(tokenAuth(as.discoveryUri), 'auth', missing, 'd', { secrets: undefined, clock })!;
    assert.deepEqual(missing.issues, []);
    assert.deepEqual(missing.warnings.map((w) => w.path), ['auth.validationPolicy.clientDetails.clientSecretId']);
    assert.match(missing.warnings[0]!.message, /is not in secrets:.*503/);
    assert.equal((await policy.authenticate(bearer('t'))).status, 503);
    assert.equal(await policy.ready(), false);
    assert.equal(as.calls.length, 1, 'no call without a secret');
  } finally {
    await as.close();
    rmSync(secretDir, { recursive: true, force: true });
  }
});

test('compile: clientDetails without the secrets: wiring, with allowedAlgorithms, or on plain http is refused at its path', () => {
  const noWiring = compileContext();
  assert.equal(compileAuthentication(tokenAuth('https://idp.example/.well-known/openid-configuration'), 'auth', noWiring, 'd'), null);
  assert.deepEqual(noWiring.issues.map((i) => `${i.path}: ${i.message}`), ['auth.validationPolicy.clientDetails: not supported yet: token introspection needs the secrets: map']);

  const algs = compileContext();
  compileAuthentication(tokenAuth('https://idp.example/.well-known/openid-configuration', { allowedAlgorithms: ['RS256'] }), 'auth', algs, 'd', { secrets: {} });
  assert.deepEqual(algs.issues.map((i) => i.path), ['auth.allowedAlgorithms']);

  const plain = compileContext();
  compileAuthentication(tokenAuth('http://idp.example/.well-known/openid-configuration'), 'auth', plain, 'd', { secrets: {} });
  assert.deepEqual(plain.issues.map((i) => i.path), ['auth.validationPolicy.sourceUriDetails.uri']);
});

test('schema: clientDetails CUSTOM loads; VALIDATION_BLOCK is "not supported yet"; clientSecretId is required', () => {
  const load = (clientDetails: unknown): string[] => {
    const spec = { requestPolicies: { authentication: tokenAuth('http://127.0.0.1:9/.well-known/openid-configuration', {}, clientDetails) }, routes: [{ path: '/x', backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200 } }] };
    try {
      loadConfigText(JSON.stringify({ deployments: [{ name: 'd', pathPrefix: '/v1', specification: spec }] }), join(tmpdir(), 'gatehouse.json'));
      return [];
    } catch (err) {
      return (err as ConfigError).issues.map((i) => `${i.path.replace(/^.*validationPolicy\./, '')}: ${i.message}`);
    }
  };
  assert.deepEqual(load({ type: 'CUSTOM', clientId: 'g', clientSecretId: OCID, clientSecretVersionNumber: 1 }), []);
  assert.deepEqual(load({ type: 'VALIDATION_BLOCK' }), ['clientDetails.type: not supported yet']);
  assert.deepEqual(load({ type: 'CUSTOM', clientId: 'g' }), ['clientDetails.clientSecretId: is required']);
});

test('counters: introspections by result (active, inactive, error: a malformed answer or a failed discovery) and cache lookups', async () => {
  const as = await fakeAs();
  try {
    as.answer = (token) => (token === 'good' ? { active: true, exp: nowSec() + 60 } : token === 'junk' ? 'not json' : { active: false });
    const a = authenticator(as.discoveryUri);
    assert.equal((await a.authenticate(bearer('good'))).status, 0);
    assert.equal((await a.authenticate(bearer('good'))).status, 0, 'cached');
    assert.equal((await a.authenticate(bearer('nobody'))).status, 401);
    assert.equal((await a.authenticate(bearer('junk'))).status, 503);
    assert.deepEqual(a.adminState()['results'], { active: 1, inactive: 1, error: 1 });
    assert.deepEqual(a.adminState()['cache'], { hits: 1, misses: 3 });
    assert.equal(a.adminState()['cachedAnswers'], 2, 'the active and the inactive answer; a failure is not cached');
  } finally {
    await as.close();
  }
  // A discovery document that cannot be read: no introspection call is possible, counted as an error.
  const down = authenticator(as.discoveryUri);
  assert.equal((await down.authenticate(bearer('good'))).status, 503);
  assert.deepEqual(down.adminState()['results'], { active: 0, inactive: 0, error: 1 });
  assert.match(String(down.adminState()['lastError']), /discovery document/);
});
