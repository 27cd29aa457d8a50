import { test } from 'node:test';
import assert from 'node:assert/strict';
import { audienceAllowed, buildAuthContext, checkTimes, claimsAllowed, compileClaimChecks, grantedScopes, issuerAllowed } from '../../src/auth/claims.ts';

test('exp is required and must be in the future, with skew', () => {
  assert.equal(checkTimes({}, 1000, 0), 'exp_missing');
  assert.equal(checkTimes({ exp: '2000' }, 1000, 0), 'token_malformed');
  assert.equal(checkTimes({ exp: 1000 }, 1000, 0), 'expired', 'exp equal to now is expired (jose: exp <= now)');
  assert.equal(checkTimes({ exp: 1001 }, 1000, 0), null);
  assert.equal(checkTimes({ exp: 990 }, 1000, 10), 'expired');
  assert.equal(checkTimes({ exp: 991 }, 1000, 10), null, 'skew extends validity');
});

test('nbf is honoured with skew; iat must be numeric when present', () => {
  assert.equal(checkTimes({ exp: 2000, nbf: 1001 }, 1000, 0), 'not_yet_valid');
  assert.equal(checkTimes({ exp: 2000, nbf: 1000 }, 1000, 0), null);
  assert.equal(checkTimes({ exp: 2000, nbf: 1030 }, 1000, 30), null);
  assert.equal(checkTimes({ exp: 2000, nbf: 1031 }, 1000, 30), 'not_yet_valid');
  assert.equal(checkTimes({ exp: 2000, nbf: 'soon' }, 1000, 0), 'token_malformed');
  assert.equal(checkTimes({ exp: 2000, iat: 'now' }, 1000, 0), 'token_malformed');
});

test('iss is compared exactly: no trailing-slash normalisation', () => {
  assert.ok(issuerAllowed({ iss: 'https://t.auth0.com/' }, ['https://t.auth0.com/']));
  assert.ok(!issuerAllowed({ iss: 'https://t.auth0.com' }, ['https://t.auth0.com/']));
  assert.ok(!issuerAllowed({ iss: 'https://T.auth0.com/' }, ['https://t.auth0.com/']));
  assert.ok(!issuerAllowed({}, ['https://t.auth0.com/']));
  assert.ok(!issuerAllowed({ iss: ['https://t.auth0.com/'] }, ['https://t.auth0.com/']));
});

test('aud may be a string or an array; any configured audience passes', () => {
  assert.ok(audienceAllowed({ aud: 'api' }, ['api', 'other']));
  assert.ok(audienceAllowed({ aud: ['x', 'api'] }, ['api']));
  assert.ok(!audienceAllowed({ aud: ['x', 'y'] }, ['api']));
  assert.ok(!audienceAllowed({}, ['api']), 'missing aud fails when audiences are configured');
  assert.ok(!audienceAllowed({ aud: 5 }, ['5']));
});

test('verifyClaims: isRequired, any-of values, array claims, presence-only', () => {
  const checks = compileClaimChecks([
    { key: 'gty', values: ['client-credentials'], isRequired: true },
    { key: 'groups', values: ['admins', 'ops'] },
    { key: 'tenant', isRequired: true },
  ]);
  assert.ok(claimsAllowed({ gty: 'client-credentials', tenant: 't1' }, checks));
  assert.ok(!claimsAllowed({ tenant: 't1' }, checks), 'required claim missing');
  assert.ok(!claimsAllowed({ gty: 'password', tenant: 't1' }, checks), 'value not allowed');
  assert.ok(claimsAllowed({ gty: 'client-credentials', tenant: 't1', groups: ['dev', 'ops'] }, checks), 'array: one element allowed');
  assert.ok(!claimsAllowed({ gty: 'client-credentials', tenant: 't1', groups: ['dev'] }, checks), 'present optional claim must match');
  assert.ok(!claimsAllowed({ gty: 'client-credentials' }, checks), 'presence-only required claim');
  assert.ok(claimsAllowed({ ver: 1 }, compileClaimChecks([{ key: 'ver', values: ['1'], isRequired: true }])), 'numbers compare as strings');
});

test('scopes: Auth0 scope string, Okta scp array, Keycloak scope string, Azure scp string, Auth0 permissions', () => {
  assert.deepEqual([...grantedScopes({ scope: 'read:hello  write:hello' })], ['read:hello', 'write:hello']);
  assert.deepEqual([...grantedScopes({ scp: ['okta.read', 'okta.write'] })], ['okta.read', 'okta.write']);
  assert.deepEqual([...grantedScopes({ scope: 'profile email' })], ['profile', 'email']);
  assert.deepEqual([...grantedScopes({ scp: 'User.Read Files.Read' })], ['User.Read', 'Files.Read']);
  assert.deepEqual([...grantedScopes({ scope: 'a', permissions: ['b', 'a'] })], ['a', 'b']);
  assert.deepEqual([...grantedScopes({ scope: 7, scp: { x: 1 } })], []);
});

test('client id: azp, then client_id, cid, clientId; subject from sub', () => {
  assert.equal(buildAuthContext({ azp: 'a', client_id: 'b' }).clientId, 'a');
  assert.equal(buildAuthContext({ client_id: 'b', cid: 'c' }).clientId, 'b');
  assert.equal(buildAuthContext({ cid: 'c' }).clientId, 'c');
  assert.equal(buildAuthContext({ clientId: 'd' }).clientId, 'd');
  assert.equal(buildAuthContext({ sub: 'abc@clients' }).subject, 'abc@clients');
  assert.equal(buildAuthContext({}).clientId, undefined);
});
