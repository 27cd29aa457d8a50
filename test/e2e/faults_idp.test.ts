/**
 * Identity-provider faults end to end: the real gateway against real JWKS servers on loopback that
 * are down, dropping connections, slow, redirecting, or answering HTML, a non-JWKS, an oversized
 * document or an empty key set. Each case asserts the exact status a token gets, that an open route
 * still serves, what `/admin/auth` reports, and recovery without a restart once the IdP is back.
 * The env knobs (`GATEHOUSE_JWKS_TIMEOUT_MS`, `GATEHOUSE_JWKS_COOLDOWN_MS`) and a fractional
 * `maxCacheDurationInHours` keep each case to a few seconds.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startGateway, type RunningGatewayProcess } from '../helpers/gateway.ts';
import { JwksServer, makeKey, signToken, type JwksMode, type TestKey } from '../helpers/jwks_server.ts';
import { startDiscoveryServer, type DiscoveryServer } from '../helpers/discovery_server.ts';
import { eventually } from '../helpers/eventually.ts';

const TIMEOUT_MS = 800;
const ENV = { GATEHOUSE_JWKS_TIMEOUT_MS: String(TIMEOUT_MS), GATEHOUSE_JWKS_COOLDOWN_MS: '500' };
const stock = (body: string) => ({ type: 'STOCK_RESPONSE_BACKEND', status: 200, body });
const now = () => Math.floor(Date.now() / 1000);

async function get(url: string, token?: string): Promise<{ status: number; body: string; challenge: string | null; ms: number }> {
  const started = Date.now();
  const res = await fetch(url, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.text(), challenge: res.headers.get('www-authenticate'), ms: Date.now() - started };
}

async function jwksState(gw: RunningGatewayProcess, uri: string): Promise<Record<string, unknown>> {
  const state = (await (await fetch(`${gw.adminUrl}/admin/auth`)).json()) as { jwks: Record<string, unknown>[] };
  const found = state.jwks.find((j) => j['jwksUri'] === uri || j['source'] === uri);
  assert.ok(found, `no JWKS state for ${uri}`);
  return found;
}

function deployment(name: string, idp: JwksServer, maxCacheHours: number) {
  return {
    name,
    pathPrefix: `/${name}`,
    specification: {
      requestPolicies: { authentication: { type: 'JWT_AUTHENTICATION', issuers: [idp.issuer], audiences: ['api'], publicKeys: { type: 'REMOTE_JWKS', uri: idp.jwksUri, maxCacheDurationInHours: maxCacheHours } } },
      routes: [{ path: '/r', backend: stock(name) }],
    },
  };
}
const openDeployment = { name: 'open', pathPrefix: '/open', specification: { routes: [{ path: '/health', backend: stock('ok') }] } };

interface Case {
  name: string;
  /** Puts the server into its faulty state. */
  break(s: JwksServer): void;
  /** What `/admin/auth` says about the last fetch. */
  lastError: RegExp;
}

const CASES: Case[] = [
  { name: 'down', break: (s) => (s.mode = 'error'), lastError: /^HTTP 500$/ },
  { name: 'drop', break: (s) => (s.mode = 'drop'), lastError: /^request failed/ },
  { name: 'slow', break: (s) => (s.delayMs = 3 * TIMEOUT_MS), lastError: new RegExp(`^timed out after ${TIMEOUT_MS} ms$`) },
  { name: 'html', break: (s) => (s.mode = 'garbage'), lastError: /^response is not JSON$/ },
  { name: 'notjwks', break: (s) => (s.mode = 'not-a-jwks'), lastError: /no "keys" array/ },
  { name: 'redirect', break: (s) => (s.mode = 'redirect'), lastError: /^HTTP 302: redirects are not followed$/ },
  // A syntactically fine JWKS whose one member is 600 KB: over the 512 KiB document cap.
  { name: 'oversized', break: (s) => (s.extraJwks = [{ kty: 'oct', kid: 'junk', k: 'A'.repeat(600 * 1024) }]), lastError: /^document larger than 524288 bytes$/ },
];

interface Redirector {
  url: string;
  /** While true, every request gets `301 Location: <target>`; then it serves the target's keys itself. */
  redirecting: boolean;
  close(): Promise<void>;
}

