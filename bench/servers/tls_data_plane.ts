/**
 * The gateway's data plane on a server of the kind named by KIND, for bench/tls.ts: `https`
 * (node:https, what `serve` runs with server.tls) or `h2` (node:http2's createSecureServer with
 * allowHTTP1: HTTP/2 over ALPN, HTTP/1.1 for the other clients). Same plan, same handler, same
 * TLS options (the TlsListener's), same HTTP settings as gateway.ts, so the only difference between
 * the two is the server class: the question is whether HTTP/1.1 clients pay for HTTP/2 support.
 * Usage: KIND=h2 node --import tsx bench/servers/tls_data_plane.ts <gatehouse.json>
 */
import { createServer as createHttpsServer } from 'node:https';
import { createSecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import { loadConfigFile } from '../../src/config/load.ts';
import { compilePlan } from '../../src/config/compile.ts';
import { createLogger } from '../../src/lib/log.ts';
import { SharedRegistry } from '../../src/lib/shared_registry.ts';
import { createDataPlaneHandler } from '../../src/server/data_plane.ts';
import { compileServerTls } from '../../src/server/tls.ts';
import { TlsListener } from '../../src/server/tls_listener.ts';

const kind = process.env['KIND'] === 'h2' ? 'h2' : 'https';
const loaded = loadConfigFile(process.argv[2] ?? 'gatehouse.json');
const log = createLogger();
const plan = compilePlan(loaded, new SharedRegistry(), log);
const tls = compileServerTls(loaded.config.server, { baseDir: loaded.baseDir, issue: (p, m) => { throw new Error(`${p}: ${m}`); }, warn: () => undefined });
if (tls === null) throw new Error('the bench config has no server.tls');
const listener = new TlsListener(tls, { log, watch: false });
const s = plan.server;
const httpOptions = {
  maxHeaderSize: s.maxHeaderBytes,
  headersTimeout: s.headersTimeoutInSeconds * 1000,
  requestTimeout: s.requestTimeoutInSeconds * 1000,
  keepAliveTimeout: s.keepAliveTimeoutInSeconds * 1000,
  connectionsCheckingInterval: Math.min(1000, s.headersTimeoutInSeconds * 500),
};
const handler = createDataPlaneHandler({ plan, draining: false, inFlight: 0 }, log);
const tlsOptions = listener.serverOptions(s.headersTimeoutInSeconds * 1000);
const server =
  kind === 'https'
    ? createHttpsServer({ ...httpOptions, ...tlsOptions }, handler)
    : // The compatibility API hands HTTP/1.1 requests to the same handler as node:http objects.
      Object.assign(createSecureServer({ ...tlsOptions, allowHTTP1: true }, handler as unknown as (req: Http2ServerRequest, res: Http2ServerResponse) => void), httpOptions);
listener.attach(server);
server.listen(0, '127.0.0.1', () => {
  const a = server.address() as { port: number };
  // On stderr: stdout carries the access lines (drained by `cat` in bench/tls.ts).
  process.stderr.write(`listening https://127.0.0.1:${a.port}\n`);
});
process.on('SIGTERM', () => process.exit(0)); // a benchmark target: no draining needed
