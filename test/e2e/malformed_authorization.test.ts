/**
 * Malformed `Authorization` headers on a PROTECTED route, sent as raw bytes (fetch would normalise
 * most of them away): repeated headers, other schemes, missing or padded tokens, tabs, non-ASCII
 * bytes, oversized tokens. Each gets its exact status and the reason lands in the access log; a valid
 * token in a case-insensitive scheme is accepted; a healthy route serves afterwards.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type RunningGatewayProcess } from '../helpers/gateway.ts';
import { JwksServer, makeKey, signToken, type TestKey } from '../helpers/jwks_server.ts';
import { rawExchange } from '../helpers/raw_http.ts';

/** One request over a fresh socket, with the header lines given as raw (latin1) bytes. */
async function rawGet(url: string, path: string, headerLines: string[]): Promise<{ status: number; challenge: string | null; head: string }> {
  const lines = [`GET ${path} HTTP/1.1`, `Host: ${new URL(url).host}`, ...headerLines, 'Connection: close', '', ''];
  const a = await rawExchange(url, lines.join('\r\n'), { end: true });
  return { status: a.status, head: a.head, challenge: /\r\nwww-authenticate: ([^\r]*)/i.exec(a.head)?.[1] ?? null };
}

const INVALID = 'Bearer error="invalid_token"';
const now = () => Math.floor(Date.now() / 1000);

