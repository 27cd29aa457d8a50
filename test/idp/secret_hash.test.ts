import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateClientId, generateSecret, hashSecret, SecretVerifier, verifySecret } from '../../src/idp/secret_hash.ts';

test('secrets are stored as salted scrypt hashes and verified', async () => {
  const h1 = hashSecret('s3cret');
  const h2 = hashSecret('s3cret');
  assert.match(h1, /^scrypt\$16384\$8\$1\$/);
  assert.ok(!h1.includes('s3cret'));
  assert.notEqual(h1, h2);
  assert.ok(await verifySecret('s3cret', h1));
  assert.ok(!(await verifySecret('s3cret!', h1)));
  assert.ok(!(await verifySecret('s3cret', 'plain')));
});

test('the verifier remembers a verified secret, but not a wrong one, and not across a new hash', async () => {
  const v = new SecretVerifier();
  const stored = hashSecret('one');
  assert.ok(await v.verify('c', 'one', stored));
  let t = performance.now();
  assert.ok(await v.verify('c', 'one', stored));
  assert.ok(performance.now() - t < 5, 'a remembered secret costs no scrypt');
  assert.ok(!(await v.verify('c', 'two', stored)));
  const rotated = hashSecret('two');
  assert.ok(!(await v.verify('c', 'one', rotated)));
  assert.ok(await v.verify('c', 'two', rotated));
  v.forget('c');
  t = performance.now();
  assert.ok(await v.verify('c', 'two', rotated));
});

test('generated ids and secrets look like Auth0 ones', () => {
  assert.match(generateClientId(), /^[A-Za-z0-9]{32}$/);
  assert.match(generateSecret(), /^[A-Za-z0-9_-]{64}$/);
});

test('at most maxSlow scrypt checks run at once; beyond maxWaiting the verifier answers busy', async () => {
  const v = new SecretVerifier({ maxSlow: 1, maxWaiting: 1 });
  const stored = hashSecret('right');
  const results = await Promise.all([v.verify('a', 'w1', stored), v.verify('b', 'w2', stored), v.verify('c', 'w3', stored)]);
  assert.deepEqual(results, [false, false, 'busy']);
  // Once the queue drains, checks run again, and a remembered secret never waits.
  assert.equal(await v.verify('a', 'right', stored), true);
  const again = await Promise.all([v.verify('x', 'w', stored), v.verify('y', 'w', stored), v.verify('a', 'right', stored)]);
  assert.deepEqual(again, [false, false, true]);
});
