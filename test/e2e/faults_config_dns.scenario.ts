/**
 * Run ONLY inside a fresh network namespace (`unshare -n`, loopback up) by
 * faults_config_dns.test.ts: there, a DNS lookup fails at once and no packet can leave the machine.
 * Starts a gateway with one deployment whose JWKS is a local server and one whose JWKS host does
 * not resolve, then prints what it observed as one `RESULT {json}` line.
 */
import { networkInterfaces } from 'node:os';
import { startGateway } from '../helpers/gateway.ts';
import { JwksServer, makeKey, signToken } from '../helpers/jwks_server.ts';

// Refuse to run anywhere a lookup could reach a resolver: the namespace has loopback only.
const ifaces = Object.keys(networkInterfaces());
if (ifaces.some((name) => name !== 'lo')) {
  process.stderr.write(`refusing to run: interfaces ${ifaces.join(', ')} (not an isolated network namespace)\n`);
  process.exit(3);
}

const UNRESOLVABLE = 'https://jwks.gatehouse-test.example/.well-known/jwks.json';
const now = () => Math.floor(Date.now() / 1000);
const idp = await JwksServer.start();
const key = await makeKey('ES256', 'k');
idp.keys = [key];
const policy = (uri: string, issuer: string) => ({ type: 'JWT_AUTHENTICATION', issuers: [issuer], audiences: ['api'], publicKeys: { type: 'REMOTE_JWKS', uri } });
const gw = await startGateway({
  config: {
    deployments: [
      { name: 'local', pathPrefix: '/local', specification: { requestPolicies: { authentication: policy(idp.jwksUri, idp.issuer) }, routes: [{ path: '/r', backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'local' } }] } },
      { name: 'nowhere', pathPrefix: '/nowhere', specification: { requestPolicies: { authentication: policy(UNRESOLVABLE, 'https://nowhere/') }, routes: [{ path: '/r', backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'nowhere' } }] } },
      { name: 'open', pathPrefix: '/open', specification: { routes: [{ path: '/health', backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'ok' } }] } },
    ],
  },
  env: { GATEHOUSE_JWKS_TIMEOUT_MS: '1500', GATEHOUSE_JWKS_COOLDOWN_MS: '500' },
});
try {
  const status = async (path: string, token?: string) => {
    const res = await fetch(`${gw.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    await res.text();
    return { status: res.status, challenge: res.headers.get('www-authenticate') };
  };
  const started = Date.now();
  const nowhere = await status('/nowhere/r', await signToken(key, { iss: 'https://nowhere/', aud: 'api', exp: now() + 600 }));
  const nowhereMs = Date.now() - started;
  const local = await status('/local/r', await signToken(key, { iss: idp.issuer, aud: 'api', exp: now() + 600 }));
  const open = await status('/open/health');
  const ready = (await fetch(`${gw.adminUrl}/health/ready`)).status;
  const auth = (await (await fetch(`${gw.adminUrl}/admin/auth`)).json()) as { jwks: Record<string, unknown>[] };
  const state = auth.jwks.find((j) => j['jwksUri'] === UNRESOLVABLE) ?? {};
  const result = { nowhere, nowhereMs, local, open, ready, usable: state['usable'], lastError: state['lastError'], running: gw.proc.exitCode === null };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
} finally {
  await gw.stop();
  await idp.stop();
}