describe('malformed Authorization headers on a protected route (e2e)', () => {
  let idp: JwksServer;
  let key: TestKey;
  let gw: RunningGatewayProcess;
  let small: RunningGatewayProcess;
  let good: string;

  const config = (maxHeaderBytes: number) => ({
    server: { host: '127.0.0.1', maxHeaderBytes },
    deployments: [
      {
        name: 'api',
        pathPrefix: '/api',
        specification: {
          // maxTokenSizeInBytes (a Gatehouse extension): below the 64 KiB head, so oversized tokens reach auth and are refused there.
          requestPolicies: { authentication: { type: 'JWT_AUTHENTICATION', tokenHeader: 'Authorization', tokenAuthScheme: 'Bearer', issuers: [idp.issuer], audiences: ['api'], publicKeys: { type: 'REMOTE_JWKS', uri: idp.jwksUri }, maxTokenSizeInBytes: 16384 } },
          routes: [
            { path: '/private', backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'secret' } },
          ],
        },
      },
      { name: 'open', pathPrefix: '/open', specification: { routes: [{ path: '/health', backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'ok' } }] } },
    ],
  });

  before(async () => {
    idp = await JwksServer.start();
    key = await makeKey('ES256', 'k1');
    idp.keys = [key];
    gw = await startGateway({ config: config(65536) });
    small = await startGateway({ config: config(16384) });
    good = await signToken(key, { iss: idp.issuer, aud: 'api', exp: now() + 600 });
  });
  after(async () => {
    await gw?.stop();
    await small?.stop();
    await idp?.stop();
  });

  async function healthy(g: RunningGatewayProcess): Promise<void> {
    const r = await rawGet(g.url, '/open/health', []);
    assert.equal(r.status, 200);
  }

  it('a valid token is accepted with the scheme in any case, and with trailing whitespace (not part of a field value)', async () => {
    for (const line of [`Authorization: Bearer ${good}`, `Authorization: bearer ${good}`, `Authorization: BEARER ${good}`, `authorization: bEaReR ${good}`, `Authorization: Bearer ${good}   `, `Authorization: Bearer ${good}\t`, `Authorization:    Bearer ${good}`]) {
      const r = await rawGet(gw.url, '/api/private', [line]);
      assert.equal(r.status, 200, JSON.stringify(line.slice(0, 40)));
    }
  });

  it('each malformed header is exactly 401 invalid_token, with the reason in the access log', async () => {
    const cases: [string, string[], string][] = [
      ['two Authorization headers, both valid', [`Authorization: Bearer ${good}`, `Authorization: Bearer ${good}`], 'token_malformed'],
      ['a valid one and an empty one', [`Authorization: Bearer ${good}`, 'Authorization:'], 'token_malformed'],
      ['Basic credentials', ['Authorization: Basic dXNlcjpwYXNzd29yZA=='], 'token_malformed'],
      ['Basic scheme carrying the JWT', [`Authorization: Basic ${good}`], 'token_malformed'],
      ['Digest', ['Authorization: Digest username="a", realm="b", nonce="c", uri="/", response="d"'], 'token_malformed'],
      ['a scheme that merely starts with Bearer', [`Authorization: Bearerx ${good}`], 'token_malformed'],
      ['Bearer with no token', ['Authorization: Bearer'], 'token_malformed'],
      ['Bearer and spaces only', ['Authorization: Bearer    '], 'token_malformed'],
      ['two spaces after the scheme', [`Authorization: Bearer  ${good}`], 'token_malformed'],
      ['a tab after the scheme', [`Authorization: Bearer\t${good}`], 'token_malformed'],
      ['the token without a scheme', [`Authorization: ${good}`], 'token_malformed'],
      ['the token followed by another word', [`Authorization: Bearer ${good} extra`], 'token_malformed'],
      ['two tokens joined by a comma', [`Authorization: Bearer ${good}, Bearer ${good}`], 'token_malformed'],
      ['non-ASCII bytes inside the token', [`Authorization: Bearer ${good.slice(0, 20)}\xc3\xa9\xff${good.slice(20)}`], 'token_malformed'],
      ['a non-ASCII scheme', [`Authorization: B\xe9arer ${good}`], 'token_malformed'],
      ['a 20 KB token', [`Authorization: Bearer ${'a'.repeat(20 * 1024)}`], 'token_too_large'],
      ['a 20 KB valid-looking JWS', [`Authorization: Bearer ${good.split('.')[0]}.${'A'.repeat(20 * 1024)}.${good.split('.')[2]}`], 'token_too_large'],
    ];
    for (const [name, lines, reason] of cases) {
      const r = await rawGet(gw.url, '/api/private', lines);
      assert.deepEqual([r.status, r.challenge], [401, INVALID], `${name}: ${r.head.split('\r\n')[0]}`);
      await gw.waitFor((rec) => rec['msg'] === 'access' && rec['path'] === '/api/private' && rec['auth'] === reason, 2000);
    }
    const byReason = ((await (await fetch(`${gw.adminUrl}/admin/auth`)).json()) as { failuresByReason: Record<string, number> }).failuresByReason;
    assert.ok((byReason['token_malformed'] ?? 0) >= cases.length - 2, JSON.stringify(byReason));
    assert.ok((byReason['token_too_large'] ?? 0) >= 2);
    await healthy(gw);
  });

  it('no header and an empty header: 401 with a bare challenge for the first, invalid_token for the second', async () => {
    const none = await rawGet(gw.url, '/api/private', []);
    assert.deepEqual([none.status, none.challenge], [401, 'Bearer']);
    const empty = await rawGet(gw.url, '/api/private', ['Authorization:']);
    assert.equal(empty.status, 401);
    await healthy(gw);
  });

  it('a token larger than the head limit is refused by the parser: 431, and nothing reaches auth', async () => {
    const r = await rawGet(small.url, '/api/private', [`Authorization: Bearer ${'a'.repeat(20 * 1024)}`]);
    assert.equal(r.status, 431);
    await healthy(small);
    const ok = await rawGet(small.url, '/api/private', [`Authorization: Bearer ${good}`]);
    assert.equal(ok.status, 200);
  });

  it('control characters in the value are refused by the parser with 400', async () => {
    for (const bad of [`Authorization: Bearer ${good}\x00`, `Authorization: Bearer \x01${good}`, `Authorization: Bearer ${good}\x7f`]) {
      const r = await rawGet(gw.url, '/api/private', [bad]);
      assert.equal(r.status, 400, JSON.stringify(bad.slice(-3)));
    }
    await healthy(gw);
  });
});
