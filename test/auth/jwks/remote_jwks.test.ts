import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { RemoteJwksStore, type RemoteJwksOptions } from '../../../src/auth/jwks/remote_jwks.ts';
import { keyUriProblem, parseMaxAge } from '../../../src/auth/jwks/http_fetch.ts';
import { ManualClock } from '../../../src/lib/clock.ts';
import { JwksServer, makeKey } from '../../helpers/jwks_server.ts';
import { startDiscoveryServer } from '../../helpers/discovery_server.ts';
import { eventually } from '../../helpers/eventually.ts';

const HOUR = 3_600_000;
const servers: JwksServer[] = [];
const stores: RemoteJwksStore[] = [];
after(async () => {
  for (const s of stores) s.stop();
  await Promise.all(servers.map((s) => s.stop()));
});

async function setup(opts: Partial<RemoteJwksOptions> = {}) {
  const server = await JwksServer.start();
  servers.push(server);
  server.keys.push(await makeKey('RS256', 'k1'));
  const clock = new ManualClock();
  const store = new RemoteJwksStore({ uri: server.jwksUri, discovery: false, maxCacheMs: HOUR, isSslVerifyDisabled: false, clock, timers: false, ...opts });
  stores.push(store);
  assert.equal(await store.ready(), true);
  return { server, clock, store };
}

test('fetched at creation; refreshed after Cache-Control max-age; unchanged sets cost a 304', async () => {
  const { server, clock, store } = await setup();
  server.cacheControl = 'public, max-age=120';
  assert.equal(server.fetches, 1);
  assert.ok(store.keys()!.hasKid('k1'));
  // No Cache-Control on the first answer: the default interval (5 min) applies.
  clock.advance(299_000);
  assert.equal(store.refreshIfDue(), null);
  clock.advance(1_000);
  await store.refreshIfDue();
  assert.equal(server.fetches, 2);
  assert.equal(server.notModified, 1, 'If-None-Match sent with the ETag');
  // Now max-age=120 applies.
  clock.advance(119_000);
  assert.equal(store.refreshIfDue(), null);
  clock.advance(1_000);
  await store.refreshIfDue();
  assert.equal(server.fetches, 3);
});

test('max-age is clamped to at least 30 s and refreshes happen before maxCache runs out', async () => {
  const { server, clock, store } = await setup();
  server.cacheControl = 'max-age=5';
  await store.refresh();
  clock.advance(29_000);
  assert.equal(store.refreshIfDue(), null, 'max-age=5 is raised to 30 s');
  clock.advance(1_000);
  await store.refreshIfDue();
  server.cacheControl = 'max-age=86400';
  await store.refresh();
  const n = server.fetches;
  clock.advance(0.8 * HOUR);
  await store.refreshIfDue();
  assert.equal(server.fetches, n + 1, 'a day of max-age still refreshes at 80 % of a 1 h maxCache');
  assert.equal(parseMaxAge('no-cache'), 0);
  assert.equal(parseMaxAge('private, max-age="60"'), 60);
  assert.equal(parseMaxAge(undefined), null);
});

test('unknown kids: one shared refetch per cooldown, and missed kids are remembered', async () => {
  const { server, clock, store } = await setup({ cooldownMs: 30_000 });
  const before = server.fetches;
  // A burst of random kids at once shares one fetch.
  const waits = Array.from({ length: 50 }, (_, i) => store.refetchForMiss(`random-${i}`, clock.nowMs()));
  await Promise.all(waits.filter((w) => w !== null));
  assert.equal(server.fetches, before + 1);
  // Within the cooldown: refused at once, no fetch.
  clock.advance(1_000);
  assert.equal(store.refetchForMiss('random-0', clock.nowMs()), null, 'remembered');
  assert.equal(store.refetchForMiss('fresh-kid', clock.nowMs()), null, 'cooldown');
  assert.equal(server.fetches, before + 1);
  // After the cooldown a new kid may refetch again, once; a rotated-in key is then found.
  server.keys.push(await makeKey('ES256', 'k2'));
  clock.advance(30_000);
  await store.refetchForMiss('k2', clock.nowMs());
  assert.equal(server.fetches, before + 2);
  assert.ok(store.keys()!.hasKid('k2'));
});

test('IdP down: last good keys serve until maxCache, then the store is unusable; recovery restores it', async () => {
  const { server, clock, store } = await setup({ maxCacheMs: HOUR });
  server.mode = 'error';
  clock.advance(0.8 * HOUR);
  await store.refreshIfDue();
  assert.match(String(store.adminState(clock.nowMs())['lastError']), /HTTP 500/);
  assert.ok(store.isUsable(clock.nowMs()), 'stale keys still serve');
  clock.advance(0.2 * HOUR);
  assert.ok(store.isUsable(clock.nowMs()), 'exactly maxCache old: still usable');
  clock.advance(1);
  assert.ok(!store.isUsable(clock.nowMs()), 'older than maxCache: unusable (503)');
  server.mode = 'ok';
  await store.refresh();
  assert.ok(store.isUsable(clock.nowMs()));
});

test('failed refreshes are retried with backoff, not every request', async () => {
  const { server, clock, store } = await setup();
  server.mode = 'drop';
  clock.advance(300_000);
  await store.refreshIfDue();
  const n = server.fetches;
  assert.equal(store.refreshIfDue(), null, 'next retry 1 s later');
  clock.advance(1_000);
  await store.refreshIfDue();
  assert.equal(server.fetches, n + 1);
  clock.advance(1_000);
  assert.equal(store.refreshIfDue(), null, 'then 2 s');
  clock.advance(1_000);
  await store.refreshIfDue();
  assert.equal(server.fetches, n + 2);
});