async function startRedirector(target: JwksServer): Promise<Redirector> {
  const server = createServer((_req, res) => {
    if (self.redirecting) res.writeHead(301, { location: target.jwksUri }).end();
    else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(target.document()));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const self: Redirector = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    redirecting: true,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
  return self;
}

function repair(s: JwksServer): void {
  s.mode = 'ok' satisfies JwksMode;
  s.delayMs = 0;
  s.extraJwks = [];
}

describe('IdP faults at start: 503 (never 401), not ready, open routes serve, recovery without restart (e2e)', () => {
  const servers = new Map<string, JwksServer>();
  const keys = new Map<string, TestKey>();
  let empty: JwksServer;
  let emptyKey: TestKey;
  // A server that permanently redirects to `target`, a healthy JWKS: following it would accept tokens.
  let target: JwksServer;
  let targetKey: TestKey;
  let redirector: Redirector;
  let gw: RunningGatewayProcess;

  before(async () => {
    for (const c of CASES) {
      const s = await JwksServer.start();
      const k = await makeKey('ES256', `kid-${c.name}`);
      s.keys = [k];
      c.break(s);
      servers.set(c.name, s);
      keys.set(c.name, k);
    }
    empty = await JwksServer.start();
    emptyKey = await makeKey('ES256', 'kid-empty');
    empty.keys = [];
    target = await JwksServer.start();
    targetKey = await makeKey('ES256', 'kid-target');
    target.keys = [targetKey];
    redirector = await startRedirector(target);
    gw = await startGateway({
      config: {
        deployments: [
          ...CASES.map((c) => deployment(c.name, servers.get(c.name)!, 1)),
          deployment('empty', empty, 1),
          { ...deployment('redirected', target, 1), specification: { ...deployment('redirected', target, 1).specification, requestPolicies: { authentication: { type: 'JWT_AUTHENTICATION', issuers: [target.issuer], audiences: ['api'], publicKeys: { type: 'REMOTE_JWKS', uri: `${redirector.url}/jwks.json` } } } } },
          openDeployment,
        ],
      },
      env: ENV,
    });
  });
  after(async () => {
    await gw?.stop();
    for (const s of servers.values()) await s.stop();
    await empty?.stop();
    await target?.stop();
    await redirector?.close();
  });

  const token = (k: TestKey, s: JwksServer) => signToken(k, { iss: s.issuer, aud: 'api', exp: now() + 600, jti: randomUUID() });

  it('each fault: a valid token gets 503 without a challenge; /admin/auth says why; readiness is 503', async () => {
    for (const c of CASES) {
      const s = servers.get(c.name)!;
      const r = await get(`${gw.url}/${c.name}/r`, await token(keys.get(c.name)!, s));
      assert.equal(r.status, 503, c.name);
      assert.equal(r.challenge, null, `${c.name}: a 503 is not an authentication challenge`);
      assert.deepEqual(JSON.parse(r.body), { code: 503, message: 'Service Unavailable' }, c.name);
      // A request never waits longer than one fetch timeout, even while the IdP hangs.
      assert.ok(r.ms < TIMEOUT_MS + 1500, `${c.name}: answered in ${r.ms} ms`);
      const state = await jwksState(gw, s.jwksUri);
      assert.equal(state['usable'], false, c.name);
      assert.match(String(state['lastError']), c.lastError, c.name);
    }
    const ready = await fetch(`${gw.adminUrl}/health/ready`);
    assert.equal(ready.status, 503);
    assert.equal(((await ready.json()) as { status: string }).status, 'not ready');
    assert.deepEqual([(await get(`${gw.url}/open/health`)).status, (await get(`${gw.url}/open/health`)).body], [200, 'ok']);
  });

  it('an empty key set is an answer, not an outage: the store is usable and tokens get 401 kid_unknown', async () => {
    const r = await get(`${gw.url}/empty/r`, await token(emptyKey, empty));
    assert.deepEqual([r.status, r.challenge], [401, 'Bearer error="invalid_token"']);
    const state = await jwksState(gw, empty.jwksUri);
    assert.equal(state['usable'], true);
    assert.deepEqual(state['keys'], []);
    await gw.waitFor((rec) => rec['msg'] === 'access' && rec['path'] === '/empty/r' && rec['auth'] === 'kid_unknown');
    assert.equal((await get(`${gw.url}/open/health`)).status, 200);
  });

  it('a redirect to a good JWKS is not followed: the target is never asked, and its tokens get 503', async () => {
    const r = await get(`${gw.url}/redirected/r`, await token(targetKey, target));
    assert.deepEqual([r.status, r.challenge], [503, null]);
    assert.equal(target.fetches, 0, 'the redirect target was never fetched');
    assert.match(String((await jwksState(gw, `${redirector.url}/jwks.json`))['lastError']), /^HTTP 301: redirects are not followed$/);
  });

  it('recovery: once every IdP answers, tokens are accepted and readiness is 200, without a restart', async () => {
    for (const s of servers.values()) repair(s);
    empty.keys = [emptyKey];
    redirector.redirecting = false;
    for (const c of CASES) {
      const s = servers.get(c.name)!;
      await eventually(`${c.name} serves again`, async () => (await get(`${gw.url}/${c.name}/r`, await token(keys.get(c.name)!, s))).status === 200);
      assert.equal((await jwksState(gw, s.jwksUri))['lastError'], null, c.name);
    }
    // The empty set's new key is a rotation: an unknown kid triggers one refetch (cooldown 500 ms).
    await eventually('the former redirector serves', async () => (await get(`${gw.url}/redirected/r`, await token(targetKey, target))).status === 200);
    assert.equal(target.fetches, 0, 'still never fetched from the redirect target');
    await eventually('empty set gains its key', async () => (await get(`${gw.url}/empty/r`, await token(emptyKey, empty))).status === 200);
    await eventually('ready', async () => (await fetch(`${gw.adminUrl}/health/ready`)).status === 200);
    assert.equal((await get(`${gw.url}/open/health`)).status, 200);
  });
});

describe('IdP faults later: last good keys serve until the max cache age, then 503, then recovery (e2e)', () => {
  // 0.002 h = 7.2 s of cache after the last good fetch; the first scheduled refresh is at 5.76 s.
  const MAX_CACHE_MS = 7200;
  let idp: JwksServer;
  let key: TestKey;
  let gw: RunningGatewayProcess;

  before(async () => {
    idp = await JwksServer.start();
    key = await makeKey('RS256', 'main');
    idp.keys = [key];
    gw = await startGateway({ config: { deployments: [deployment('p', idp, MAX_CACHE_MS / 3_600_000), openDeployment] }, env: ENV });
  });
  after(async () => {
    await gw?.stop();
    await idp?.stop();
  });

  const token = () => signToken(key, { iss: idp.issuer, aud: 'api', exp: now() + 600, jti: randomUUID() });

  it('every kind of bad answer in turn: stale keys keep serving, then 503, then 200 again without restart', async () => {
    const cached = await token();
    assert.equal((await get(`${gw.url}/p/r`, cached)).status, 200);
    const lastGood = Date.parse(String((await jwksState(gw, idp.jwksUri))['lastGoodFetch']));
    const forger = await makeKey('RS256', 'x');
    for (const c of CASES) {
      repair(idp);
      c.break(idp);
      // A token with a fresh unknown kid asks for a refetch now (cooldown 500 ms); failed ones retry every 500 ms.
      const miss = await get(`${gw.url}/p/r`, await signToken(forger, { iss: idp.issuer, aud: 'api', exp: now() + 600 }, { kid: randomUUID() }));
      assert.equal(miss.status, 401, `${c.name}: an unknown kid is refused while stale keys are usable`);
      await eventually(`${c.name} reported`, async () => c.lastError.test(String((await jwksState(gw, idp.jwksUri))['lastError'])), { timeoutMs: 3000 });
      assert.ok(Date.now() < lastGood + MAX_CACHE_MS, 'the cycle of faults must fit in the cache age');
      assert.equal((await get(`${gw.url}/p/r`, cached)).status, 200, `${c.name}: cached decision, stale keys`);
      assert.equal((await get(`${gw.url}/p/r`, await token())).status, 200, `${c.name}: new token, stale keys`);
      assert.equal((await fetch(`${gw.adminUrl}/health/ready`)).status, 200, `${c.name}: stale keys are still usable`);
    }
    await eventually('the cached decision turns 503', async () => (await get(`${gw.url}/p/r`, cached)).status === 503, { timeoutMs: MAX_CACHE_MS, intervalMs: 100 });
    // Not before the cache age (the gateway's clock has 100 ms resolution).
    assert.ok(Date.now() - lastGood >= MAX_CACHE_MS - 100, `503 after ${Date.now() - lastGood} ms`);
    const r = await get(`${gw.url}/p/r`, cached);
    assert.deepEqual([r.status, r.challenge], [503, null], 'the cached decision is not served past the cache age');
    assert.equal((await get(`${gw.url}/p/r`, await token())).status, 503);
    assert.equal((await fetch(`${gw.adminUrl}/health/ready`)).status, 503);
    assert.equal((await get(`${gw.url}/open/health`)).status, 200);
    repair(idp);
    await eventually('recovered', async () => (await get(`${gw.url}/p/r`, cached)).status === 200);
    assert.equal((await fetch(`${gw.adminUrl}/health/ready`)).status, 200);
    assert.equal((await jwksState(gw, idp.jwksUri))['lastError'], null);
  });
});

describe('a slow IdP never blocks requests that have usable keys (e2e)', () => {
  let idp: JwksServer;
  let key: TestKey;
  let gw: RunningGatewayProcess;

  before(async () => {
    idp = await JwksServer.start();
    key = await makeKey('ES256', 'known');
    idp.keys = [key];
    gw = await startGateway({ config: { deployments: [deployment('p', idp, 1), openDeployment] }, env: ENV });
  });
  after(async () => {
    await gw?.stop();
    await idp?.stop();
  });

  it('while a refetch hangs past its timeout, known-kid tokens are verified at once; the timeout is reported', async () => {
    const claims = () => ({ iss: idp.issuer, aud: 'api', exp: now() + 600, jti: randomUUID() });
    assert.equal((await get(`${gw.url}/p/r`, await signToken(key, claims()))).status, 200);
    idp.mode = 'hang';
    const fetches = idp.fetches;
    // An unknown kid starts a refetch that hangs; that one request waits for it (bounded by the timeout).
    const stranger = await makeKey('ES256', 'rotated-in-later');
    let refetchOver = false;
    const waiting = get(`${gw.url}/p/r`, await signToken(stranger, claims())).finally(() => (refetchOver = true));
    await eventually('the refetch is in flight', () => idp.fetches > fetches, { timeoutMs: 3000 });
    const fresh = await Promise.all(Array.from({ length: 20 }, async () => get(`${gw.url}/p/r`, await signToken(key, claims()))));
    for (const r of fresh) {
      assert.equal(r.status, 200);
      assert.ok(r.ms < TIMEOUT_MS, `answered in ${r.ms} ms while the JWKS fetch hangs`);
    }
    assert.equal(refetchOver, false, 'all twenty were answered while the refetch was still hanging');
    const w = await waiting;
    assert.equal(w.status, 401, 'the unknown kid is refused once the refetch timed out');
    assert.ok(w.ms >= TIMEOUT_MS - 100 && w.ms < TIMEOUT_MS + 1500, `waited ${w.ms} ms`);
    const state = await jwksState(gw, idp.jwksUri);
    assert.equal(state['lastError'], `timed out after ${TIMEOUT_MS} ms`);
    assert.equal(state['usable'], true, 'a failed refresh does not discard good keys');
    assert.equal((await fetch(`${gw.adminUrl}/health/ready`)).status, 200);
    assert.equal((await get(`${gw.url}/open/health`)).status, 200);
    // Back: the rotated-in key is accepted (after the miss cooldown), without restart.
    idp.mode = 'ok';
    idp.keys = [key, stranger];
    await eventually('rotated-in key accepted', async () => (await get(`${gw.url}/p/r`, await signToken(stranger, claims()))).status === 200);
  });
});

describe('rotation during a flood of random kids (e2e, 2 s cooldown)', () => {
  const COOLDOWN_MS = 2000;
  let idp: JwksServer;
  let key: TestKey;
  let gw: RunningGatewayProcess;

  before(async () => {
    idp = await JwksServer.start();
    key = await makeKey('ES256', 'old');
    idp.keys = [key];
    gw = await startGateway({ config: { deployments: [deployment('p', idp, 1), openDeployment] }, env: { ...ENV, GATEHOUSE_JWKS_COOLDOWN_MS: String(COOLDOWN_MS) } });
  });
  after(async () => {
    await gw?.stop();
    await idp?.stop();
  });

  it('a key that was never pre-published is accepted within one cooldown, and the flood costs one fetch per cooldown', async (t) => {
    const claims = () => ({ iss: idp.issuer, aud: 'api', exp: now() + 600, jti: randomUUID() });
    const forger = await makeKey('ES256', 'forger');
    const forged = await Promise.all(Array.from({ length: 50 }, () => signToken(forger, claims(), { kid: randomUUID() })));
    let flooding = true;
    let floodRequests = 0;
    const flood = Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        for (let n = i; flooding; n++) {
          const r = await get(`${gw.url}/p/r`, forged[n % forged.length]!);
          assert.equal(r.status, 401);
          floodRequests++;
        }
      }),
    );
    try {
      await eventually('the flood is under way', () => floodRequests >= 16, { timeoutMs: 3000, intervalMs: 10 });
      const fetchesBefore = idp.fetches;
      const rotated = await makeKey('ES256', 'new');
      idp.keys = [key, rotated];
      const rotatedAt = Date.now();
      await eventually('the rotated-in key is accepted', async () => (await get(`${gw.url}/p/r`, await signToken(rotated, claims()))).status === 200, { timeoutMs: 3 * COOLDOWN_MS, intervalMs: 100 });
      const acceptedAfterMs = Date.now() - rotatedAt;
      // At once when no flooded refetch happened within the cooldown; otherwise at the next one.
      assert.ok(acceptedAfterMs <= COOLDOWN_MS + 1000, `accepted after ${acceptedAfterMs} ms`);
      t.diagnostic(`rotated-in key accepted after ${acceptedAfterMs} ms under the flood`);
      const elapsedMs = Date.now() - rotatedAt;
      assert.ok(idp.fetches - fetchesBefore <= Math.ceil(elapsedMs / COOLDOWN_MS) + 1, `${idp.fetches - fetchesBefore} fetches in ${elapsedMs} ms`);
      assert.equal((await get(`${gw.url}/p/r`, await signToken(key, claims()))).status, 200, 'the old key still works');
    } finally {
      flooding = false;
      await flood;
    }
    assert.ok(floodRequests > 50, `${floodRequests} flood requests`);
    assert.equal((await get(`${gw.url}/open/health`)).status, 200);
  });
});

