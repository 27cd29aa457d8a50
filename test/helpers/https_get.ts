/**
 * One HTTPS request on a new connection (no agent, no pooling), for tests of a TLS listener: it
 * answers with the status, headers and body, and with what the handshake gave (the certificate
 * the server presented, the TLS version, the ALPN protocol), so a test can tell which certificate
 * SNI picked and whether a rotation reached new connections.
 */
import { request } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { DetailedPeerCertificate, SecureVersion, TLSSocket } from 'node:tls';

export interface HttpsAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** The server's certificate (fingerprint256, subject, subjectaltname, valid_to...). */
  peer: DetailedPeerCertificate;
  protocol: string | null;
  alpn: string | false | null;
}

export interface HttpsGetOptions {
  /** PEM text of the CA to trust (the test CA). */
  ca: string;
  /** SNI name and the name the certificate is checked against (default: localhost). */
  servername?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  minVersion?: SecureVersion;
  maxVersion?: SecureVersion;
  /** OpenSSL cipher string (TLS 1.1 needs `DEFAULT@SECLEVEL=0` on OpenSSL 3). */
  ciphers?: string;
  /** A client certificate to present. */
  client?: { cert: string; key: string };
  timeoutMs?: number;
}

export function httpsGet(url: string, opts: HttpsGetOptions): Promise<HttpsAnswer> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname.replace(/^\[|\]$/g, ''),
        port: u.port,
        path: `${u.pathname}${u.search}`,
        method: opts.method ?? 'GET',
        headers: opts.headers,
        agent: false,
        ca: opts.ca,
        servername: opts.servername ?? 'localhost',
        ...(opts.minVersion !== undefined ? { minVersion: opts.minVersion } : {}),
        ...(opts.maxVersion !== undefined ? { maxVersion: opts.maxVersion } : {}),
        ...(opts.ciphers !== undefined ? { ciphers: opts.ciphers } : {}),
        ...(opts.client !== undefined ? { cert: opts.client.cert, key: opts.client.key } : {}),
        timeout: opts.timeoutMs ?? 5000,
      },
      (res) => {
        const socket = res.socket as TLSSocket;
        const peer = socket.getPeerCertificate(true);
        const protocol = socket.getProtocol();
        const alpn = socket.alpnProtocol;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, peer, protocol, alpn }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} in ${opts.timeoutMs ?? 5000} ms`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}
