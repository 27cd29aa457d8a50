/**
 * The admin plane's access rules (src/server/admin_access.ts) as units: keys, tokens from a real
 * token-service state (SQLite in a temporary directory, its clock injected), the CSRF refusals,
 * admin.keys resolution and the generated key file.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { IdpState } from '../../src/idp/idp_state.ts';
import { issueAccessToken } from '../../src/idp/issue_token.ts';
import { createKeyEnvelope } from '../../src/idp/key_envelope.ts';
import { ops } from '../../src/idp/operations.ts';
import { seedFromConfig } from '../../src/idp/seed.ts';
import { managementAudience } from '../../src/idp/settings.ts';
import { IdpStore, openDriver } from '../../src/idp/store/store.ts';
import { ADMIN_KEY_FILE, adminKeySettings, browserRefusal, configuredAdminKeys, createAdminAccess, generatedAdminKey, hostRefusal, isLoopbackHost } from '../../src/server/admin_access.ts';

const KEY = 'unit-admin-key-0123456789abcdef';
let nowMs = Date.parse('2026-06-01T00:00:00Z');
let dir = '';
let state: IdpState;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'admin-access-'));
  state = new IdpState(new IdpStore(openDriver('.gatehouse/idp.sqlite', dir), createKeyEnvelope(undefined)), 'http://localhost:4000/', { now: () => new Date(nowMs) });
  await state.store.migrate();
  await state.refresh(true);
  await seedFromConfig(state, { apis: [{ identifier: 'https://api', scopes: ['read'] }] }, dir);
});
after(async () => {
  await state.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A token from the state for a new client granted `scopes` on `audience`, issued at the state's clock minus `agoSec`. */
async function tokenWith(audience: string, scopes: string[], agoSec = 0): Promise<string> {
  const { client } = await ops.createClient(state, { name: `c${Math.random()}` });
  await ops.createGrant(state, { clientId: client.clientId, audience, scope: scopes });
  const api = state.snapshot.apiByIdentifier.get(audience)!;
  return (await issueAccessToken(state.snapshot, client, api, scopes, Math.floor(nowMs / 1000) - agoSec)).accessToken;
}

describe('createAdminAccess', () => {
  const access = createAdminAccess({ keys: [KEY, 'second-admin-key-0123456789'], openReads: false, idp: () => state });

  it('accepts each configured key as a Bearer credential (any case of the scheme)', async () => {
    for (const h of [`Bearer ${KEY}`, `bearer ${KEY}`, 'Bearer second-admin-key-0123456789']) {
      const v = await access.authenticate(h);
      assert.deepEqual(v, { ok: true, who: { via: 'key', subject: 'admin key', scopes: ['gatehouse:admin'], expiresAt: null } });
    }
    assert.equal(access.openReads, false);
  });

  it('refuses no header, another scheme, a wrong key, a prefix of the key and a key with spaces: 401', async () => {
    for (const h of [undefined, '', `Basic ${KEY}`, 'Bearer nope', `Bearer ${KEY.slice(0, -1)}`, `Bearer ${KEY}x`, `Bearer ${KEY} ${KEY}`, KEY]) {
      const v = await access.authenticate(h);
      assert.equal(v.ok, false, String(h));
      assert.equal(!v.ok && v.status, 401, String(h));
    }
  });

  it('accepts a token for the management audience carrying gatehouse:admin, judged at the token service\'s clock', async () => {
    const token = await tokenWith(managementAudience(state.issuer), ['read:clients', 'gatehouse:admin']);
    const v = await access.authenticate(`Bearer ${token}`);
    assert.ok(v.ok);
    assert.equal(v.who.via, 'token');
    assert.match(v.who.subject, /@clients$/);
    assert.deepEqual(v.who.scopes, ['read:clients', 'gatehouse:admin']);
    assert.equal(v.who.expiresAt, new Date(nowMs + 86_400_000).toISOString());
  });

  it('403 for a valid management token without gatehouse:admin; 401 for an expired one, another audience, a foreign signer', async () => {
    const reader = await access.authenticate(`Bearer ${await tokenWith(managementAudience(state.issuer), ['read:clients'])}`);
    assert.deepEqual(reader, { ok: false, status: 403, message: 'insufficient scope: gatehouse:admin needed' });
    const expired = await tokenWith(managementAudience(state.issuer), ['gatehouse:admin'], 86_400 + 5);
    assert.equal((await access.authenticate(`Bearer ${expired}`)).ok, false);
    const api = await tokenWith('https://api', ['read']);
    assert.deepEqual(await access.authenticate(`Bearer ${api}`), { ok: false, status: 401, message: 'invalid admin credential' });
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const kid = state.snapshot.signers.get('RS256')!.kid;
    const forged = await new SignJWT({ scope: 'gatehouse:admin' })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setIssuer(state.issuer)
      .setAudience(managementAudience(state.issuer))
      .setIssuedAt(Math.floor(nowMs / 1000))
      .setExpirationTime(Math.floor(nowMs / 1000) + 60)
      .sign(privateKey);
    assert.equal((await access.authenticate(`Bearer ${forged}`)).ok, false, 'a token under the right kid but another key');
  });

  it('regression: an admin token stops working once its application is deleted or its grant loses gatehouse:admin (not 24 h later)', async () => {
    const { client } = await ops.createClient(state, { name: 'leaving admin' });
    const grant = await ops.createGrant(state, { clientId: client.clientId, audience: managementAudience(state.issuer), scope: ['read:clients', 'gatehouse:admin'] });
    const api = state.snapshot.apiByIdentifier.get(managementAudience(state.issuer))!;
    const token = (await issueAccessToken(state.snapshot, client, api, ['read:clients', 'gatehouse:admin'], Math.floor(nowMs / 1000))).accessToken;
    assert.ok((await access.authenticate(`Bearer ${token}`)).ok);
    await ops.updateGrant(state, grant.id, ['read:clients']);
    assert.deepEqual(await access.authenticate(`Bearer ${token}`), { ok: false, status: 403, message: 'insufficient scope: gatehouse:admin needed' });
    await ops.updateGrant(state, grant.id, ['read:clients', 'gatehouse:admin']);
    assert.ok((await access.authenticate(`Bearer ${token}`)).ok);
    await ops.deleteClient(state, client.clientId);
    assert.deepEqual(await access.authenticate(`Bearer ${token}`), { ok: false, status: 401, message: 'invalid admin credential' });
  });

  it('without a token service, a JWT is just a wrong key', async () => {
    const none = createAdminAccess({ keys: [KEY], openReads: true });
    const token = await tokenWith(managementAudience(state.issuer), ['gatehouse:admin']);
    assert.deepEqual(await none.authenticate(`Bearer ${token}`), { ok: false, status: 401, message: 'invalid admin credential' });
  });
});

