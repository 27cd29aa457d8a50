import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { closestName, editDistance } from '../../src/config/suggest.ts';

describe('closestName', () => {
  it('edit distance counts insertions, deletions, substitutions and neighbour swaps as one', () => {
    assert.equal(editDistance('pathPrefix', 'pathPrefix'), 0);
    assert.equal(editDistance('pathPrefx', 'pathPrefix'), 1);
    assert.equal(editDistance('pahtPrefix', 'pathPrefix'), 1);
    assert.equal(editDistance('pathPrefiz', 'pathPrefix'), 1);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('kitten', 'sitting'), 3);
  });

  it('suggests a close field, ignoring case and separators, and nothing when none is close', () => {
    const deployment = ['name', 'pathPrefix', 'specification', 'specificationFile'];
    assert.equal(closestName('pathprefix', deployment), 'pathPrefix');
    assert.equal(closestName('path-prefix', deployment), 'pathPrefix');
    assert.equal(closestName('pathPrefx', deployment), 'pathPrefix');
    assert.equal(closestName('specificatoin', deployment), 'specification');
    assert.equal(closestName('specificationFiles', deployment), 'specificationFile');
    assert.equal(closestName('surprise', deployment), undefined);
    assert.equal(closestName('nam', deployment), 'name');
    assert.equal(closestName('type', deployment), undefined, 'two edits from a four-letter name is not close');
    assert.equal(closestName('authentification', ['authentication', 'authorization']), 'authentication');
    assert.equal(closestName('x', []), undefined);
    assert.equal(closestName('d', ['kty', 'n', 'e']), undefined, 'a one-letter name is not close to another one-letter name');
    assert.equal(closestName('ur', ['uri', 'type']), 'uri');
  });
});
