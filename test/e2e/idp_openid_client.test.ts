/**
 * End-to-end: a client library nobody here wrote (openid-client v6) discovers the provider from
 * its issuer and obtains tokens with its client-credentials support, with both client
 * authentication methods; the tokens verify against the discovered JWKS.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { freePort, startIdp, type IdpProcess } from '../idp/idp_process.ts';

const AUD = 'https://auth0-jwt-authorizer';
let dir: string;
let idp: IdpProcess;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-idp-oidc-'));
  idp = await startIdp(dir, {
    port: await freePort(),
    apis: [{ name: 'JWT Authorizer', identifier: AUD, scopes: ['read:hello', 'write:hello'] }],
    applications: [{ name: 'Library client', clientId: 'lib-client', clientSecret: 'lib-secret', grants: [{ audience: AUD, scopes: ['read:hello', 'write:hello'] }] }],
  });
});

after(async () => {
  await idp?.stop();
  rmSync(dir, { recursive: true, force: true });
});

for (const [name, auth] of [['client_secret_post', oidc.ClientSecretPost('lib-secret')], ['client_secret_basic', oidc.ClientSecretBasic('lib-secret')]] as const) {
  test(`openid-client discovers the issuer and runs the client-credentials grant (${name})`, async () => {
    const config = await oidc.discovery(new URL(idp.issuer), 'lib-client', undefined, auth, { execute: [oidc.allowInsecureRequests] });
    assert.equal(config.serverMetadata().issuer, idp.issuer);
    const tokens = await oidc.clientCredentialsGrant(config, { audience: AUD, scope: 'read:hello' });
    assert.equal(tokens.token_type.toLowerCase(), 'bearer');
    assert.equal(tokens.scope, 'read:hello');
    // The raw field; expiresIn() counts down from when the answer arrived and may already say 86399.
    assert.equal(tokens.expires_in, 86400);
    const jwks = createRemoteJWKSet(new URL(String(config.serverMetadata().jwks_uri)));
    const { payload } = await jwtVerify(tokens.access_token, jwks, { issuer: idp.issuer, audience: AUD });
    assert.equal(payload['azp'], 'lib-client');
  });
}

test('openid-client surfaces Auth0 errors as they are', async () => {
  const config = await oidc.discovery(new URL(idp.issuer), 'lib-client', undefined, oidc.ClientSecretPost('lib-secret'), { execute: [oidc.allowInsecureRequests] });
  await assert.rejects(oidc.clientCredentialsGrant(config, { audience: 'https://nope' }), (err: { error?: string; error_description?: string; status?: number }) => {
    assert.equal(err.error, 'access_denied');
    assert.equal(err.error_description, 'Service not enabled within domain: https://nope');
    assert.equal(err.status, 403);
    return true;
  });
});
