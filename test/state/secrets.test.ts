import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolveSecret } from '../../src/lib/secrets.ts';

const OCID = 'ocid1.vaultsecret.oc1..aaaa';

test('resolveSecret: a string entry is the secret; a file entry is read relative to the config directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-secrets-'));
  writeFileSync(join(dir, 'pw.txt'), 's3cr3t\n');
  assert.deepEqual(resolveSecret({ [OCID]: 'inline' }, OCID, dir), { value: 'inline' });
  assert.deepEqual(resolveSecret({ [OCID]: { file: 'pw.txt' } }, OCID, dir), { value: 's3cr3t' }, 'the trailing newline is dropped');
});

test('resolveSecret: a missing entry or file says why, naming the OCID and path but never a secret', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-secrets-'));
  const none = resolveSecret(undefined, OCID, dir);
  assert.ok('missing' in none && none.missing.includes(OCID));
  const other = resolveSecret({ 'ocid1.vaultsecret.oc1..other': 'not-this-one' }, OCID, dir);
  assert.ok('missing' in other && !other.missing.includes('not-this-one'));
  const file = resolveSecret({ [OCID]: { file: 'absent.txt' } }, OCID, dir);
  assert.ok('missing' in file && file.missing.includes(join(dir, 'absent.txt')) && file.missing.includes('ENOENT'), JSON.stringify(file));
  const inherited = resolveSecret({}, 'toString', dir);
  assert.ok('missing' in inherited, 'an inherited property is not a secret entry');
});
