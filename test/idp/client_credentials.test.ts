import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { clientCredentials, type GrantContext } from '../../src/idp/client_credentials.ts';
import type { ApiRecord, ClientRecord, GrantRecord, KeyRecord } from '../../src/idp/model.ts';
import { apiRecord, clientRecord } from '../../src/idp/operations.ts';
import { SecretVerifier } from '../../src/idp/secret_hash.ts';
import { ensureFamily } from '../../src/idp/signing_keys.ts';
import { buildSnapshot } from '../../src/idp/snapshot.ts';
import type { TokenParams } from '../../src/idp/token_request.ts';

const ISSUER = 'http://localhost:4000/';
const now = new Date('2026-11-28T10:00:00Z');
const nowSec = Math.floor(now.getTime() / 1000);

async function fixture() {
  const keys: KeyRecord[] = [];
  for (const alg of ['RS256', 'PS256', 'ES256', 'EdDSA'] as const) keys.push(...(await ensureFamily(keys, alg, now, 'localhost')));
  const mk = (identifier: string, extra: Partial<Parameters<typeof apiRecord>[0]> = {}): ApiRecord =>
    apiRecord({ identifier, scopes: ['read:a', 'write:a', 'admin:a'], ...extra }, null, 'config', now);
  const apis = [
    mk('https://auth0-jwt-authorizer'),
    mk('es', { signingAlg: 'ES256' }),
    mk('ps', { signingAlg: 'PS256' }),
    mk('ed', { signingAlg: 'EdDSA' }),
    mk('hs', { signingAlg: 'HS256', signingSecret: 'a-very-long-shared-secret' }),
    mk('r9', { tokenDialect: 'rfc9068_profile', tokenLifetimeSec: 600 }),
    mk('authz', { tokenDialect: 'access_token_authz' }),
    mk('nogrant'),
  ];
  const app = clientRecord({ name: 'app', clientId: 'app', clientSecret: 'sec' }, 'config', now).client;
  const noCc = clientRecord({ name: 'nocc', clientId: 'nocc', clientSecret: 'sec', grantTypes: [] }, 'config', now).client;
  const clients: ClientRecord[] = [app, noCc];
  const grants: GrantRecord[] = apis
    .filter((a) => a.identifier !== 'nogrant')
    .map((a, i) => ({ id: `g${i}`, clientId: 'app', apiId: a.id, scopes: ['read:a', 'write:a'] }));
  const snapshot = buildSnapshot({ apis, clients, grants, keys }, 1, ISSUER);
  const ctx: GrantContext = { snapshot, secrets: new SecretVerifier(), defaultAudience: undefined, nowSec };
  const jwks = createLocalJWKSet(JSON.parse(snapshot.jwksBody) as JSONWebKeySet);
  return { ctx, jwks, snapshot };
}

const params = (p: Partial<TokenParams>): TokenParams => ({
  grantType: 'client_credentials', clientId: 'app', clientSecret: 'sec', audience: 'https://auth0-jwt-authorizer', scopes: undefined, ...p,
});

test('a token has Auth0 claims in Auth0 order, and every granted scope by default', async () => {
  const { ctx, jwks } = await fixture();
  const out = await clientCredentials(ctx, params({}));
  assert.equal(out.status, 200);
  const body = out.body as { access_token: string };
  assert.deepEqual(Object.keys(out.body), ['access_token', 'scope', 'expires_in', 'token_type']);
  assert.deepEqual({ ...out.body, access_token: 'x' }, { access_token: 'x', scope: 'read:a write:a', expires_in: 86400, token_type: 'Bearer' });
  const { payload, protectedHeader } = await jwtVerify(body.access_token, jwks, { issuer: ISSUER, audience: 'https://auth0-jwt-authorizer', currentDate: now });
  assert.deepEqual(Object.keys(protectedHeader), ['alg', 'typ', 'kid']);
  assert.equal(protectedHeader.typ, 'JWT');
  assert.deepEqual(payload, {
    iss: ISSUER, sub: 'app@clients', aud: 'https://auth0-jwt-authorizer', iat: nowSec, exp: nowSec + 86400,
    scope: 'read:a write:a', gty: 'client-credentials', azp: 'app',
  });
  assert.deepEqual(Object.keys(payload), ['iss', 'sub', 'aud', 'iat', 'exp', 'scope', 'gty', 'azp']);
});

