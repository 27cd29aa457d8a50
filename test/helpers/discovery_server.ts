/**
 * A real OpenID Connect discovery endpoint on loopback whose document the test writes, for the
 * shapes JwksServer's own (always well-formed) document cannot take: no `issuer`, a moved
 * `jwks_uri`, junk. Counts requests.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DiscoveryServer {
  /** `http://127.0.0.1:<port>/.well-known/openid-configuration` */
  readonly uri: string;
  /** The document served next; change it at any time. */
  document: unknown;
  readonly requests: number;
  close(): Promise<void>;
}

export async function startDiscoveryServer(document: unknown): Promise<DiscoveryServer> {
  let requests = 0;
  const server = createServer((req, res) => {
    if (req.url !== '/.well-known/openid-configuration') {
      res.writeHead(404).end();
      return;
    }
    requests++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(self.document));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const self: DiscoveryServer = {
    uri: `http://127.0.0.1:${port}/.well-known/openid-configuration`,
    document,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return self;
}
