/**
 * The auth stage end to end: the real gateway process against a real JWKS server on loopback.
 * Covers algorithms, attacks, scopes, rotation, random-kid floods, IdP outage (stale keys, then
 * 503), key removal voiding cached decisions, and Auth0/Okta/Keycloak-shaped tokens.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, createPublicKey, randomUUID } from 'node:crypto';
import { startGateway, type RunningGatewayProcess } from '../helpers/gateway.ts';
import { startUpstream, type Upstream } from '../helpers/upstream.ts';
import { JwksServer, makeKey, signToken, type TestKey } from '../helpers/jwks_server.ts';
import { rawExchange } from '../helpers/raw_http.ts';
import { jwtPolicy } from '../helpers/policies.ts';
import { eventually } from '../helpers/eventually.ts';

const AUD = 'https://auth0-jwt-authorizer';
const ENTRA_ISS = 'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0';
const stock = (body: string) => ({ type: 'STOCK_RESPONSE_BACKEND', status: 200, body, headers: [{ name: 'content-type', value: 'text/plain' }] });
const now = () => Math.floor(Date.now() / 1000);
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

async function get(gw: RunningGatewayProcess, path: string, token?: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${gw.url}${path}`, { headers: token === undefined ? headers : { authorization: `Bearer ${token}`, ...headers } });
  return { status: res.status, body: await res.text(), challenge: res.headers.get('www-authenticate') };
}

async function adminJson(gw: RunningGatewayProcess, path: string): Promise<Record<string, unknown>> {
  return (await (await fetch(`${gw.adminUrl}${path}`)).json()) as Record<string, unknown>;
}

describe('JWT authentication and scope authorization (e2e)', () => {
  let idp: JwksServer;
  let discovery: JwksServer;
  let upstream: Upstream;
  let gw: RunningGatewayProcess;
  const keys: Record<string, TestKey> = {};
  const claims = (over: Record<string, unknown> = {}) => ({ iss: idp.issuer, aud: AUD, exp: now() + 600, iat: now(), sub: 'client-1@clients', azp: 'client-1', gty: 'client-credentials', scope: 'read:hello', ...over });

  before(async () => {
    idp = await JwksServer.start();
    upstream = await startUpstream();
    for (const alg of ['RS256', 'PS256', 'ES256', 'EdDSA']) keys[alg] = await makeKey(alg, `kid-${alg}`);
    idp.keys = Object.values(keys);
    discovery = await JwksServer.start();
    discovery.keys = [keys['ES256']!];
    const jwks = { type: 'REMOTE_JWKS', uri: idp.jwksUri, maxCacheDurationInHours: 1 };
    gw = await startGateway({
      config: {
        deployments: [
          {
            name: 'hello',
            pathPrefix: '/v1',
            specification: {
              requestPolicies: {
                authentication: jwtPolicy({
                  issuer: idp.issuer,
                  audience: AUD,
                  jwksUri: idp.jwksUri,
                  isAnonymousAccessAllowed: true,
                  verifyClaims: [{ key: 'gty', values: ['client-credentials'], isRequired: true }],
                  maxClockSkewInSeconds: 30,
                  maxTokenSizeInBytes: 8192,
                }),
              },
              routes: [
                { path: '/hello', methods: ['GET'], backend: stock('hello'), requestPolicies: { authorization: { type: 'ANY_OF', allowedScope: ['read:hello'] } } },
                { path: '/any', methods: ['GET'], backend: stock('any') },
                { path: '/public', methods: ['GET'], backend: stock('public'), requestPolicies: { authorization: { type: 'ANONYMOUS' } } },
                { path: '/me', methods: ['GET'], backend: { type: 'HTTP_BACKEND', url: `${upstream.url}/echo/\${request.auth[sub]}?client=\${request.auth[azp]}` } },
              ],
            },
          },
          // Okta: iss without slash, aud api://default, scp array, no typ header.
          { name: 'okta', pathPrefix: '/okta', specification: { requestPolicies: { authentication: { type: 'JWT_AUTHENTICATION', issuers: ['https://dev-1.okta.com/oauth2/default'], audiences: ['api://default'], publicKeys: jwks } }, routes: [{ path: '/r', backend: stock('okta'), requestPolicies: { authorization: { type: 'ANY_OF', allowedScope: ['orders.read'] } } }] } },
          // Keycloak: iss .../realms/r, aud array, scope string, OCI's newer TOKEN_AUTHENTICATION shape.
          { name: 'keycloak', pathPrefix: '/kc', specification: { requestPolicies: { authentication: { type: 'TOKEN_AUTHENTICATION', validationPolicy: { ...jwks, additionalValidationPolicy: { issuers: ['https://kc.example.com/realms/demo'], audiences: ['orders-api'] } } } }, routes: [{ path: '/r', backend: stock('keycloak'), requestPolicies: { authorization: { type: 'ANY_OF', allowedScope: ['orders:read'] } } }] } },
          // OCI's TOKEN_AUTHENTICATION with OIDC discovery, token in the query string; iss defaults to the discovered issuer.
          { name: 'discovered', pathPrefix: '/disc', specification: { requestPolicies: { authentication: { type: 'TOKEN_AUTHENTICATION', tokenQueryParam: 'access_token', validationPolicy: { type: 'REMOTE_DISCOVERY', sourceUriDetails: { type: 'DISCOVERY_URI', uri: discovery.discoveryUri }, additionalValidationPolicy: { audiences: [AUD] } } } }, routes: [{ path: '/r', backend: stock('discovered') }] } },
          // Entra ID (Azure AD) v2: many group claims make large tokens; default size limit; header or query.
          { name: 'entra', pathPrefix: '/entra', specification: { requestPolicies: { authentication: { type: 'JWT_AUTHENTICATION', tokenHeader: 'Authorization', tokenAuthScheme: 'Bearer', tokenQueryParam: 'access_token', issuers: [ENTRA_ISS], audiences: ['api://orders'], publicKeys: jwks } }, routes: [{ path: '/r', backend: stock('entra') }] } },
          // The allowedAlgorithms extension: ES256 only.
          { name: 'strict', pathPrefix: '/strict', specification: { requestPolicies: { authentication: jwtPolicy({ issuer: idp.issuer, audience: AUD, jwksUri: idp.jwksUri, allowedAlgorithms: ['ES256'] }) }, routes: [{ path: '/r', backend: stock('strict') }] } },
          // OCI allows TOKEN_AUTHENTICATION without audiences: it loads, with a warning.
          { name: 'noaud', pathPrefix: '/noaud', specification: { requestPolicies: { authentication: { type: 'TOKEN_AUTHENTICATION', validationPolicy: { ...jwks, additionalValidationPolicy: { issuers: [idp.issuer] } } } }, routes: [{ path: '/r', backend: stock('noaud') }] } },
          { name: 'open', pathPrefix: '/open', specification: { routes: [{ path: '/r', backend: stock('open') }] } },
        ],
      },
    });
  });

  after(async () => {
    await gw?.stop();
    await idp?.stop();
    await discovery?.stop();
    await upstream?.close();
  });

  /** After hostile input the gateway still serves: the open route, and a valid token on the protected one. */
  async function assertHealthy(): Promise<void> {
    assert.equal((await get(gw, '/open/r')).status, 200);
    assert.equal((await get(gw, '/v1/hello', await signToken(keys['RS256']!, claims()))).status, 200);
  }

  it('accepts valid RS256, PS256, ES256 and EdDSA tokens; one JWKS fetch serves every deployment', async () => {
    for (const [alg, key] of Object.entries(keys)) {
      const r = await get(gw, '/v1/hello', await signToken(key, claims()));
      assert.deepEqual([r.status, r.body], [200, 'hello'], alg);
    }
    assert.equal(idp.fetches, 1, 'several deployments, one URI, one store');
    const ready = await fetch(`${gw.adminUrl}/health/ready`);
    assert.equal(ready.status, 200);
  });

  it('passes claims downstream: request.auth[claim] in HTTP_BACKEND URLs', async () => {
    const r = await get(gw, '/v1/me', await signToken(keys['RS256']!, claims()));
    assert.equal(r.status, 200, r.body);
    assert.equal(upstream.received.at(-1)!.url, '/echo/client-1%40clients?client=client-1');
  });

  it('refuses every attack with 401 invalid_token and logs the precise reason, never telling the client', async () => {
    const rsa = keys['RS256']!;
    const good = await signToken(rsa, claims());
    const [, payload, sig] = good.split('.') as [string, string, string];
    const pem = createPublicKey({ key: rsa.publicJwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string;
    const hsInput = `${b64({ alg: 'HS256', kid: rsa.kid, typ: 'JWT' })}.${payload}`;
    const attacks: [string, string][] = [
      [`${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`, 'token_malformed'],
      [`${b64({ alg: 'none', kid: rsa.kid })}.${payload}.${sig}`, 'alg_not_allowed'],
      [`${hsInput}.${createHmac('sha256', pem).update(hsInput).digest('base64url')}`, 'alg_not_allowed'],
      [await signToken(rsa, claims(), { jku: `${idp.url}/evil.json` }), 'header_forbidden'],
      [await signToken(rsa, claims(), { x5u: `${idp.url}/evil.pem` }), 'header_forbidden'],
      [await signToken(rsa, claims(), { jwk: rsa.publicJwk }), 'header_forbidden'],
      [await signToken(await makeKey('RS256', rsa.kid), claims()), 'signature_invalid'],
      [`${good.split('.')[0]}.${b64({ ...claims(), scope: 'admin' })}.${sig}`, 'signature_invalid'],
      [await signToken(rsa, claims({ exp: now() - 60 })), 'expired'],
      [await signToken(rsa, claims({ nbf: now() + 300 })), 'not_yet_valid'],
      [await signToken(rsa, claims({ exp: undefined })), 'exp_missing'],
      [await signToken(rsa, claims({ iss: idp.issuer.slice(0, -1) })), 'issuer_invalid'],
      [await signToken(rsa, claims({ aud: 'https://someone-else' })), 'audience_invalid'],
      [await signToken(rsa, claims({ gty: 'password' })), 'claim_invalid'],
      [await signToken(rsa, claims({ blob: 'x'.repeat(10_000) })), 'token_too_large'],
      ['not-a-token', 'token_malformed'],
    ];
    for (const [token, reason] of attacks) {
      const r = await get(gw, '/v1/hello', token);
      assert.equal(r.status, 401, reason);
      assert.equal(r.challenge, 'Bearer error="invalid_token"', reason);
      assert.ok(!r.body.includes(reason) && !/expired|signature|issuer|audience|kid/i.test(r.body), `generic body: ${r.body}`);
    }
    // The reasons are in the access log, in /admin/auth and in the metrics.
    // Wait for every line: an earlier attack also logs token_malformed, so waiting for one reason is not enough.
    const reasonsLogged = () => new Set(gw.records().filter((rec) => rec['msg'] === 'access').map((rec) => rec['auth']));
    await eventually('every refused request has its access line', () => attacks.every(([, reason]) => reasonsLogged().has(reason)));
    const logged = gw.records().filter((rec) => rec['msg'] === 'access' && rec['status'] === 401).map((rec) => rec['auth']);
    for (const [, reason] of attacks) assert.ok(logged.includes(reason), `access log has ${reason}`);
    const state = await adminJson(gw, '/admin/auth');
    const byReason = state['failuresByReason'] as Record<string, number>;
    for (const [, reason] of attacks) assert.ok((byReason[reason] ?? 0) >= 1, `admin has ${reason}`);
    assert.ok((state['recentFailures'] as unknown[]).length > 0);
    const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
    assert.match(metrics, /gatehouse_auth_decisions_total\{deployment="hello",outcome="denied",reason="signature_invalid"\} [1-9]/);
    assert.match(metrics, /gatehouse_jwks_keys\{uri="[^"]+"\} 4/);
    assert.ok(!(await gw.settledLogs()).some((l) => l.includes(good)), 'tokens never logged');
    await assertHealthy();
  });

  it('two Authorization headers are refused; a missing token gets a bare challenge', async () => {
    const token = await signToken(keys['RS256']!, claims());
    // Raw bytes: node's client would not send two Authorization headers as they are.
    const two = await rawExchange(gw.url, `GET /v1/hello HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nAuthorization: Bearer other\r\nConnection: close\r\n\r\n`);
    assert.equal(two.status, 401);
    const missing = await get(gw, '/v1/hello');
    assert.deepEqual([missing.status, missing.challenge], [401, 'Bearer']);
    await assertHealthy();
  });

  it('authorization: 403 insufficient_scope; AUTHENTICATION_ONLY by default; ANONYMOUS routes', async () => {
    const noScope = await signToken(keys['ES256']!, claims({ scope: 'write:hello' }));
    const r = await get(gw, '/v1/hello', noScope);
    assert.deepEqual([r.status, r.challenge], [403, 'Bearer error="insufficient_scope"']);
    assert.equal((await get(gw, '/v1/any', noScope)).status, 200);
    assert.equal((await get(gw, '/v1/any')).status, 401, 'anonymous allowed by the policy, but the route needs a token');
    assert.deepEqual([(await get(gw, '/v1/public')).status, (await get(gw, '/v1/public')).body], [200, 'public']);
    assert.equal((await get(gw, '/v1/public', 'garbage')).status, 401, 'a token that is present must be valid');
    assert.equal((await get(gw, '/open/r')).status, 200);
  });

  it('accepts Auth0-, Okta- and Keycloak-shaped tokens under their own issuers and scope claims', async () => {
    const auth0 = await signToken(keys['RS256']!, { iss: idp.issuer, sub: 'abc@clients', aud: AUD, iat: now(), exp: now() + 86400, scope: 'read:hello write:hello', gty: 'client-credentials', azp: 'abc' });
    assert.equal((await get(gw, '/v1/hello', auth0)).status, 200);
    const okta = await signToken(keys['RS256']!, { ver: 1, jti: 'AT.x', iss: 'https://dev-1.okta.com/oauth2/default', aud: 'api://default', iat: now(), exp: now() + 3600, cid: '0oa1', sub: '0oa1', scp: ['orders.read'] }, { typ: undefined });
    assert.equal((await get(gw, '/okta/r', okta)).status, 200);
    const oktaNoScope = await signToken(keys['RS256']!, { iss: 'https://dev-1.okta.com/oauth2/default', aud: 'api://default', exp: now() + 3600, scp: ['orders.write'] });
    assert.equal((await get(gw, '/okta/r', oktaNoScope)).status, 403);
    const keycloak = await signToken(keys['PS256']!, { exp: now() + 300, iat: now(), jti: randomUUID(), iss: 'https://kc.example.com/realms/demo', aud: ['orders-api', 'account'], sub: randomUUID(), typ: 'Bearer', azp: 'orders-client', scope: 'profile orders:read email', realm_access: { roles: ['offline_access'] }, preferred_username: 'service-account-orders-client' });
    assert.equal((await get(gw, '/kc/r', keycloak)).status, 200);
    const kcDefaultAud = await signToken(keys['PS256']!, { exp: now() + 300, iss: 'https://kc.example.com/realms/demo', aud: 'account', scope: 'orders:read' });
    assert.equal((await get(gw, '/kc/r', kcDefaultAud)).status, 401, 'Keycloak\'s default aud "account" is not the API');
    assert.equal((await get(gw, '/v1/hello', okta)).status, 401, 'issuers do not leak across deployments');
  });

  it('TOKEN_AUTHENTICATION with REMOTE_DISCOVERY and a query-parameter token', async () => {
    const good = await signToken(keys['ES256']!, claims({ iss: discovery.issuer }));
    const r = await get(gw, `/disc/r?access_token=${good}`, undefined);
    assert.deepEqual([r.status, r.body], [200, 'discovered']);
    assert.equal(discovery.discoveryFetches, 1);
    const otherIssuer = await signToken(keys['ES256']!, claims());
    assert.equal((await get(gw, `/disc/r?access_token=${otherIssuer}`)).status, 401, 'iss must be the discovered issuer');
    assert.equal((await get(gw, '/disc/r', good)).status, 401, 'this policy reads the query parameter only');
    const admin = await adminJson(gw, '/admin/auth');
    const src = (admin['jwks'] as Record<string, unknown>[]).find((j) => j['type'] === 'REMOTE_DISCOVERY')!;
    assert.equal(src['jwksUri'], discovery.jwksUri);
    assert.equal(src['issuer'], discovery.issuer);
  });

  it('regression: a 12 KiB Entra ID token (many groups) is accepted by default, in the header and in the query', async () => {
    const groups = Array.from({ length: 250 }, () => randomUUID());
    // Entra ID backdates iat and nbf by five minutes.
    const token = await signToken(keys['RS256']!, {
      aud: 'api://orders', iss: ENTRA_ISS, iat: now() - 300, nbf: now() - 300, exp: now() + 3600, ver: '2.0', tid: '72f988bf-86f1-41af-91ab-2d7cd011db47',
      oid: randomUUID(), sub: randomUUID(), azp: randomUUID(), scp: 'Orders.Read', groups, name: 'Ada Lovelace', preferred_username: 'ada@contoso.com',
    });
    assert.ok(token.length >= 12 * 1024 && token.length < 14 * 1024, `${token.length} bytes`);
    const inHeader = await get(gw, '/entra/r', token);
    assert.deepEqual([inHeader.status, inHeader.body], [200, 'entra']);
    const inQuery = await get(gw, `/entra/r?access_token=${token}`);
    assert.deepEqual([inQuery.status, inQuery.body], [200, 'entra']);
    // The hello deployment sets maxTokenSizeInBytes: 8192, so the same size is refused there.
    assert.equal((await get(gw, '/v1/hello', await signToken(keys['RS256']!, claims({ groups })))).status, 401);
    await gw.waitFor((rec) => rec['msg'] === 'access' && rec['path'] === '/v1/hello' && rec['auth'] === 'token_too_large');
  });

  it('allowedAlgorithms (extension): a token with another alg is refused as alg_not_allowed', async () => {
    const c = { iss: idp.issuer, aud: AUD, exp: now() + 600, jti: randomUUID() };
    assert.equal((await get(gw, '/strict/r', await signToken(keys['ES256']!, c))).status, 200);
    const r = await get(gw, '/strict/r', await signToken(keys['RS256']!, c));
    assert.deepEqual([r.status, r.challenge], [401, 'Bearer error="invalid_token"']);
    await gw.waitFor((rec) => rec['msg'] === 'access' && rec['path'] === '/strict/r' && rec['auth'] === 'alg_not_allowed');
  });

  it('regression: TOKEN_AUTHENTICATION without audiences serves, and /admin/auth lists the warning with its path', async () => {
    const r = await get(gw, '/noaud/r', await signToken(keys['RS256']!, { iss: idp.issuer, aud: 'any-api-at-all', exp: now() + 600 }));
    assert.equal(r.status, 200, 'aud is not checked, as in OCI');
    const warnings = (await adminJson(gw, '/admin/auth'))['warnings'] as { path: string; message: string }[];
    const path = 'deployments[6].specification.requestPolicies.authentication.validationPolicy.additionalValidationPolicy.audiences';
    const found = warnings.find((w) => w.path === path);
    assert.ok(found, JSON.stringify(warnings));
    assert.match(found.message, /^no audiences: the aud claim is not checked/);
    assert.equal(warnings.filter((w) => w.path.endsWith('.audiences')).length, 1, 'only the deployment without audiences');
    assert.ok(gw.records().some((rec) => String(rec['msg']).includes(path)), 'serve logs it at start');
  });

  it('rotation: a new kid is accepted at once, without restart', async () => {
    const rotated = await makeKey('ES256', `rotated-${randomUUID()}`);
    idp.keys.push(rotated);
    const before = idp.fetches;
    const r = await get(gw, '/v1/hello', await signToken(rotated, claims()));
    assert.equal(r.status, 200);
    assert.equal(idp.fetches, before + 1);
  });

  it('a flood of random kids causes at most one JWKS fetch per cooldown', async () => {
    const before = idp.fetches;
    const forger = await makeKey('RS256', 'x');
    const tokens = await Promise.all(Array.from({ length: 200 }, () => signToken(forger, claims(), { kid: randomUUID() })));
    const statuses = await Promise.all(tokens.map((t) => get(gw, '/v1/hello', t).then((r) => r.status)));
    assert.ok(statuses.every((s) => s === 401));
    assert.ok(idp.fetches - before <= 1, `${idp.fetches - before} fetches`);
    const byReason = (await adminJson(gw, '/admin/auth'))['failuresByReason'] as Record<string, number>;
    assert.ok((byReason['kid_unknown'] ?? 0) >= 200);
    await assertHealthy();
  });

  it('a second request with the same token is served from the decision cache', async () => {
    const token = await signToken(keys['EdDSA']!, claims({ jti: randomUUID() }));
    const hits = async () => Number(/gatehouse_auth_decision_cache_total\{deployment="hello",result="hit"\} (\d+)/.exec(await (await fetch(`${gw.adminUrl}/metrics`)).text())?.[1] ?? 0);
    const misses = async () => Number(/gatehouse_auth_decision_cache_total\{deployment="hello",result="miss"\} (\d+)/.exec(await (await fetch(`${gw.adminUrl}/metrics`)).text())?.[1] ?? 0);
    assert.equal((await get(gw, '/v1/hello', token)).status, 200);
    const [h0, m0] = [await hits(), await misses()];
    for (let i = 0; i < 5; i++) assert.equal((await get(gw, '/v1/hello', token)).status, 200);
    assert.equal(await hits(), h0 + 5);
    assert.equal(await misses(), m0);
  });
});

describe('JWKS outage and key removal (e2e, short maxCacheDurationInHours)', () => {
  let idp: JwksServer;
  let gw: RunningGatewayProcess;
  let key: TestKey;
  let spare: TestKey;
  // 0.001 h = 3.6 s: keys refresh every 2.9 s (80 %) and serve at most 3.6 s after the last good fetch.
  const MAX_CACHE_MS = 3600;

  before(async () => {
    idp = await JwksServer.start();
    key = await makeKey('RS256', 'main');
    spare = await makeKey('ES256', 'spare');
    idp.keys = [key, spare];
    gw = await startGateway({
      config: {
        deployments: [
          {
            name: 'short',
            pathPrefix: '/s',
            specification: {
              requestPolicies: { authentication: { type: 'JWT_AUTHENTICATION', issuers: [idp.issuer], audiences: ['api'], publicKeys: { type: 'REMOTE_JWKS', uri: idp.jwksUri, maxCacheDurationInHours: MAX_CACHE_MS / 3_600_000 } } },
              routes: [{ path: '/r', backend: stock('ok') }],
            },
          },
        ],
      },
    });
  });
  after(async () => {
    await gw?.stop();
    await idp?.stop();
  });

  const token = (k: TestKey) => signToken(k, { iss: idp.issuer, aud: 'api', exp: now() + 600, jti: randomUUID() });

  it('a key removed from the JWKS is refused after the next refresh, even for a cached decision', async () => {
    const t = await token(spare);
    assert.equal((await get(gw, '/s/r', t)).status, 200);
    assert.equal((await get(gw, '/s/r', t)).status, 200, 'cached');
    idp.keys = [key];
    const fetches = idp.fetches;
    // The background refresh (every 2.9 s) drops the key; the cached decision goes with it.
    await eventually('the removed key is refused', async () => (await get(gw, '/s/r', t)).status === 401, { timeoutMs: 3 * MAX_CACHE_MS, intervalMs: 100 });
    assert.ok(idp.fetches > fetches, 'refused because of a refresh');
    await gw.waitFor((rec) => rec['msg'] === 'access' && rec['path'] === '/s/r' && rec['auth'] === 'kid_unknown');
  });

  it('IdP down: last good keys keep serving, then 503 once they are older than the max cache duration', async () => {
    const cached = await token(key);
    assert.equal((await get(gw, '/s/r', cached)).status, 200);
    // Wait for a fresh good fetch, then take the IdP down.
    const lastGoodFetch = async () => Date.parse(String(((await adminJson(gw, '/admin/auth'))['jwks'] as Record<string, unknown>[])[0]!['lastGoodFetch']));
    const before = await lastGoodFetch();
    await eventually('a fresh good fetch', async () => (await lastGoodFetch()) > before, { timeoutMs: 3 * MAX_CACHE_MS });
    idp.mode = 'error';
    const lastGood = await lastGoodFetch();
    assert.equal((await get(gw, '/s/r', cached)).status, 200, 'cached decision, stale keys');
    assert.equal((await get(gw, '/s/r', await token(key))).status, 200, 'new token verified with stale keys');
    await eventually('503 once the keys are too old', async () => (await get(gw, '/s/r', cached)).status === 503, { timeoutMs: 3 * MAX_CACHE_MS, intervalMs: 100 });
    // Not before: the keys served for the whole max cache duration (the gateway's clock has 100 ms resolution).
    assert.ok(Date.now() - lastGood >= MAX_CACHE_MS - 100, `503 after ${Date.now() - lastGood} ms`);
    const r1 = await get(gw, '/s/r', cached);
    const r2 = await get(gw, '/s/r', await token(key));
    assert.deepEqual([r1.status, r2.status], [503, 503]);
    assert.equal(r1.challenge, null);
    const state = await adminJson(gw, '/admin/auth');
    const jwks = (state['jwks'] as Record<string, unknown>[])[0]!;
    assert.equal(jwks['usable'], false);
    assert.match(String(jwks['lastError']), /HTTP 500/);
    assert.equal((await fetch(`${gw.adminUrl}/health/ready`)).status, 503, 'not ready without usable keys');
    // Recovery without restart.
    idp.mode = 'ok';
    await eventually('recovered', async () => (await get(gw, '/s/r', cached)).status === 200, { timeoutMs: 10_000, intervalMs: 200 });
  });
});