test('a key removed from the JWKS is deactivated at the next refresh; unchanged keys keep their record', async () => {
  const { server, store } = await setup();
  server.keys.push(await makeKey('ES256', 'k2'));
  await store.refresh();
  const [k1, k2] = store.keys()!.keys;
  server.keys = server.keys.filter((k) => k.kid !== 'k1');
  await store.refresh();
  assert.equal(k1!.active, false);
  assert.equal(k2!.active, true);
  assert.equal(store.keys()!.keys[0], k2, 'same record object: cached decisions stay valid');
  assert.ok(!store.keys()!.hasKid('k1'));
});

test('refused answers keep the last good keys: redirect, garbage, not a JWKS, timeout', async () => {
  const { server, store, clock } = await setup({ timeoutMs: 300 });
  for (const [mode, message] of [
    ['redirect', /redirects are not followed/],
    ['garbage', /not JSON/],
    ['not-a-jwks', /not a JWKS/],
    ['hang', /timed out after 300 ms/],
  ] as const) {
    server.mode = mode;
    await store.refresh();
    assert.match(String(store.adminState(clock.nowMs())['lastError']), message, mode);
    assert.ok(store.keys()!.hasKid('k1'), mode);
  }
});

test('keys the JWKS lists but must not be used are refused and reported', async () => {
  const { server, store, clock } = await setup();
  server.extraJwks = [
    { ...(await makeKey('RS256', 'enc1')).publicJwk, use: 'enc' },
    { kty: 'oct', kid: 'hmac', k: 'c2VjcmV0' },
  ];
  await store.refresh();
  assert.ok(!store.keys()!.hasKid('enc1') && !store.keys()!.hasKid('hmac'));
  const refused = store.adminState(clock.nowMs())['refused'] as { kid: string }[];
  assert.deepEqual(refused.map((r) => r.kid), ['enc1', 'hmac']);
});

test('OIDC discovery finds jwks_uri and the issuer', async () => {
  const server = await JwksServer.start();
  servers.push(server);
  server.keys.push(await makeKey('RS256', 'd1'));
  const store = new RemoteJwksStore({ uri: server.discoveryUri, discovery: true, maxCacheMs: HOUR, isSslVerifyDisabled: false, timers: false });
  stores.push(store);
  assert.equal(await store.ready(), true);
  assert.equal(store.discoveredIssuer, server.issuer);
  assert.ok(store.keys()!.hasKid('d1'));
  assert.equal(server.discoveryFetches, 1);
});

test('regression: a discovery document without issuer is refused (no silent loss of the issuer check)', async () => {
  const server = await JwksServer.start();
  servers.push(server);
  server.keys.push(await makeKey('RS256', 'd1'));
  const discovery = await startDiscoveryServer({ jwks_uri: server.jwksUri });
  try {
    const clock = new ManualClock();
    const store = new RemoteJwksStore({ uri: discovery.uri, discovery: true, maxCacheMs: HOUR, isSslVerifyDisabled: false, clock, timers: false });
    stores.push(store);
    assert.equal(await store.ready(), false, 'no keys from a document without issuer');
    assert.equal(store.isUsable(clock.nowMs()), false);
    assert.equal(server.fetches, 0, 'the JWKS it names is not even fetched');
    assert.equal(store.adminState(clock.nowMs())['lastError'], 'discovery document has no issuer');
    for (const issuer of ['', 42, null]) {
      discovery.document = { issuer, jwks_uri: server.jwksUri };
      await store.refresh();
      assert.equal(store.adminState(clock.nowMs())['lastError'], 'discovery document has no issuer', JSON.stringify(issuer));
    }
    // Fixed at the IdP: keys and issuer arrive together, without a restart.
    discovery.document = { issuer: server.issuer, jwks_uri: server.jwksUri };
    await store.refresh();
    assert.equal(store.isUsable(clock.nowMs()), true);
    assert.equal(store.discoveredIssuer, server.issuer);
    // Broken again later: the refresh fails, the keys in use keep the issuer they came with.
    discovery.document = { jwks_uri: server.jwksUri };
    clock.advance(60_000);
    await store.refresh();
    assert.equal(store.adminState(clock.nowMs())['lastError'], 'discovery document has no issuer');
    assert.equal(store.discoveredIssuer, server.issuer);
    assert.equal(store.isUsable(clock.nowMs()), true, 'last good keys serve until maxCache');
  } finally {
    await discovery.close();
  }
});

test('background refresh runs on its own timer; requests are not involved', async () => {
  const { server, store } = await setup({ clock: undefined, timers: true, minRefreshMs: 50 });
  server.cacheControl = 'max-age=0';
  await store.refresh();
  const start = server.fetches;
  // Nothing but the store's own timer fetches here.
  await eventually('two timer-driven refreshes', () => server.fetches >= start + 2, { timeoutMs: 3000 });
});

test('key URIs: https, or http only to loopback or with isSslVerifyDisabled', () => {
  assert.equal(keyUriProblem('https://idp.example.com/jwks', false), null);
  assert.equal(keyUriProblem('http://127.0.0.1:4000/jwks', false), null);
  assert.equal(keyUriProblem('http://localhost/jwks', false), null);
  assert.equal(keyUriProblem('http://[::1]:80/jwks', false), null);
  assert.match(keyUriProblem('http://idp.example.com/jwks', false)!, /https/);
  assert.equal(keyUriProblem('http://idp.example.com/jwks', true), null);
  assert.match(keyUriProblem('ftp://idp/jwks', true)!, /https/);
  assert.match(keyUriProblem('/relative', false)!, /absolute/);
});
