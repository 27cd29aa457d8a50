/**
 * Keys and tokens for the JWT benchmarks, made once and cached in bench/out/ (git-ignored).
 * Tokens are RS256 with 2048-bit keys, shaped like Auth0 client-credentials tokens.
 */
import { generateKeyPairSync, createPrivateKey, randomBytes, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './harness.ts';

export const OUT = join(ROOT, 'bench/out');
export const ISSUER = 'https://bench-tenant.example/';
export const AUDIENCE = 'https://bench-api';
export const KID = 'bench-key-1';

export interface BenchKeys {
  privatePem: string;
  publicPem: string;
  jwks: { keys: Record<string, unknown>[] };
}

export function loadKeys(): BenchKeys {
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, 'keys.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as BenchKeys;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });
  const keys: BenchKeys = {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    jwks: { keys: [{ ...jwk, kid: KID, alg: 'RS256', use: 'sig' }] },
  };
  writeFileSync(file, JSON.stringify(keys));
  return keys;
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** Signs one RS256 token (node:crypto directly: the fixtures need volume, not a library under test). */
export function signToken(key: KeyObject, claims: Record<string, unknown>, kid = KID): string {
  const input = `${b64({ alg: 'RS256', typ: 'JWT', kid })}.${b64(claims)}`;
  return `${input}.${cryptoSign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

function claims(i: number, lifetimeSec: number): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { iss: ISSUER, sub: `client${i}@clients`, aud: AUDIENCE, iat: now, exp: now + lifetimeSec, scope: 'read:hello', gty: 'client-credentials', azp: `client${i}` };
}

/** `count` distinct valid tokens, cached on disk while they have at least an hour left. */
export function validTokens(count: number, name: string): string[] {
  const file = join(OUT, `tokens-${name}-${count}.json`);
  if (existsSync(file)) {
    const cached = JSON.parse(readFileSync(file, 'utf8')) as { exp: number; tokens: string[] };
    if (cached.exp - Date.now() / 1000 > 3600) return cached.tokens;
  }
  const key = createPrivateKey(loadKeys().privatePem);
  const lifetimeSec = 6 * 3600;
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) tokens.push(signToken(key, { ...claims(i, lifetimeSec), jti: randomBytes(8).toString('hex') }));
  writeFileSync(file, JSON.stringify({ exp: Math.floor(Date.now() / 1000) + lifetimeSec, tokens }));
  return tokens;
}

/** Tokens with a valid shape whose signatures do not verify. */
export function invalidTokens(count: number): string[] {
  return validTokens(count, 'warm').map((t) => `${t.slice(0, t.lastIndexOf('.') + 1)}${Buffer.from(randomBytes(256)).toString('base64url')}`);
}

/** Tokens naming kids that no JWKS has (the random-kid flood). */
export function randomKidTokens(count: number): string[] {
  const key = createPrivateKey(loadKeys().privatePem);
  const base = signToken(key, claims(0, 3600));
  const [, payload, sig] = base.split('.');
  return Array.from({ length: count }, () => `${b64({ alg: 'RS256', typ: 'JWT', kid: randomBytes(8).toString('hex') })}.${payload}.${sig}`);
}

/** A wrk Lua script that sends the tokens in turn, one per request, to the URL's path (or `path`). */
export function wrkTokenScript(tokens: string[], path?: string): string {
  const target = path === undefined ? 'nil' : JSON.stringify(path);
  return `local tokens = {\n${tokens.map((t) => `"${t}"`).join(',\n')}\n}\nlocal i = 0\nrequest = function()\n  i = i % #tokens + 1\n  return wrk.format("GET", ${target}, { ["Authorization"] = "Bearer " .. tokens[i] })\nend\n`;
}
