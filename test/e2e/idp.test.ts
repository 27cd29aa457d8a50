/**
 * End-to-end: the real `gatehouse idp serve` process answers Auth0's documented curl commands,
 * every error case with Auth0's strings, publishes a JWKS that jose verifies against, rotates and
 * revokes keys as Auth0 does (seen from a verifier), and guards its management API.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { BIN, freePort, startIdp, tokenRequest, type IdpProcess } from '../idp/idp_process.ts';
import { eventually } from '../helpers/eventually.ts';

const run = promisify(execFile);
const AUD = 'https://auth0-jwt-authorizer';
const SECRET = 'test-secret-from-env';

let dir: string;
let idp: IdpProcess;
let issuer: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-idp-e2e-'));
  const port = await freePort();
  idp = await startIdp(
    dir,
    {
      port,
      apis: [
        { name: 'JWT Authorizer', identifier: AUD, scopes: ['read:hello', 'write:hello'] },
        { name: 'ES API', identifier: 'https://es-api', signingAlg: 'ES256', scopes: ['read:x'] },
        { name: 'Ungranted', identifier: 'https://ungranted' },
      ],
      applications: [
        {
          name: 'Test Application', clientId: 'test-client', clientSecret: '${TEST_CLIENT_SECRET}',
          grants: [{ audience: AUD, scopes: ['read:hello'] }, { audience: 'https://es-api', scopes: ['read:x'] }],
        },
        { name: 'No client credentials', clientId: 'no-cc', clientSecret: 'x', grantTypes: [] },
      ],
      management: { clientId: 'mgmt', clientSecret: 'mgmt-secret' },
    },
    { env: { TEST_CLIENT_SECRET: SECRET } },
  );
  issuer = idp.issuer;
});

after(async () => {
  await idp?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const localUrl = (): string => issuer.replace(/\/$/, '');
const jwks = () => createRemoteJWKSet(new URL(`${idp.url}/.well-known/jwks.json`));

async function curl(args: string[]): Promise<{ status: number; body: Record<string, unknown> }> {
  const { stdout } = await run('curl', ['--silent', '--show-error', '--write-out', '\n%{http_code}', ...args]);
  const nl = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(nl + 1)), body: JSON.parse(stdout.slice(0, nl)) as Record<string, unknown> };
}

async function mgmtToken(clientId = 'mgmt', secret = 'mgmt-secret'): Promise<string> {
  const r = await tokenRequest(idp.url, { client_id: clientId, client_secret: secret, audience: `${issuer}api/v2/`, grant_type: 'client_credentials' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return String(r.body['access_token']);
}

async function mgmt(method: string, path: string, token: string | null, body?: unknown): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null) headers['authorization'] = `Bearer ${token}`;
  const res = await fetch(`${idp.url}/api/v2${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : (JSON.parse(text) as unknown) };
}

describe("Auth0's documented curl commands, only the host changed", () => {
  test('JSON body (client_secret_post), as in the Dashboard test tab', async () => {
    const r = await curl([
      '--request', 'POST', '--url', `${localUrl()}/oauth/token`, '--header', 'content-type: application/json',
      '--data', JSON.stringify({ client_id: 'test-client', client_secret: SECRET, audience: AUD, grant_type: 'client_credentials' }),
    ]);
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body), ['access_token', 'scope', 'expires_in', 'token_type']);
    assert.equal(r.body['token_type'], 'Bearer');
    assert.equal(r.body['expires_in'], 86400);
    assert.equal(r.body['scope'], 'read:hello');
    const { payload, protectedHeader } = await jwtVerify(String(r.body['access_token']), jwks(), { issuer, audience: AUD, algorithms: ['RS256'] });
    assert.deepEqual(Object.keys(protectedHeader), ['alg', 'typ', 'kid']);
    assert.equal(protectedHeader.typ, 'JWT');
    assert.equal(payload.iss, issuer);
    assert.ok(issuer.endsWith('/'));
    assert.equal(payload.sub, 'test-client@clients');
    assert.equal(payload['gty'], 'client-credentials');
    assert.equal(payload['azp'], 'test-client');
    assert.equal(payload.exp! - payload.iat!, 86400);
  });

  test('form body (client_secret_post), as in the client-credentials docs', async () => {
    const r = await curl([
      '--request', 'POST', '--url', `${localUrl()}/oauth/token`, '--header', 'content-type: application/x-www-form-urlencoded',
      '--data', 'grant_type=client_credentials', '--data', 'client_id=test-client', '--data', `client_secret=${SECRET}`,
      '--data', `audience=${encodeURIComponent(AUD)}`,
    ]);
    assert.equal(r.status, 200);
    await jwtVerify(String(r.body['access_token']), jwks(), { issuer, audience: AUD });
  });

  test('client_secret_basic, with a JSON body and with a form body', async () => {
    const json = await curl([
      '--request', 'POST', '--url', `${localUrl()}/oauth/token`, '--user', `test-client:${SECRET}`,
      '--header', 'content-type: application/json', '--data', JSON.stringify({ audience: AUD, grant_type: 'client_credentials' }),
    ]);
    assert.equal(json.status, 200);
    const form = await curl([
      '--request', 'POST', '--url', `${localUrl()}/oauth/token`, '--user', `test-client:${SECRET}`,
      '--data', 'grant_type=client_credentials', '--data', `audience=${encodeURIComponent(AUD)}`, '--data', 'scope=read:hello',
    ]);
    assert.equal(form.status, 200);
    assert.equal(form.body['scope'], 'read:hello');
  });

  test('ES256 API: an ES256 token with the key id of the published ES256 key', async () => {
    const r = await tokenRequest(idp.url, { client_id: 'test-client', client_secret: SECRET, audience: 'https://es-api', grant_type: 'client_credentials' });
    assert.equal(r.status, 200);
    const { protectedHeader } = await jwtVerify(String(r.body['access_token']), jwks(), { issuer, audience: 'https://es-api', algorithms: ['ES256'] });
    assert.equal(protectedHeader.alg, 'ES256');
  });
});

describe('errors, with Auth0 statuses and strings', () => {
  const base = { client_id: 'test-client', client_secret: SECRET, audience: AUD, grant_type: 'client_credentials' };
  const cases: [string, Record<string, unknown>, number, Record<string, string>][] = [
    ['wrong secret', { ...base, client_secret: 'nope' }, 401, { error: 'access_denied', error_description: 'Unauthorized' }],
    ['unknown client', { ...base, client_id: 'who' }, 401, { error: 'access_denied', error_description: 'Unauthorized' }],
    ['unknown audience', { ...base, audience: 'https://nope' }, 403, { error: 'access_denied', error_description: 'Service not enabled within domain: https://nope' }],
    ['audience with a trailing slash', { ...base, audience: `${AUD}/` }, 403, { error: 'access_denied', error_description: `Service not enabled within domain: ${AUD}/` }],
    ['no client grant', { ...base, audience: 'https://ungranted' }, 403, { error: 'access_denied', error_description: 'Client "test-client" is not authorized to access resource server "https://ungranted".' }],
    ['ungranted scope', { ...base, scope: 'read:hello write:hello' }, 403, { error: 'access_denied', error_description: 'Client has not been granted scopes: write:hello' }],
    ['missing audience', { ...base, audience: undefined }, 403, { error: 'access_denied', error_description: 'No audience parameter was provided, and no default audience has been configured' }],
    ['client without the grant type', { ...base, client_id: 'no-cc', client_secret: 'x' }, 403, { error: 'unauthorized_client', error_description: "Grant type 'client_credentials' not allowed for the client.", error_uri: 'https://auth0.com/docs/clients/client-grant-types' }],
    ['missing grant_type', { ...base, grant_type: undefined }, 400, { error: 'invalid_request', error_description: 'Missing required parameter: grant_type' }],
  ];
  for (const [name, body, status, expected] of cases) {
    test(name, async () => {
      const r = await tokenRequest(idp.url, body);
      assert.equal(r.status, status);
      assert.deepEqual(r.body, expected);
    });
  }

  test('malformed bodies are 400 invalid_request; oversized ones 413; GET is 405', async () => {
    for (const [type, body] of [['application/json', '{"client_id":'], ['application/json', '"str"'], ['text/plain', 'hello'], ['application/json', JSON.stringify({ client_id: 1 })]]) {
      const res = await fetch(`${idp.url}/oauth/token`, { method: 'POST', headers: { 'content-type': type as string }, body });
      assert.equal(res.status, 400, `${type} ${body}`);
      assert.equal(((await res.json()) as { error: string }).error, 'invalid_request');
    }
    const big = await fetch(`${idp.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pad: 'x'.repeat(70_000) }) });
    assert.equal(big.status, 413);
    const get = await fetch(`${idp.url}/oauth/token`);
    assert.equal(get.status, 405);
  });
});

describe('JWKS and discovery', () => {
  test('the JWKS publishes current and next keys with Auth0 members and no private member', async () => {
    const res = await fetch(`${idp.url}/.well-known/jwks.json`);
    assert.match(res.headers.get('cache-control') ?? '', /max-age=\d+/);
    const etag = res.headers.get('etag');
    const doc = (await res.json()) as { keys: Record<string, unknown>[] };
    const rsa = doc.keys.filter((k) => k['alg'] === 'RS256');
    assert.equal(rsa.length, 2, 'current and next');
    for (const k of doc.keys) {
      for (const m of ['kid', 'use', 'alg', 'x5c', 'x5t']) assert.ok(m in k, `missing ${m}`);
      for (const m of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.ok(!(m in k), `private member ${m}`);
      const cert = new X509Certificate(Buffer.from((k['x5c'] as string[])[0]!, 'base64'));
      assert.equal(Buffer.from(String(k['x5t']), 'base64url').toString('hex').toUpperCase(), cert.fingerprint.replace(/:/g, ''));
    }
    const again = await fetch(`${idp.url}/.well-known/jwks.json`, { headers: { 'if-none-match': etag ?? '' } });
    assert.equal(again.status, 304);
  });

  test('discovery names the issuer (with its slash), the token endpoint and the JWKS', async () => {
    const doc = (await (await fetch(`${idp.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    assert.equal(doc['issuer'], issuer);
    assert.equal(doc['token_endpoint'], `${issuer}oauth/token`);
    assert.equal(doc['jwks_uri'], `${issuer}.well-known/jwks.json`);
    assert.deepEqual(doc['token_endpoint_auth_methods_supported'], ['client_secret_basic', 'client_secret_post']);
  });
});

describe('management API', () => {
  test('refuses calls without a valid management token', async () => {
    const apiToken = (await tokenRequest(idp.url, { client_id: 'test-client', client_secret: SECRET, audience: AUD, grant_type: 'client_credentials' })).body['access_token'];
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const header = decodeProtectedHeader(await mgmtToken());
    const forged = await new SignJWT({ scope: 'read:clients' }).setProtectedHeader({ alg: 'RS256', kid: header.kid! })
      .setIssuer(issuer).setAudience(`${issuer}api/v2/`).setIssuedAt().setExpirationTime('1h').sign(privateKey);
    const missing = await mgmt('GET', '/clients', null);
    assert.equal(missing.status, 401);
    assert.deepEqual(missing.body, { statusCode: 401, error: 'Unauthorized', message: 'Missing authentication' });
    for (const token of ['garbage', String(apiToken), forged]) {
      const r = await mgmt('GET', '/clients', token);
      assert.equal(r.status, 401, token.slice(0, 20));
      assert.equal((r.body as { message: string }).message, 'Invalid token');
    }
    assert.equal((await mgmt('POST', '/keys/signing/rotate', null)).status, 401);
  });

  test('CRUD in Auth0 shapes; a limited management token gets 403 insufficient_scope', async () => {
    const token = await mgmtToken();
    const rs = await mgmt('POST', '/resource-servers', token, { name: 'Orders', identifier: 'https://orders', scopes: [{ value: 'read:orders', description: 'Read' }], token_lifetime: 300 });
    assert.equal(rs.status, 201);
    assert.equal((rs.body as { signing_alg: string }).signing_alg, 'RS256');
    const app = await mgmt('POST', '/clients', token, { name: 'Reader', grant_types: ['client_credentials'] });
    assert.equal(app.status, 201);
    const { client_id: clientId, client_secret: clientSecret } = app.body as { client_id: string; client_secret: string };
    assert.equal((await mgmt('GET', `/clients/${clientId}`, token)).status, 200);
    assert.ok(!('client_secret' in ((await mgmt('GET', `/clients/${clientId}`, token)).body as object)), 'stored hashed: never shown again');

    const noGrant = await tokenRequest(idp.url, { client_id: clientId, client_secret: clientSecret, audience: 'https://orders', grant_type: 'client_credentials' });
    assert.equal(noGrant.status, 403);
    assert.equal((await mgmt('POST', '/client-grants', token, { client_id: clientId, audience: 'https://orders', scope: ['nope'] })).status, 400);
    const grant = await mgmt('POST', '/client-grants', token, { client_id: clientId, audience: 'https://orders', scope: ['read:orders'] });
    assert.equal(grant.status, 201);
    assert.equal((await mgmt('POST', '/client-grants', token, { client_id: clientId, audience: 'https://orders', scope: [] })).status, 409);
    const ok = await tokenRequest(idp.url, { client_id: clientId, client_secret: clientSecret, audience: 'https://orders', grant_type: 'client_credentials' });
    assert.equal(ok.status, 200);
    assert.equal(ok.body['expires_in'], 300);
    const list = await mgmt('GET', `/client-grants?client_id=${clientId}`, token);
    assert.deepEqual(list.body, [{ id: (grant.body as { id: string }).id, client_id: clientId, audience: 'https://orders', scope: ['read:orders'] }]);

    // A management application limited to read:clients.
    const grantMgmt = await mgmt('POST', '/client-grants', token, { client_id: clientId, audience: `${issuer}api/v2/`, scope: ['read:clients'] });
    assert.equal(grantMgmt.status, 201);
    const limited = await mgmtToken(clientId, clientSecret);
    assert.equal((await mgmt('GET', '/clients', limited)).status, 200);
    const denied = await mgmt('POST', '/keys/signing/rotate', limited);
    assert.equal(denied.status, 403);
    assert.deepEqual(denied.body, { statusCode: 403, error: 'Forbidden', message: 'Insufficient scope, expected any of: create:signing_keys', errorCode: 'insufficient_scope' });

    assert.equal((await mgmt('DELETE', `/client-grants/${(grant.body as { id: string }).id}`, token)).status, 204);
    const revoked = await tokenRequest(idp.url, { client_id: clientId, client_secret: clientSecret, audience: 'https://orders', grant_type: 'client_credentials' });
    assert.equal(revoked.status, 403);
    const rotated = await mgmt('POST', `/clients/${clientId}/rotate-secret`, token);
    const newSecret = (rotated.body as { client_secret: string }).client_secret;
    assert.equal((await tokenRequest(idp.url, { client_id: clientId, client_secret: clientSecret, audience: `${issuer}api/v2/`, grant_type: 'client_credentials' })).status, 401);
    assert.equal((await tokenRequest(idp.url, { client_id: clientId, client_secret: newSecret, audience: `${issuer}api/v2/`, grant_type: 'client_credentials' })).status, 200);
    assert.equal((await mgmt('DELETE', `/resource-servers/${(rs.body as { id: string }).id}`, token)).status, 204);
    assert.equal((await mgmt('DELETE', `/clients/${clientId}`, token)).status, 204);
    assert.equal((await tokenRequest(idp.url, { client_id: clientId, client_secret: newSecret, audience: `${issuer}api/v2/`, grant_type: 'client_credentials' })).status, 401);
  });

  test('rotation and revocation, seen from a verifier', async () => {
    const token = await mgmtToken();
    const get = () => tokenRequest(idp.url, { client_id: 'test-client', client_secret: SECRET, audience: AUD, grant_type: 'client_credentials' });
    const before = String((await get()).body['access_token']);
    const verifier = jwks();
    await jwtVerify(before, verifier, { issuer, audience: AUD });
    const keysBefore = (await mgmt('GET', '/keys/signing', token)).body as { kid: string; alg: string; current: boolean; next: boolean }[];
    const oldCurrent = keysBefore.find((k) => k.alg === 'RS256' && k.current)!.kid;
    const oldNext = keysBefore.find((k) => k.alg === 'RS256' && k.next)!.kid;

    const rotated = await mgmt('POST', '/keys/signing/rotate', token);
    assert.equal(rotated.status, 201);
    assert.equal((rotated.body as { kid: string }).kid, oldNext, 'next is promoted to current');
    const afterRotation = String((await get()).body['access_token']);
    assert.equal(decodeProtectedHeader(afterRotation).kid, oldNext);
    // The verifier already had the new current key (it was published as next) and still has the previous one.
    await jwtVerify(afterRotation, verifier, { issuer, audience: AUD });
    await jwtVerify(before, jwks(), { issuer, audience: AUD });
    const published = ((await (await fetch(`${idp.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string; alg: string }[] }).keys.filter((k) => k.alg === 'RS256');
    assert.equal(published.length, 3, 'current, next and previous');

    const refused = await mgmt('PUT', `/keys/signing/${oldNext}/revoke`, token);
    assert.equal(refused.status, 400, 'the current key cannot be revoked');
    const revoke = await mgmt('PUT', `/keys/signing/${oldCurrent}/revoke`, token);
    assert.equal(revoke.status, 200);
    assert.equal((revoke.body as { kid: string }).kid, oldCurrent);
    await assert.rejects(jwtVerify(before, jwks(), { issuer, audience: AUD }), { code: 'ERR_JWKS_NO_MATCHING_KEY' });
    await jwtVerify(afterRotation, jwks(), { issuer, audience: AUD });
    // The management token itself was signed with the revoked key: it is refused now too.
    assert.equal((await mgmt('GET', '/keys/signing', token)).status, 401);
    const listed = await mgmt('GET', `/keys/signing/${oldCurrent}`, await mgmtToken());
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    assert.equal((listed.body as { revoked: boolean }).revoked, true);
  });
});

describe('CLI against the same store while the provider runs', () => {
  const cli = (args: string[]) => run(process.execPath, [BIN, ...args, '--config', join(dir, 'gatehouse.yaml')], { cwd: dir, env: { ...process.env, TEST_CLIENT_SECRET: SECRET } });

  test('an API created with `gatehouse idp apis create` is served within a poll interval, with its test application', async () => {
    const { stdout } = await cli(['idp', 'apis', 'create', '--identifier', 'urn:cli-api', '--name', 'CLI API', '--scope', 'do:it', '--json']);
    const created = JSON.parse(stdout) as { test_application: { client_id: string; client_secret: string } };
    const { client_id, client_secret } = created.test_application;
    // The provider polls its store for changes: the new API is served after at most one poll.
    let r = await tokenRequest(idp.url, { client_id, client_secret, audience: 'urn:cli-api', grant_type: 'client_credentials' });
    await eventually(`the provider serves urn:cli-api (last answer ${r.status})`, async () => {
      r = await tokenRequest(idp.url, { client_id, client_secret, audience: 'urn:cli-api', grant_type: 'client_credentials' });
      return r.status === 200;
    }, { timeoutMs: 5000, intervalMs: 100 });
    assert.equal(r.status, 200);
    assert.equal(r.body['scope'], 'do:it');
    const human = await cli(['idp', 'apis', 'list']);
    assert.match(human.stdout, /urn:cli-api/);
  });

  test('regression: `idp keys revoke` takes a kid that starts with "-" (one thumbprint in 64 does; it was parsed as an unknown option)', async () => {
    for (const args of [['idp', 'keys', 'revoke', '-Xq3not-a-kid'], ['idp', 'keys', 'revoke', '--json', '-Xq3not-a-kid'], ['idp', '--json', 'keys', 'revoke', '-Xq3not-a-kid']]) {
      await assert.rejects(cli(args), (err: { code: number; stderr: string }) => {
        // Looked up (and not found), not refused as a usage error (exit 2).
        assert.equal(err.code, 1, err.stderr);
        assert.match(err.stderr, /signing key/i);
        assert.doesNotMatch(err.stderr, /Unknown option/);
        return true;
      });
    }
  });

  test('an id that starts with "-" is an id in every command that takes one (a client id comes from the configuration)', async () => {
    for (const args of [['idp', 'apps', 'delete', '-not-a-client'], ['idp', 'apps', 'rotate-secret', '-not-a-client'], ['idp', 'grants', 'delete', '-not-a-grant'], ['idp', 'apis', 'show', '-not-an-api']]) {
      await assert.rejects(cli(args), (err: { code: number; stderr: string }) => {
        assert.equal(err.code, 1, `${args.join(' ')}: looked up, not a usage error\n${err.stderr}`);
        assert.doesNotMatch(err.stderr, /Unknown option/);
        return true;
      });
    }
  });

  test('`gatehouse token` prints a token that verifies against the running provider', async () => {
    const { stdout } = await cli(['token', '--client-id', 'test-client', '--audience', AUD]);
    const { payload } = await jwtVerify(stdout.trim(), jwks(), { issuer, audience: AUD });
    assert.equal(payload['scope'], 'read:hello');
    await assert.rejects(cli(['token', '--client-id', 'test-client', '--audience', 'https://ungranted']), (err: { code: number; stderr: string }) => {
      assert.equal(err.code, 1);
      assert.match(err.stderr, /is not authorized to access resource server/);
      return true;
    });
    const viaHttp = await cli(['token', '--client-id', 'test-client', '--client-secret', SECRET, '--audience', AUD, '--url', idp.url, '--json']);
    assert.equal((JSON.parse(viaHttp.stdout) as { token_type: string }).token_type, 'Bearer');
  });
});
