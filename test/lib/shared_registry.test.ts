import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SharedRegistry } from '../../src/lib/shared_registry.ts';

describe('SharedRegistry', () => {
  it('hands the same resource to the next plan, disposes unused ones on commit and new ones on abort', async () => {
    const disposed: string[] = [];
    const r = new SharedRegistry();
    const make = (k: string) => r.acquire(k, () => ({ k }), (v) => void disposed.push(v.k));
    const a = make('a');
    make('b');
    await r.commit();
    assert.equal(make('a'), a, 'same object for the same key');
    make('c');
    await r.abort();
    assert.deepEqual(disposed, ['c'], 'abort disposes only what the failed attempt created');
    make('a');
    await r.commit();
    assert.deepEqual(disposed, ['c', 'b'], 'commit disposes what the live plan no longer uses');
    await r.closeAll();
    assert.deepEqual(disposed, ['c', 'b', 'a']);
  });
});
