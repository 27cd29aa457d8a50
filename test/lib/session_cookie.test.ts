import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ManualClock } from '../../src/lib/clock.ts';
import { DEFAULTS } from '../../src/config/defaults.ts';
import { CHUNK_CHARS, MAX_CHUNKS, KeyRing, clearChunked, deriveKey, parseCookies, readChunked, setCookie, writeChunked } from '../../src/lib/session_cookie.ts';

const clock = new ManualClock();
const ring = (...keys: { key: Buffer; openUntilMs: number | null }[]) => new KeyRing(keys, clock);
const key = () => ({ key: randomBytes(32), openUntilMs: null });

test('seal and open: the value comes back; the sealed text shows nothing of it', () => {
  const r = ring(key());
  const sealed = r.seal('session', { at: 'token-abc', exp: 5 });
  assert.match(sealed, /^[A-Za-z0-9_-]+$/);
  assert.ok(!Buffer.from(sealed, 'base64url').toString('latin1').includes('token-abc'));
  assert.deepEqual(r.open('session', sealed), { at: 'token-abc', exp: 5 });
  assert.notEqual(r.seal('session', { at: 'token-abc', exp: 5 }), sealed, 'a fresh IV per seal');
});

test('open refuses a flipped bit, a truncated value, another purpose, another key, and junk', () => {
  const r = ring(key());
  const sealed = r.seal('session', { a: 1 });
  const raw = Buffer.from(sealed, 'base64url');
  for (const i of [0, 14, raw.length - 1]) {
    const bad = Buffer.from(raw);
    bad[i] = (bad[i] as number) ^ 1;
    assert.equal(r.open('session', bad.toString('base64url')), null, `bit flipped at ${i}`);
  }
  assert.equal(r.open('session', sealed.slice(0, -4)), null);
  assert.equal(r.open('txn', sealed), null, 'a sign-in cookie cannot be replayed as a session (AAD)');
  assert.equal(ring(key()).open('session', sealed), null);
  for (const junk of ['', 'a', '!!!', 'x'.repeat(40), 'a.b.c']) assert.equal(r.open('session', junk), null);
});

test('key rotation: the first key seals; a demoted key opens until its grace ends (injected clock)', () => {
  const oldKey = key();
  const before = ring(oldKey);
  const sealedOld = before.seal('session', { v: 'old' });
  const graceEnd = clock.nowMs() + 24 * 3_600_000;
  const rotated = ring(key(), { key: oldKey.key, openUntilMs: graceEnd });
  assert.deepEqual(rotated.open('session', sealedOld), { v: 'old' }, 'still signed in after the rotation');
  const sealedNew = rotated.seal('session', { v: 'new' });
  assert.equal(before.open('session', sealedNew), null, 'new cookies are sealed with the new key');
  clock.set(graceEnd);
  assert.deepEqual(rotated.open('session', sealedOld), { v: 'old' }, 'open up to the end of the grace');
  clock.advance(1);
  assert.equal(rotated.open('session', sealedOld), null, 'after the grace the old key opens nothing');
  assert.deepEqual(rotated.open('session', sealedNew), { v: 'new' });
});

test('deriveKey: 32 bytes, stable for a secret, different for another', () => {
  assert.equal(deriveKey('a'.repeat(32)).length, 32);
  assert.deepEqual(deriveKey('secret-one-secret-one-secret-one'), deriveKey('secret-one-secret-one-secret-one'));
  assert.notDeepEqual(deriveKey('secret-one-secret-one-secret-one'), deriveKey('secret-two-secret-two-secret-two'));
});

test('parseCookies: names and values, quotes stripped, first duplicate wins, junk skipped', () => {
  const c = parseCookies('a=1; b="two"; a=3; junk; =x; c=');
  assert.equal(c.get('a'), '1');
  assert.equal(c.get('b'), 'two');
  assert.equal(c.get('c'), '');
  assert.equal(c.size, 3);
  assert.equal(parseCookies(undefined).size, 0);
});

test('setCookie: HttpOnly, Path=/, SameSite=Lax always; Secure only over TLS', () => {
  assert.equal(setCookie('n', 'v', { secure: false, maxAgeSec: 60 }), 'n=v; Path=/; HttpOnly; SameSite=Lax; Max-Age=60');
  assert.equal(setCookie('n', 'v', { secure: true, maxAgeSec: 0 }), 'n=v; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure');
});

