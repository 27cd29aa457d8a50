import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IdpState } from '../../src/idp/idp_state.ts';
import { createKeyEnvelope } from '../../src/idp/key_envelope.ts';
import { MANAGEMENT_API_ID, MANAGEMENT_SCOPES } from '../../src/idp/management_scopes.ts';
import { verifySecret } from '../../src/idp/secret_hash.ts';
import { seedFromConfig } from '../../src/idp/seed.ts';
import type { IdentityProviderSection } from '../../src/idp/settings.ts';
import { IdpStore, openDriver } from '../../src/idp/store/store.ts';

async function withState<T>(dir: string, fn: (s: IdpState) => Promise<T>): Promise<T> {
  const state = new IdpState(new IdpStore(openDriver('.gatehouse/idp.sqlite', dir), createKeyEnvelope(undefined)), 'http://localhost:4000/');
  await state.store.migrate();
  await state.refresh(true);
  try {
    return await fn(state);
  } finally {
    await state.close();
  }
}

const section = (secret: string): IdentityProviderSection => ({
  apis: [
    { name: 'Main', identifier: 'https://main', scopes: ['read:a', { value: 'write:a', description: 'Write' }] },
    { identifier: 'https://lonely', signingAlg: 'EdDSA', scopes: ['x'] },
    { identifier: 'https://hs', signingAlg: 'HS256' },
  ],
  applications: [
    { name: 'Configured', clientId: 'cfg', clientSecret: secret, grants: [{ audience: 'https://main', scopes: ['read:a'] }, { audience: 'https://hs' }] },
    { name: 'Nameless secret' },
  ],
});

test('the seed creates what the config names, plus keys, test applications and the management client', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'idp-seed-'));
  try {
    const first = await withState(dir, (s) => seedFromConfig(s, section('one'), dir));
    assert.deepEqual(first.testClient, { clientId: 'cfg', audience: 'https://main', secretSource: 'config' });
    await withState(dir, async (s) => {
      const snap = s.snapshot;
      assert.deepEqual([...snap.signers.keys()].sort(), ['EdDSA', 'RS256']);
      assert.equal(snap.keys.length, 4, 'current and next for RS256 and EdDSA');
      assert.equal(snap.apiByIdentifier.get('https://hs')?.signingSecret?.length, 64, 'a generated HS256 secret');
      assert.deepEqual(snap.apiByIdentifier.get('https://main')?.scopes, [{ value: 'read:a', description: 'read:a' }, { value: 'write:a', description: 'Write' }]);
      const lonely = snap.apiByIdentifier.get('https://lonely')!;
      const test = snap.clients.find((c) => c.name === 'https://lonely (Test Application)');
      assert.ok(test, 'an API nobody is granted gets a test application');
      assert.deepEqual(snap.grants.find((g) => g.clientId === test.clientId)?.scopes, ['x']);
      assert.equal(lonely.signingAlg, 'EdDSA');
      const mgmt = snap.grants.find((g) => g.apiId === MANAGEMENT_API_ID)!;
      assert.deepEqual(mgmt.scopes, [...MANAGEMENT_SCOPES]);
      assert.equal(mgmt.clientId, first.managementClientId);
    });
    // Generated secrets are written once, readable by the owner only, and they work.
    const file = join(dir, '.gatehouse/idp-secrets.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const generated = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { name: string; clientSecret: string }>;
    assert.deepEqual(Object.values(generated).map((g) => g.name).sort(), ['Gatehouse Management Client', 'Nameless secret', 'https://lonely (Test Application)']);

    // A second start with a changed secret: same records, same keys, the new secret only.
    const kids = await withState(dir, async (s) => s.snapshot.keys.map((k) => k.kid).sort());
    const second = await withState(dir, (s) => seedFromConfig(s, section('two'), dir));
    assert.equal(second.generated.length, 0, 'nothing new to generate');
    assert.equal(second.managementClientId, first.managementClientId);
    await withState(dir, async (s) => {
      assert.deepEqual(s.snapshot.keys.map((k) => k.kid).sort(), kids);
      assert.equal(s.snapshot.clients.filter((c) => c.name === 'Nameless secret').length, 1, 'found again by name');
      const cfg = s.snapshot.clientById.get('cfg')!;
      assert.ok(await verifySecret('two', cfg.secretHash));
      assert.ok(!(await verifySecret('one', cfg.secretHash)));
      const nameless = s.snapshot.clients.find((c) => c.name === 'Nameless secret')!;
      assert.ok(await verifySecret(generated[nameless.clientId]!.clientSecret, nameless.secretHash));
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a grant naming an unknown API or scope is refused with its config path', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'idp-seed-'));
  try {
    await withState(dir, async (s) => {
      await assert.rejects(
        seedFromConfig(s, { applications: [{ name: 'a', clientSecret: 's', grants: [{ audience: 'https://none' }] }] }, dir),
        /identityProvider\.applications\[0\]\.grants\[0\]\.audience: no API has the identifier https:\/\/none/,
      );
      await assert.rejects(
        seedFromConfig(s, { apis: [{ identifier: 'https://a', scopes: ['r'] }], applications: [{ name: 'a', clientSecret: 's', grants: [{ audience: 'https://a', scopes: ['w'] }] }] }, dir),
        /applications\[0\]\.grants\[0\]\.scopes: not defined by the API https:\/\/a: w/,
      );
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
