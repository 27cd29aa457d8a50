/**
 * The client certificate of a request's TLS connection, as mutual TLS (policies/mutual_tls.ts) and
 * the `request.cert[...]` context variables read it. The facts are gathered once per connection and
 * kept beside its socket (a WeakMap, so they go with it): a keep-alive connection carries many
 * requests, and the certificate cannot change within one — Node renegotiates nothing on the server.
 *
 * Node's formats, read here and nowhere else:
 * - `getPeerCertificate()` returns `{}` when the client sent no certificate; `raw` is the DER.
 * - `socket.authorized` is true only when the chain verified against the server's `ca` (the
 *   gateway's `server.tls.clientCaFile`); else `authorizationError` holds OpenSSL's code
 *   (`CERT_HAS_EXPIRED`, `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, ...).
 * - `subjectaltname` is `DNS:a.test, email:ops@example.com, URI:spiffe://x/y, IP Address:127.0.0.1`;
 *   a value holding a comma, quote or control character is written as a JSON string literal
 *   (`URI:"http://a\u002cb"`, node ≥ 17.3.1, CVE-2021-44532), so the list splits without ambiguity.
 * - `X509Certificate#subject` is one RDN per line, most significant first, values escaped as
 *   RFC 2253 asks (`O=Acme\, Inc.`), a multi-valued RDN joined by ` + `.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

/** What a request's connection proved about its client. */
export interface PeerCertificate {
  /** The client sent a certificate. */
  readonly present: boolean;
  /** It verified against the gateway's CA bundle (`socket.authorized`). */
  readonly verified: boolean;
  /** OpenSSL's reason when present but not verified (`CERT_HAS_EXPIRED`); else null. */
  readonly error: string | null;
  /** Base64 of the DER certificate (OCI's `request.cert[client_base64]`); `''` when none. */
  readonly base64: string;
  /** The subject, RFC 2253 order and escaping (`CN=client.test,O=Acme\, Inc.,C=US`); `''` when none. */
  readonly subject: string;
  /** The subjectAltName entries as node writes them, each with its type (`DNS:a.test`, `email:ops@example.com`). */
  readonly sans: readonly string[];
  /** DNS names from subjectAltName, lower-cased. */
  readonly dnsNames: readonly string[];
  /** E-mail addresses from subjectAltName, domain lower-cased (RFC 5280 §7.5: the local part is case-sensitive). */
  readonly emails: readonly string[];
  /** URIs from subjectAltName, as written. */
  readonly uris: readonly string[];
  /** The subject's common names (CN), lower-cased. */
  readonly commonNames: readonly string[];
}

/** A connection without a client certificate, or not over TLS. */
export const NO_CERTIFICATE: PeerCertificate = Object.freeze({
  present: false,
  verified: false,
  error: null,
  base64: '',
  subject: '',
  sans: [],
  dnsNames: [],
  emails: [],
  uris: [],
  commonNames: [],
});

const bySocket = new WeakMap<object, PeerCertificate>();

/**
 * The TLS socket under a request: `req.socket` for HTTP/1.1; for an HTTP/2 compatibility request
 * `req.socket` is a proxy made per stream, so the session's socket is the one that lasts.
 */
function connectionOf(req: IncomingMessage): object {
  const stream = (req as { stream?: { session?: { socket?: object } } }).stream;
  return stream?.session?.socket ?? req.socket;
}

/** The client certificate of `req`'s connection; NO_CERTIFICATE when there is none or no TLS. */
export function peerCertificate(req: IncomingMessage): PeerCertificate {
  const socket = connectionOf(req);
  let cert = bySocket.get(socket);
  if (cert === undefined) {
    cert = readPeerCertificate(socket as Partial<TLSSocket>);
    bySocket.set(socket, cert);
  }
  return cert;
}

