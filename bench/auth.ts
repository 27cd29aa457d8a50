/**
 * Auth stage benchmark (issue #3): requests/s of a protected stock route with a warm decision
 * cache, with unique tokens (every request verifies an RS256 signature), and with invalid tokens
 * (every request fails signature verification), next to the same gateway with no authentication
 * and to a bare node:http + jose server (createRemoteJWKSet + jwtVerify, which verifies every
 * request), all in the same run, interleaved. Usage: npm run bench -- auth [--seconds N] [--rounds N]
 * or directly: node --import tsx bench/auth.ts [--seconds N] [--rounds N].
 *
 */
import { KeyObject, sign } from 'node:crypto';
import { parseArgs } from 'node:util';
import { ensureWrk, interleave, machineDescription, runWrk, spawnGatehouse, spawnTarget, table, type Target } from './harness.ts';
import { wrkTokenScript } from './fixtures.ts';
import { JwksServer, makeKey, type TestKey } from '../test/helpers/jwks_server.ts';

const AUD = 'https://auth0-jwt-authorizer';
/** More than the decision cache holds (10 000), so cycling through them misses every time. */
const UNIQUE_TOKENS = 15_000;

/** RS256 tokens shaped like Auth0's, signed with node:crypto (jose's async signer is slower for 15k). */
function signMany(key: TestKey, issuer: string, n: number): string[] {
  const privateKey = KeyObject.from(key.privateKey as never);
  const header = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: key.kid })).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const payload = { iss: issuer, sub: `client-${i}@clients`, aud: AUD, iat: now, exp: now + 86_400, scope: 'read:hello write:hello', gty: 'client-credentials', azp: `client-${i}` };
    const input = `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    out.push(`${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`);
  }
  return out;
}

export async function benchAuth(opts: { seconds: number; rounds: number; connections: number }): Promise<string> {
  ensureWrk();
  const targets: Target[] = [];
  const idp = await JwksServer.start();
  try {
    const key = await makeKey('RS256', 'bench-key');
    idp.keys = [key];
    // The bench process blocks while wrk runs: make sure nobody needs the JWKS server then.
    idp.cacheControl = 'max-age=86400';
    const valid = signMany(key, idp.issuer, UNIQUE_TOKENS);
    // Invalid: each payload with another token's signature: parses, passes claims, fails RS256.
    const invalid = valid.map((t, i) => `${t.slice(0, t.lastIndexOf('.'))}${valid[(i + 1) % valid.length]!.slice(valid[(i + 1) % valid.length]!.lastIndexOf('.'))}`);
    const warm = valid[0]!;

    const stock = { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: '{"hello":"world"}', headers: [{ name: 'content-type', value: 'application/json' }] };
    const gw = await spawnGatehouse({
        server: { host: '127.0.0.1' },
        deployments: [
          { name: 'open', pathPrefix: '/open', specification: { routes: [{ path: '/stock', methods: ['GET'], backend: stock }] } },
          {
            name: 'protected',
            pathPrefix: '/v1',
            specification: {
              requestPolicies: { authentication: { type: 'JWT_AUTHENTICATION', issuers: [idp.issuer], audiences: [AUD], publicKeys: { type: 'REMOTE_JWKS', uri: idp.jwksUri, maxCacheDurationInHours: 24 } } },
              routes: [{ path: '/stock', methods: ['GET'], backend: stock, requestPolicies: { authorization: { type: 'ANY_OF', allowedScope: ['read:hello'] } } }],
            },
          },
        ],
    });
    targets.push(gw);
    const bare = await spawnTarget('bare-jose', 0, process.execPath, ['--import', 'tsx', 'bench/servers/bare_jose.ts'], /listening (\S+)/, { JWKS_URI: idp.jwksUri, ISSUER: idp.issuer, AUDIENCE: AUD });
    targets.push(bare);
    // First requests fetch the JWKS while this process can still answer.
    for (const url of [`${gw.match}/v1/stock`, bare.match]) {
      const res = await fetch(url, { headers: { authorization: `Bearer ${warm}` } });
      if (res.status !== 200) throw new Error(`${url}: warm-up answered ${res.status}`);
    }

    const w = { seconds: opts.seconds, connections: opts.connections };
    const auth = { authorization: `Bearer ${warm}` };
    const uniqueScript = wrkTokenScript(valid);
    const invalidScript = wrkTokenScript(invalid);
    for (const u of [`${gw.match}/open/stock`, `${gw.match}/v1/stock`, bare.match]) runWrk(u, { ...w, seconds: 2, headers: auth });
    const rows = await interleave(
      [
        // The baseline gets the very same request, Authorization header included, on a route without
        // authentication: the difference is the auth stage, not the cost of parsing a bigger request.
        { name: 'Gatehouse, no authentication (baseline)', run: () => runWrk(`${gw.match}/open/stock`, { ...w, headers: auth }) },
        { name: 'Gatehouse, no authentication, no Authorization header', run: () => runWrk(`${gw.match}/open/stock`, w) },
        { name: 'Gatehouse, JWT, warm decision cache', run: () => runWrk(`${gw.match}/v1/stock`, { ...w, headers: auth }) },
        { name: 'Gatehouse, JWT, unique tokens (RS256 verify each)', run: () => runWrk(`${gw.match}/v1/stock`, { ...w, script: uniqueScript }) },
        { name: 'Gatehouse, JWT, invalid signatures (401)', run: () => runWrk(`${gw.match}/v1/stock`, { ...w, script: invalidScript }) },
        { name: 'bare node:http + jose, same token', run: () => runWrk(bare.match, { ...w, headers: auth }) },
        { name: 'bare node:http + jose, unique tokens', run: () => runWrk(bare.match, { ...w, script: uniqueScript }) },
        { name: 'bare node:http + jose, invalid signatures (401)', run: () => runWrk(bare.match, { ...w, script: invalidScript }) },
      ],
      opts.rounds,
    );
    return (
      `### Auth stage (JWT, RS256)\n\n${machineDescription()}; wrk 1 thread, ${opts.connections} connections, ${opts.seconds} s × ${opts.rounds} rounds, interleaved; ` +
      `Gatehouse at its default log level (info: one access line per request). The baseline is the same request (with its ~600-byte Authorization header) on a route without authentication. Unique and invalid scenarios cycle ${UNIQUE_TOKENS} tokens, more than the decision cache holds, so every request verifies a signature. ` +
      `Non-2xx are expected only in the invalid rows.\n\n${table(rows, 'Gatehouse, no authentication (baseline)')}\n`
    );
  } finally {
    await Promise.all(targets.map((t) => t.stop()));
    await idp.stop();
  }
}

if (process.argv[1]?.endsWith('auth.ts')) {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '3' }, connections: { type: 'string', default: '64' } } });
  process.stdout.write(await benchAuth({ seconds: Number(values.seconds), rounds: Number(values.rounds), connections: Number(values.connections) }));
}
