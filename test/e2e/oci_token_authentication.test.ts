/**
 * TOKEN_AUTHENTICATION exactly as OCI exports it, served unchanged through `specificationFile`:
 * the `oci` CLI's whole answer (kebab-case, `data` wrapper, nulls; REMOTE_JWKS) and the REST
 * API's camelCase specification (STATIC_KEYS). OCI puts `additionalValidationPolicy` inside
 * `validationPolicy`; real tokens are checked against its issuers, audiences and verifyClaims.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startGateway, ROOT, type RunningGatewayProcess } from '../helpers/gateway.ts';
import { JwksServer, makeKey, signToken, type TestKey } from '../helpers/jwks_server.ts';

const now = () => Math.floor(Date.now() / 1000);

describe('regression: OCI TOKEN_AUTHENTICATION exports load and validate tokens (additionalValidationPolicy inside validationPolicy) (e2e)', () => {
  let idp: JwksServer;
  let remoteKey: TestKey;
  let staticKey: TestKey;
  let gw: RunningGatewayProcess;

  before(async () => {
    idp = await JwksServer.start();
    remoteKey = await makeKey('RS256', 'remote');
    staticKey = await makeKey('RS256', 'static');
    idp.keys = [remoteKey];
    gw = await startGateway({
      config: {
        deployments: [
          { name: 'cli', pathPrefix: '/cli', specificationFile: 'cli-export.json' },
          { name: 'rest', pathPrefix: '/rest', specificationFile: 'rest-export.json' },
        ],
      },
      files: {
        'cli-export.json': readFileSync(join(ROOT, 'test/fixtures/oci/token-authentication-cli.json'), 'utf8'),
        'rest-export.json': readFileSync(join(ROOT, 'test/fixtures/oci/token-authentication-rest.json'), 'utf8'),
      },
      env: { JWKS_URI: idp.jwksUri, ISSUER: idp.issuer, STATIC_KID: staticKey.kid, STATIC_N: String(staticKey.publicJwk.n) },
    });
  });
  after(async () => {
    await gw?.stop();
    await idp?.stop();
  });

  async function status(path: string, token: string): Promise<number> {
    const res = await fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
    return res.status;
  }

  for (const [name, key] of [['cli', () => remoteKey], ['rest', () => staticKey]] as const) {
    it(`${name} export: the policy's issuers, audiences and verifyClaims apply`, async () => {
      const claims = (over: Record<string, unknown> = {}) => ({ iss: idp.issuer, aud: 'orders-api', exp: now() + 600, tenant: 'acme', scope: 'orders:read', ...over });
      const path = `/${name}/list`;
      const ok = await fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${await signToken(key(), claims())}` } });
      assert.equal(ok.status, 200);
      assert.deepEqual(await ok.json(), { orders: [] });
      assert.equal(await status(path, await signToken(key(), claims({ aud: 'another-api' }))), 401, 'audiences');
      assert.equal(await status(path, await signToken(key(), claims({ iss: 'https://elsewhere/' }))), 401, 'issuers');
      assert.equal(await status(path, await signToken(key(), claims({ tenant: undefined }))), 401, 'verifyClaims, isRequired');
      assert.equal(await status(path, await signToken(key(), claims({ scope: 'orders:write' }))), 403, 'route ANY_OF');
      // The access log says which check refused each token (it is written after the answer).
      await gw.waitFor((r) => r['msg'] === 'access' && r['path'] === path && r['auth'] === 'scope_insufficient');
      const reasons = gw.records().filter((r) => r['msg'] === 'access' && r['path'] === path).map((r) => r['auth']);
      assert.deepEqual(reasons, ['ok', 'audience_invalid', 'issuer_invalid', 'claim_invalid', 'scope_insufficient']);
    });
  }
});