function readPeerCertificate(socket: Partial<TLSSocket>): PeerCertificate {
  if (socket.encrypted !== true || typeof socket.getPeerX509Certificate !== 'function') return NO_CERTIFICATE;
  const x509 = socket.getPeerX509Certificate();
  if (x509 === undefined) return NO_CERTIFICATE;
  const verified = socket.authorized === true;
  const sans = splitSubjectAltName(x509.subjectAltName ?? '');
  const dnsNames: string[] = [];
  const emails: string[] = [];
  const uris: string[] = [];
  for (const { type, value } of sans) {
    if (type === 'DNS') dnsNames.push(value.toLowerCase());
    else if (type === 'email') emails.push(normaliseEmail(value));
    else if (type === 'URI') uris.push(value);
  }
  const rdns = x509.subject === '' ? [] : x509.subject.split('\n');
  return {
    present: true,
    verified,
    error: verified ? null : String(socket.authorizationError ?? 'UNKNOWN'),
    base64: x509.raw.toString('base64'),
    subject: rdns.map((rdn) => rdn.split(' + ').join('+')).reverse().join(','),
    sans: sans.map((e) => e.text),
    dnsNames,
    emails,
    uris,
    commonNames: commonNames(rdns),
  };
}

/** `local@Domain` → `local@domain`; the local part is kept as written. */
export function normaliseEmail(address: string): string {
  const at = address.lastIndexOf('@');
  return at === -1 ? address : address.slice(0, at + 1) + address.slice(at + 1).toLowerCase();
}

/** One subjectAltName entry: its type (`DNS`, `email`, `URI`, `IP Address`), its value decoded, and its text as node wrote it. */
export interface SanEntry {
  readonly type: string;
  readonly value: string;
  readonly text: string;
}

/**
 * Splits node's `subjectaltname` text into entries, JSON-quoted values decoded
 * (`URI:"http://a\u002cb"` → `http://a,b`). Entries node cannot print (`othername:<unsupported>`)
 * come back as they are.
 */
export function splitSubjectAltName(text: string): SanEntry[] {
  const out: SanEntry[] = [];
  let at = 0;
  while (at < text.length) {
    const colon = text.indexOf(':', at);
    if (colon === -1) break;
    const type = text.slice(at, colon);
    let value: string;
    let next: number;
    if (text[colon + 1] === '"') {
      let end = colon + 2;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      next = Math.min(end + 1, text.length);
      try {
        value = JSON.parse(text.slice(colon + 1, next)) as string;
      } catch {
        value = text.slice(colon + 2, end);
      }
    } else {
      const comma = text.indexOf(', ', colon + 1);
      next = comma === -1 ? text.length : comma;
      value = text.slice(colon + 1, next);
    }
    out.push({ type, value, text: text.slice(at, next) });
    at = text.startsWith(', ', next) ? next + 2 : next;
  }
  return out;
}

/** The CN values of the subject's lines (`CN=a`, `OU=x + CN=b`), unescaped, lower-cased. */
function commonNames(rdns: readonly string[]): string[] {
  const out: string[] = [];
  for (const rdn of rdns) {
    for (const ava of rdn.split(' + ')) {
      if (ava.startsWith('CN=')) out.push(unescapeRfc2253(ava.slice(3)).toLowerCase());
    }
  }
  return out;
}

/** Undoes RFC 2253 §2.4 escaping: `\,` → `,`; a `\XX` hex pair is a byte of the UTF-8 value. */
export function unescapeRfc2253(value: string): string {
  if (!value.includes('\\')) return value;
  const bytes: Buffer[] = [];
  for (const part of value.split(/(\\[0-9A-Fa-f]{2}|\\.)/su)) {
    if (part.length === 3 && part[0] === '\\' && /^[0-9A-Fa-f]{2}$/.test(part.slice(1))) bytes.push(Buffer.of(parseInt(part.slice(1), 16)));
    else bytes.push(Buffer.from(part.startsWith('\\') ? part.slice(1) : part, 'utf8'));
  }
  return Buffer.concat(bytes).toString('utf8');
}