describe('browserRefusal', () => {
  const req = (headers: Record<string, string>) => ({ headers: { host: '127.0.0.1:9080', ...headers } }) as unknown as IncomingMessage;
  it('lets through no Origin, the plane\'s own Origin, same-origin and none fetches, and JSON bodies', () => {
    assert.equal(browserRefusal(req({}), false), null);
    assert.equal(browserRefusal(req({ origin: 'http://127.0.0.1:9080', 'sec-fetch-site': 'same-origin' }), false), null);
    assert.equal(browserRefusal(req({ 'sec-fetch-site': 'none' }), false), null);
    assert.equal(browserRefusal(req({ 'content-type': 'application/json; charset=utf-8' }), true), null);
    assert.equal(browserRefusal(req({ 'content-type': 'text/plain' }), false), null, 'no body: the type does not matter');
  });
  it('refuses another Origin (another port, scheme or host, or null), cross-site fetches, and bodies that are not JSON', () => {
    for (const origin of ['http://127.0.0.1:9081', 'https://127.0.0.1:9080', 'http://localhost:9080', 'null', 'http://evil.example']) {
      assert.equal(browserRefusal(req({ origin }), false)?.status, 403, origin);
    }
    assert.equal(browserRefusal(req({ 'sec-fetch-site': 'cross-site' }), false)?.status, 403);
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '']) {
      assert.equal(browserRefusal(req(type === '' ? {} : { 'content-type': type }), true)?.status, 415, type);
    }
  });
});

describe('hostRefusal (DNS rebinding)', () => {
  const req = (host: string | undefined) => ({ headers: host === undefined ? {} : { host } }) as unknown as IncomingMessage;
  it('on loopback, takes only loopback names and addresses, with or without a port', () => {
    for (const host of ['127.0.0.1:9080', '127.0.0.1', 'localhost:9080', 'LOCALHOST', 'app.localhost:1', '[::1]:9080', '[::1]', '127.1.2.3:80']) {
      assert.equal(hostRefusal(req(host), true), null, host);
    }
    for (const host of ['evil.example:9080', 'evil.example', '10.0.0.1:9080', 'localhost.evil.example', '127.0.0.1.nip.io:9080', '[::2]:9080', '', undefined]) {
      assert.match(hostRefusal(req(host), true) ?? '', /loopback names only/, String(host));
    }
  });
  it('off loopback (admin.host 0.0.0.0 for probes), any Host is taken', () => {
    assert.equal(hostRefusal(req('gatehouse-admin.svc:9080'), false), null);
  });
  it('isLoopbackHost names the bind addresses only this machine reaches', () => {
    assert.ok(isLoopbackHost('127.0.0.1') && isLoopbackHost('::1') && isLoopbackHost('[::1]') && isLoopbackHost('localhost'));
    assert.ok(!isLoopbackHost('0.0.0.0') && !isLoopbackHost('::') && !isLoopbackHost('192.168.1.1'));
  });
});

