import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { renderConfigDocs } from '../../scripts/config_docs.ts';

it('docs/configuration.md matches the JSON Schema (run `npm run docs` after a schema change)', () => {
  const committed = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
  assert.equal(committed, renderConfigDocs());
});