const attrs = { secure: false, maxAgeSec: 3600 };
const jar = (setCookies: string[]) => {
  const m = new Map<string, string>();
  for (const s of setCookies) {
    const [pair] = s.split(';');
    const eq = pair!.indexOf('=');
    if (!s.includes('Max-Age=0')) m.set(pair!.slice(0, eq), pair!.slice(eq + 1));
  }
  return m;
};

test('chunking: a small value is one cookie; a large one is split into name.0, name.1, ... each within the limit, and read back whole', () => {
  const small = writeChunked(new Map(), 's', 'x'.repeat(100), attrs)!;
  assert.equal(small.length, 1);
  assert.equal(readChunked(jar(small), 's'), 'x'.repeat(100));

  const value = randomBytes(6000).toString('base64url');
  const big = writeChunked(new Map(), 's', value, attrs)!;
  assert.deepEqual(big.map((c) => c.split('=')[0]), ['s.0', 's.1', 's.2']);
  for (const c of big) assert.ok(c.length < 4096, 'each Set-Cookie fits a browser cookie');
  assert.equal(readChunked(jar(big), 's'), value);
  assert.equal(CHUNK_CHARS * MAX_CHUNKS >= 10000, true, 'room for ID tokens with many groups');
});

test('regression: the largest session the cookies accepted (5 chunks, 19 000 characters) overflowed the default 16 KB request head, so every request of that browser, logout included, got 431', () => {
  // What the browser sends back: the largest session, a sign-in cookie (the access token expired: signing in again) and its usual headers.
  const name = 'gatehouse_a-deployment-name-of-forty-characters';
  const session = writeChunked(new Map(), name, 'x'.repeat(CHUNK_CHARS * MAX_CHUNKS), attrs)!;
  assert.equal(session.length, MAX_CHUNKS);
  const txn = ring(key()).seal('txn', { s: 'x'.repeat(43), n: 'x'.repeat(43), v: 'x'.repeat(43), r: `/${'p'.repeat(255)}`, u: `https://${'h'.repeat(60)}/callback`, exp: Date.now() });
  const cookie = [...session.map((c) => c.split(';')[0]!), `${name}_txn=${txn}`].join('; ');
  const otherHeaders = 2048; // request line, Host, User-Agent, Accept*, Referer, Sec-* of a browser's page load, with room
  assert.ok(`Cookie: ${cookie}\r\n`.length + otherHeaders <= DEFAULTS.server.maxHeaderBytes, `a request head of ${cookie.length + otherHeaders} bytes`);
});

test('chunking: pieces the browser holds and the new value does not use are deleted; too large is refused; clearChunked deletes all', () => {
  const sent = new Map([['s.0', 'a'], ['s.1', 'b'], ['s.2', 'c'], ['other', 'x']]);
  const out = writeChunked(sent, 's', 'small', attrs)!;
  assert.deepEqual(out.map((c) => c.split(';')[0]), ['s=small', 's.0=', 's.1=', 's.2=']);
  assert.ok(out.slice(1).every((c) => c.includes('Max-Age=0')));
  assert.equal(writeChunked(new Map(), 's', 'x'.repeat(CHUNK_CHARS * MAX_CHUNKS + 1), attrs), null);
  assert.deepEqual(clearChunked(new Map([['s', 'v'], ['s.0', 'a'], ['t', 'x']]), 's', true).map((c) => c.split(';')[0]), ['s=', 's.0=']);
  assert.equal(readChunked(new Map([['s.1', 'x']]), 's'), null, 'chunks without .0 are no cookie');
});

test('regression: a sealed value of one byte (JSON 1) opens; it was refused as too short', () => {
  const r = ring(key());
  assert.equal(r.open('session', r.seal('session', 1)), 1);
  assert.equal(r.open('session', r.seal('session', 0)), 0);
});

test('KeyRing.id names the keys and their ends: stable for the same ring, different after a rotation or a new grace end', () => {
  const a = key();
  const b = key();
  assert.equal(ring(a, b).id, ring(a, b).id);
  assert.notEqual(ring(a, b).id, ring(b, a).id);
  assert.notEqual(ring(a, { key: b.key, openUntilMs: 5 }).id, ring(a, b).id);
});