describe('admin keys', () => {
  it('resolves literals and secret OCIDs; refuses short keys and unresolved secrets, naming the entry, never the value', () => {
    const secrets = { 'ocid1.vaultsecret.oc1..a': 'secret-admin-key-0123456789', 'ocid1.vaultsecret.oc1..short': 'tiny' };
    assert.deepEqual(configuredAdminKeys({ keys: [KEY, 'ocid1.vaultsecret.oc1..a'] }, secrets, dir), [KEY, 'secret-admin-key-0123456789']);
    assert.throws(() => configuredAdminKeys({ keys: ['ocid1.vaultsecret.oc1..b'] }, secrets, dir), /^Error: admin\.keys\[0\]: secret ocid1\.vaultsecret\.oc1\.\.b is not in secrets:$/);
    assert.throws(() => configuredAdminKeys({ keys: [KEY, 'ocid1.vaultsecret.oc1..short'] }, secrets, dir), (err: Error) => /admin\.keys\[1\]: the secret .* is shorter than 16/.test(err.message) && !err.message.includes('tiny'));
    assert.throws(() => configuredAdminKeys({ keys: ['tiny-key'] }, undefined, dir), (err: Error) => /admin\.keys\[0\]: an admin key needs at least 16 characters/.test(err.message) && !err.message.includes('tiny-key'));
    assert.deepEqual(configuredAdminKeys(undefined, undefined, dir), []);
  });

  it('generates the key file once (0600, in a 0700 directory) and reads it back after', () => {
    const base = mkdtempSync(join(tmpdir(), 'admin-key-'));
    try {
      const first = generatedAdminKey(base);
      assert.ok(first.key !== null && first.file !== null && first.created);
      assert.equal(first.file, join(base, ADMIN_KEY_FILE));
      assert.equal(statSync(first.file).mode & 0o777, 0o600);
      assert.equal(statSync(join(base, '.gatehouse')).mode & 0o777, 0o700);
      assert.equal(readFileSync(first.file, 'utf8'), `${first.key}\n`);
      const again = generatedAdminKey(base);
      assert.deepEqual(again, { key: first.key, file: first.file, created: false });
      assert.deepEqual(adminKeySettings(undefined, undefined, base), { keys: [first.key], openReads: true, keyFile: first.file, problem: null });
      assert.deepEqual(adminKeySettings({ keys: [KEY], openReads: false }, undefined, base), { keys: [KEY], openReads: false, keyFile: null, problem: null });
      // regression: reads were open by default even with the admin plane bound to every interface.
      assert.equal(adminKeySettings({ keys: [KEY], host: '0.0.0.0' }, undefined, base).openReads, false, 'off loopback: closed by default');
      assert.equal(adminKeySettings({ keys: [KEY], host: '::1' }, undefined, base).openReads, true);
      assert.equal(adminKeySettings({ keys: [KEY], host: '0.0.0.0', openReads: true }, undefined, base).openReads, true, 'the setting wins');
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it('regression: a key file read while another process was still writing it (empty) was replaced by a second key; a short file is now refused, never used or overwritten', () => {
    const base = mkdtempSync(join(tmpdir(), 'admin-key-short-'));
    try {
      mkdirSync(join(base, '.gatehouse'), { mode: 0o700 });
      writeFileSync(join(base, ADMIN_KEY_FILE), '');
      const g = generatedAdminKey(base);
      assert.equal(g.key, null);
      assert.match(String(g.problem), /holds no key \(0 characters\): delete it to generate one/);
      assert.equal(readFileSync(join(base, ADMIN_KEY_FILE), 'utf8'), '', 'left alone');
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it('a directory it cannot write: no generated key, and why (a read-only config volume)', (t) => {
    if (process.getuid?.() === 0) {
      // root writes through mode bits: a file where the directory should be stands in for the read-only volume.
      const base = mkdtempSync(join(tmpdir(), 'admin-key-ro-'));
      try {
        writeFileSync(join(base, '.gatehouse'), 'not a directory');
        const g = generatedAdminKey(base);
        assert.equal(g.key, null);
        assert.match(g.file === null ? g.problem : '', /cannot keep the admin key in .*admin-key \(E[A-Z]+\)/);
        assert.deepEqual(adminKeySettings(undefined, undefined, base).keys, []);
      } finally {
        rmSync(base, { recursive: true, force: true });
      }
      return;
    }
    const base = mkdtempSync(join(tmpdir(), 'admin-key-ro-'));
    mkdirSync(join(base, 'ro'));
    chmodSync(join(base, 'ro'), 0o500);
    try {
      const g = generatedAdminKey(join(base, 'ro'));
      assert.equal(g.key, null);
      t.diagnostic(g.file === null ? g.problem : '');
    } finally {
      chmodSync(join(base, 'ro'), 0o700);
      rmSync(base, { recursive: true, force: true });
    }
  });
});