test('every signing algorithm verifies with jose against the published JWKS (HS256 with the API secret)', async () => {
  const { ctx, jwks } = await fixture();
  for (const aud of ['es', 'ps', 'ed', 'hs']) {
    const out = await clientCredentials(ctx, params({ audience: aud }));
    assert.equal(out.status, 200, aud);
    const token = (out.body as { access_token: string }).access_token;
    const header = decodeProtectedHeader(token);
    const key = aud === 'hs' ? new TextEncoder().encode('a-very-long-shared-secret') : jwks;
    const { payload } = await jwtVerify(token, key as Parameters<typeof jwtVerify>[1], { issuer: ISSUER, audience: aud, currentDate: now });
    assert.equal(payload['sub'], 'app@clients');
    assert.equal(header.alg, { es: 'ES256', ps: 'PS256', ed: 'EdDSA', hs: 'HS256' }[aud]);
    assert.equal('kid' in header, aud !== 'hs', 'HS256 tokens carry no kid (Auth0)');
  }
});

test('rfc9068_profile: typ at+jwt, client_id and jti instead of azp; authz dialect adds permissions', async () => {
  const { ctx, jwks } = await fixture();
  const out = await clientCredentials(ctx, params({ audience: 'r9', scopes: ['read:a'] }));
  const token = (out.body as { access_token: string }).access_token;
  const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer: ISSUER, audience: 'r9', currentDate: now, typ: 'at+jwt' });
  assert.equal(protectedHeader.typ, 'at+jwt');
  assert.equal(payload['client_id'], 'app');
  assert.equal(payload['azp'], undefined);
  assert.match(String(payload['jti']), /^[0-9a-f-]{36}$/);
  assert.equal(payload.exp, nowSec + 600);
  assert.equal((out.body as { expires_in: number }).expires_in, 600);

  const authz = await clientCredentials(ctx, params({ audience: 'authz' }));
  const p2 = (await jwtVerify((authz.body as { access_token: string }).access_token, jwks, { currentDate: now })).payload;
  assert.deepEqual(p2['permissions'], ['read:a', 'write:a']);
});

test('errors carry Auth0 statuses and strings', async () => {
  const { ctx } = await fixture();
  const cases: [Partial<TokenParams>, number, Record<string, string>][] = [
    [{ clientSecret: 'wrong' }, 401, { error: 'access_denied', error_description: 'Unauthorized' }],
    [{ clientId: 'unknown' }, 401, { error: 'access_denied', error_description: 'Unauthorized' }],
    [{ clientSecret: undefined }, 401, { error: 'access_denied', error_description: 'Unauthorized' }],
    [{ audience: 'https://nope' }, 403, { error: 'access_denied', error_description: 'Service not enabled within domain: https://nope' }],
    [{ audience: 'https://auth0-jwt-authorizer/' }, 403, { error: 'access_denied', error_description: 'Service not enabled within domain: https://auth0-jwt-authorizer/' }],
    [{ audience: 'nogrant' }, 403, { error: 'access_denied', error_description: 'Client "app" is not authorized to access resource server "nogrant".' }],
    [{ scopes: ['read:a', 'admin:a', 'x:y'] }, 403, { error: 'access_denied', error_description: 'Client has not been granted scopes: admin:a x:y' }],
    [{ audience: undefined }, 403, { error: 'access_denied', error_description: 'No audience parameter was provided, and no default audience has been configured' }],
    [{ clientId: 'nocc' }, 403, { error: 'unauthorized_client', error_description: "Grant type 'client_credentials' not allowed for the client.", error_uri: 'https://auth0.com/docs/clients/client-grant-types' }],
    [{ grantType: 'password' }, 403, { error: 'unauthorized_client', error_description: "Grant type 'password' not allowed for the client.", error_uri: 'https://auth0.com/docs/clients/client-grant-types' }],
    [{ grantType: undefined }, 400, { error: 'invalid_request', error_description: 'Missing required parameter: grant_type' }],
    [{ clientId: undefined }, 400, { error: 'invalid_request', error_description: 'Missing required parameter: client_id' }],
  ];
  for (const [p, status, body] of cases) {
    const out = await clientCredentials(ctx, params(p));
    assert.equal(out.status, status, JSON.stringify(p));
    assert.deepEqual(out.body, body, JSON.stringify(p));
  }
});

test('a default audience stands in for a missing one', async () => {
  const { ctx } = await fixture();
  const out = await clientCredentials({ ...ctx, defaultAudience: 'es' }, params({ audience: undefined }));
  assert.equal(out.status, 200);
});