describe('regression: a discovery document without issuer is refused, not read as "no issuer check" (e2e)', () => {
  let idp: JwksServer;
  let key: TestKey;
  let discovery: DiscoveryServer;
  let gw: RunningGatewayProcess;

  before(async () => {
    idp = await JwksServer.start();
    key = await makeKey('ES256', 'disc');
    idp.keys = [key];
    discovery = await startDiscoveryServer({ jwks_uri: idp.jwksUri, token_endpoint: `${idp.url}/oauth/token` });
    gw = await startGateway({
      config: {
        deployments: [
          {
            name: 'disc',
            pathPrefix: '/disc',
            specification: {
              requestPolicies: {
                authentication: {
                  type: 'TOKEN_AUTHENTICATION',
                  validationPolicy: { type: 'REMOTE_DISCOVERY', sourceUriDetails: { type: 'DISCOVERY_URI', uri: discovery.uri }, additionalValidationPolicy: { audiences: ['api'] } },
                },
              },
              routes: [{ path: '/r', backend: stock('disc') }],
            },
          },
          openDeployment,
        ],
      },
      env: ENV,
    });
  });
  after(async () => {
    await gw?.stop();
    await idp?.stop();
    await discovery?.close();
  });

  it('tokens get 503 whatever their iss, /admin/auth says why, and the fixed document is picked up without restart', async () => {
    for (const iss of [undefined, idp.issuer, 'https://anyone/']) {
      const r = await get(`${gw.url}/disc/r`, await signToken(key, { iss, aud: 'api', exp: now() + 600, jti: randomUUID() }));
      assert.deepEqual([r.status, r.challenge], [503, null], String(iss));
    }
    const state = await jwksState(gw, discovery.uri);
    assert.equal(state['usable'], false);
    assert.equal(state['lastError'], 'discovery document has no issuer');
    assert.equal(idp.fetches, 0, 'the JWKS it names is never fetched');
    assert.equal((await fetch(`${gw.adminUrl}/health/ready`)).status, 503);
    assert.equal((await get(`${gw.url}/open/health`)).status, 200);
    discovery.document = { issuer: idp.issuer, jwks_uri: idp.jwksUri };
    await eventually('keys once the document has an issuer', async () => (await get(`${gw.url}/disc/r`, await signToken(key, { iss: idp.issuer, aud: 'api', exp: now() + 600 }))).status === 200);
    const other = await get(`${gw.url}/disc/r`, await signToken(key, { iss: 'https://anyone/', aud: 'api', exp: now() + 600 }));
    assert.equal(other.status, 401, 'iss is checked against the discovered issuer');
  });
});
