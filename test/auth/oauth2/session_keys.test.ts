import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../../src/lib/clock.ts';
import { compileSessionKeys } from '../../../src/auth/oauth2/session_keys.ts';
import type { CompileContext } from '../../../src/types.ts';

function context(baseDir: string, offline = false): CompileContext & { lines(): string[] } {
  const issues: { path: string; message: string }[] = [];
  const warnings: { path: string; message: string }[] = [];
  return {
    baseDir,
    offline,
    issues,
    warnings,
    issue: (path: string, message: string) => issues.push({ path, message }),
    warn: (path: string, message: string) => warnings.push({ path, message }),
    lines: () => issues.map((i) => `${i.path}: ${i.message}`),
  } as unknown as CompileContext & { lines(): string[] };
}

const NEW = 'ocid1.vaultsecret.oc1..new';
const OLD = 'ocid1.vaultsecret.oc1..old';
const secrets = { [NEW]: 'n'.repeat(40), [OLD]: 'o'.repeat(40), short: 'tooshort' };

test('sessionKeys: the first key seals; an old key opens for sessionKeyGraceHours after retiredAt, then not', () => {
  const clock = new ManualClock(Date.parse('2026-12-01T00:00:00Z'));
  const ctx = context(tmpdir());
  const oldOnly = compileSessionKeys([{ secretId: OLD }], undefined, 'p', ctx, secrets, clock)!;
  const sealed = oldOnly.seal('session', { s: 1 });
  const rotated = compileSessionKeys([{ secretId: NEW }, { secretId: OLD, retiredAt: '2026-12-01T00:00:00Z' }], 2, 'p', ctx, secrets, clock)!;
  assert.deepEqual(ctx.lines(), []);
  assert.deepEqual(rotated.open('session', sealed), { s: 1 });
  assert.equal(oldOnly.open('session', rotated.seal('session', { s: 2 })), null, 'the new key seals');
  clock.advance(2 * 3_600_000 + 1);
  assert.equal(rotated.open('session', sealed), null, 'grace over: sign in again');
});

test('sessionKeys: a demoted key without retiredAt gets its grace from when this process first saw it demoted (default 24 h)', () => {
  const clock = new ManualClock(Date.parse('2026-12-02T00:00:00Z'));
  const ctx = context(tmpdir());
  const sealed = compileSessionKeys([{ secretId: OLD }], undefined, 'p', ctx, secrets, clock)!.seal('session', 1);
  const rotated = compileSessionKeys([{ secretId: NEW }, { secretId: OLD }], undefined, 'p', ctx, secrets, clock)!;
  clock.advance(23 * 3_600_000);
  // A reload an hour before the end does not restart the grace.
  const reloaded = compileSessionKeys([{ secretId: NEW }, { secretId: OLD }], undefined, 'p', ctx, secrets, clock)!;
  assert.equal(reloaded.open('session', sealed), 1);
  clock.advance(3_600_000 + 1);
  assert.equal(rotated.open('session', sealed), null);
  assert.equal(reloaded.open('session', sealed), null);
});

test('sessionKeys: an unresolved or short secret and a bad retiredAt are reported at their paths', () => {
  const ctx = context(tmpdir());
  const clock = new ManualClock();
  assert.equal(compileSessionKeys([{ secretId: 'missing' }, { secretId: 'short' }, { secretId: OLD, retiredAt: 'yesterday' }], undefined, 'p', ctx, secrets, clock), null);
  assert.deepEqual(ctx.lines(), [
    'p.sessionKeys[0].secretId: secret missing is not in secrets:',
    'p.sessionKeys[1].secretId: the secret must be at least 32 characters (e.g. openssl rand -base64 32)',
    'p.sessionKeys[2].retiredAt: must be an ISO 8601 date and time',
  ]);
});

test('no sessionKeys: a key is generated once into .gatehouse/session.key (0600) and reused, so sessions survive a restart; offline writes nothing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-session-key-'));
  try {
    const clock = new ManualClock();
    const first = compileSessionKeys(undefined, undefined, 'p', context(dir), undefined, clock)!;
    const file = join(dir, '.gatehouse', 'session.key');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, '.gatehouse')).mode & 0o777, 0o700);
    const text = readFileSync(file, 'utf8');
    const second = compileSessionKeys(undefined, undefined, 'p', context(dir), undefined, clock)!;
    assert.equal(readFileSync(file, 'utf8'), text);
    assert.deepEqual(second.open('session', first.seal('session', 'x')), 'x');

    const other = mkdtempSync(join(tmpdir(), 'gatehouse-session-key-'));
    assert.ok(compileSessionKeys(undefined, undefined, 'p', context(other, true), undefined, clock));
    assert.throws(() => statSync(join(other, '.gatehouse')));
    rmSync(other, { recursive: true, force: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('regression: an empty .gatehouse/session.key (a worker reading it while another was still writing it) was used as the key: HKDF of an empty secret, the same for everybody', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-session-key-'));
  try {
    mkdirSync(join(dir, '.gatehouse'), { mode: 0o700 });
    writeFileSync(join(dir, '.gatehouse', 'session.key'), '', { mode: 0o600 });
    const ctx = context(dir);
    assert.equal(compileSessionKeys(undefined, undefined, 'p', ctx, undefined, new ManualClock()), null);
    assert.match(ctx.lines().join('\n'), /^p\.sessionKeys: absent, and the generated key could not be kept in .*session\.key holds no key \(0 characters\): delete it to generate one/);
    // A key is generated whole and linked into place: no temporary file is left behind.
    rmSync(join(dir, '.gatehouse', 'session.key'));
    assert.ok(compileSessionKeys(undefined, undefined, 'p', context(dir), undefined, new ManualClock()));
    assert.deepEqual(readdirSync(join(dir, '.gatehouse')), ['session.key']);
    assert.match(readFileSync(join(dir, '.gatehouse', 'session.key'), 'utf8'), /^[A-Za-z0-9_-]{43}\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
