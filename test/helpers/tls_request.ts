/**
 * Real HTTPS requests on 127.0.0.1 for tests of what reads a client certificate (lib/peer_cert.ts,
 * the mutual-TLS policy, `request.cert[...]`): a node:https server set up as the gateway's TLS
 * listener is with a client CA bundle (ask every client for a certificate, finish the handshake
 * whatever it sends), and a client that presents the certificate it is given, or none.
 *
 *   const probe = await startTlsProbe({ server, clientCa: ca.cert }, (req) => peerCertificate(req));
 *   const cert = await probe.get({ client: alice });
 *   await probe.close();
 */
import { Agent, createServer, request, type Server } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IssuedCert } from './certs.ts';

export interface TlsProbe<T> {
  readonly port: number;
  /**
   * One GET over a new connection, or over `agent`'s (keep-alive) connection; resolves with what
   * the server's function computed from the request. Requests through one probe run one at a time.
   */
  get(opts?: { client?: Pick<IssuedCert, 'cert' | 'key'>; agent?: Agent; path?: string }): Promise<T>;
  close(): Promise<void>;
}

/** Starts the server; `fn` runs for each request, before the (empty) answer is written. */
export async function startTlsProbe<T>(
  opts: { server: IssuedCert; ca: IssuedCert; clientCa?: string },
  fn: (req: IncomingMessage) => T,
): Promise<TlsProbe<T>> {
  const results: ({ value: T } | { error: unknown })[] = [];
  const server: Server = createServer(
    {
      cert: opts.server.cert,
      key: opts.server.key,
      ...(opts.clientCa === undefined ? {} : { ca: opts.clientCa, requestCert: true, rejectUnauthorized: false }),
    },
    (req, res) => {
      try {
        results.push({ value: fn(req) });
      } catch (error) {
        results.push({ error });
      }
      res.end();
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    async get({ client, agent, path = '/' } = {}) {
      await new Promise<void>((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port,
            path,
            servername: 'localhost',
            ca: opts.ca.cert,
            ...(client === undefined ? {} : { cert: client.cert, key: client.key }),
            agent: agent ?? false,
          },
          (res) => {
            res.resume();
            res.on('end', resolve);
          },
        );
        req.on('error', reject);
        req.end();
      });
      const r = results.shift();
      if (r === undefined) throw new Error('the request never reached the server');
      if ('error' in r) throw r.error;
      return r.value;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
