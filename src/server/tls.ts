/**
 * `server.tls`: the data plane's certificates (several, chosen by SNI), the client CA bundle that
 * mutual TLS verifies against, the lowest TLS version, and the optional plain-HTTP port that
 * redirects to HTTPS.
 *
 * Everything a file can get wrong is found here, at load, so `gatehouse validate` reports it and a
 * reload keeps the old plan: unreadable files, PEM that does not parse, a key that does not match
 * its certificate, a CA bundle without a certificate. The PEM is read into the plan (`material`)
 * together with one secure context per certificate; the live listener (tls_listener.ts) reads the
 * same files again when they change, through `loadTlsMaterial`.
 */
import { X509Certificate, createPrivateKey, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createSecureContext, type SecureContext, type SecureContextOptions } from 'node:tls';
import { nonEmptyString, object } from '../lib/json_schema.ts';
import { splitSubjectAltName } from '../lib/peer_cert.ts';
import type { CompileContext } from '../types.ts';

export type TlsMinVersion = 'TLSv1.2' | 'TLSv1.3';

export interface CertificateFiles {
  certFile: string;
  keyFile: string;
}

/** `server.tls` as written (schema-valid). */
export interface ServerTlsConfig {
  certificates: CertificateFiles[];
  clientCaFile?: string;
  minVersion?: TlsMinVersion;
}

const portSchema = { type: 'integer', minimum: 0, maximum: 65535 };

/** JSON-schema fragment of `server.tls`. */
export const serverTlsSchema: Record<string, unknown> = {
  ...object(
    {
      certificates: {
        type: 'array',
        minItems: 1,
        items: object(
          {
            certFile: { ...nonEmptyString, description: 'PEM certificate (the chain after it, if any), relative to this file.' },
            keyFile: { ...nonEmptyString, description: 'PEM private key of that certificate (unencrypted), relative to this file.' },
          },
          ['certFile', 'keyFile'],
        ),
        description: 'Chosen by SNI, by the DNS names of each certificate (its CN when it has none); the first is the default. Reloaded when the files change.',
      },
      clientCaFile: { ...nonEmptyString, description: 'PEM CA bundle that client certificates are verified against (mutualTls). When set, the gateway asks every client for a certificate.' },
      minVersion: { enum: ['TLSv1.2', 'TLSv1.3'], description: 'Lowest TLS version accepted (default TLSv1.2).' },
    },
    ['certificates'],
  ),
  description: 'Serve the data plane over HTTPS (docs/deployment.md, TLS).',
};

/** JSON-schema fragment of `server.httpPort`. */
export const httpPortSchema: Record<string, unknown> = {
  ...portSchema,
  description: 'Plain-HTTP port that answers every request with a 308 redirect to https on `port` (needs `tls`; 0 picks a free one). Absent: no plain-HTTP listener.',
};

/** What `/admin/info` shows of a certificate: never key material. */
export interface CertificateInfo {
  certFile: string;
  keyFile: string;
  subject: string;
  issuer: string;
  /** The subjectAltName entries (`DNS:api.example.com`, `IP Address:127.0.0.1`). */
  sans: string[];
  /** The names SNI picks this certificate for (lower case; `*.example.com` for a wildcard). */
  names: string[];
  notBefore: string;
  notAfter: string;
  fingerprint256: string;
}

export interface LoadedCertificate {
  /** PEM text: the certificate (and its chain) and its key. */
  readonly cert: string;
  readonly key: string;
  readonly info: CertificateInfo;
  /** The secure context SNI hands out for this certificate's names. */
  readonly context: SecureContext;
}

/** The certificates and CA bundle as read from disk, checked and ready to serve. */
export interface TlsMaterial {
  readonly certificates: readonly LoadedCertificate[];
  /** PEM text of the client CA bundle; null when `clientCaFile` is not set. */
  readonly clientCa: string | null;
}

/** Where the TLS files are (absolute paths) and the listener settings. */
export interface TlsFiles {
  readonly minVersion: TlsMinVersion;
  readonly certificates: readonly CertificateFiles[];
  readonly clientCaFile: string | null;
}

/** The compiled `server.tls` (and `server.httpPort`). */
export interface ServerTls extends TlsFiles {
  /** The plain-HTTP port that redirects to HTTPS; null: none. */
  readonly httpPort: number | null;
  /** The files' content as read when the plan was compiled. */
  readonly material: TlsMaterial;
}

/** One problem with a TLS file: `field` is the config path under `server.tls`. */
export interface TlsFileProblem {
  field: string;
  file: string;
  message: string;
}

/**
 * Session tickets are encrypted with these keys: one set per process shared by every context
 * (the default, each SNI certificate, and every reload), so a client resumes its session across a
 * certificate rotation instead of paying a full handshake.
 */
const TICKET_KEYS = randomBytes(48);
/** Set on every context: without it OpenSSL refuses to resume a session that verified a client certificate. */
const SESSION_ID_CONTEXT = 'gatehouse';

/** The options every secure context of this listener is made with, for `certificate` (PEM cert and key). */
export function contextOptions(clientCa: string | null, files: TlsFiles, certificate: { cert: string; key: string }): SecureContextOptions {
  return {
    cert: certificate.cert,
    key: certificate.key,
    ...(clientCa !== null ? { ca: clientCa } : {}),
    minVersion: files.minVersion,
    sessionIdContext: SESSION_ID_CONTEXT,
    ticketKeys: TICKET_KEYS,
  };
}

function oneLine(dn: string): string {
  return dn.split('\n').filter((s) => s !== '').join(', ');
}

/** X509Certificate#subjectAltName as `type:value` entries, quoted values decoded (lib/peer_cert.ts reads the format). */
export function splitSans(san: string | undefined): string[] {
  return san === undefined ? [] : splitSubjectAltName(san).map((e) => `${e.type}:${e.value}`);
}

/** The names SNI matches a certificate by: its DNS SANs, else its subject CN (RFC 6125 §6.4.4). */
function sniNames(x509: X509Certificate, sans: string[]): string[] {
  const dns = sans.filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4).toLowerCase());
  if (dns.length > 0) return dns;
  const cn = /^CN=(.*)$/m.exec(x509.subject)?.[1];
  return cn === undefined ? [] : [cn.toLowerCase()];
}

function readText(file: string, field: string, problems: TlsFileProblem[]): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    problems.push({ field, file, message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
    return null;
  }
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function loadCertificate(files: TlsFiles, i: number, clientCa: string | null, problems: TlsFileProblem[]): LoadedCertificate | null {
  const f = files.certificates[i]!;
  const field = `certificates[${i}]`;
  const cert = readText(f.certFile, `${field}.certFile`, problems);
  const key = readText(f.keyFile, `${field}.keyFile`, problems);
  if (cert === null || key === null) return null;
  const first = cert.match(PEM_CERT)?.[0];
  let x509: X509Certificate;
  try {
    if (first === undefined) throw new Error('no PEM certificate in it');
    x509 = new X509Certificate(first);
  } catch (err) {
    problems.push({ field: `${field}.certFile`, file: f.certFile, message: `${f.certFile} is not a PEM certificate: ${(err as Error).message}` });
    return null;
  }
  try {
    // Parsed apart from the certificate so the error says which file is wrong.
    if (!x509.checkPrivateKey(createPrivateKey(key))) {
      problems.push({ field: `${field}.keyFile`, file: f.keyFile, message: `${f.keyFile} is not the key of the certificate in ${f.certFile}` });
      return null;
    }
  } catch (err) {
    problems.push({ field: `${field}.keyFile`, file: f.keyFile, message: `${f.keyFile} is not a PEM private key (encrypted keys are not supported): ${(err as Error).message}` });
    return null;
  }
  const sans = splitSans(x509.subjectAltName);
  const info: CertificateInfo = {
    certFile: f.certFile,
    keyFile: f.keyFile,
    subject: oneLine(x509.subject),
    issuer: oneLine(x509.issuer),
    sans,
    names: sniNames(x509, sans),
    notBefore: new Date(x509.validFrom).toISOString(),
    notAfter: new Date(x509.validTo).toISOString(),
    fingerprint256: x509.fingerprint256,
  };
  try {
    // What OpenSSL itself refuses (a chain it cannot use, a key too weak for its security level).
    const context = createSecureContext(contextOptions(clientCa, files, { cert, key }));
    return { cert, key, info, context };
  } catch (err) {
    problems.push({ field: `${field}.certFile`, file: f.certFile, message: `${f.certFile}: ${(err as Error).message}` });
    return null;
  }
}

function loadClientCa(file: string, problems: TlsFileProblem[]): string | null {
  const text = readText(file, 'clientCaFile', problems);
  if (text === null) return null;
  const blocks = text.match(PEM_CERT) ?? [];
  if (blocks.length === 0) {
    problems.push({ field: 'clientCaFile', file, message: `${file} holds no PEM certificate` });
    return null;
  }
  for (const b of blocks) {
    try {
      new X509Certificate(b);
    } catch (err) {
      problems.push({ field: 'clientCaFile', file, message: `${file}: a certificate does not parse: ${(err as Error).message}` });
      return null;
    }
  }
  return text;
}

/** Reads and checks every TLS file: the material, or every problem found. */
export function loadTlsMaterial(files: TlsFiles): TlsMaterial | TlsFileProblem[] {
  const problems: TlsFileProblem[] = [];
  const clientCa = files.clientCaFile === null ? null : loadClientCa(files.clientCaFile, problems);
  const certificates: LoadedCertificate[] = [];
  files.certificates.forEach((_, i) => {
    const c = loadCertificate(files, i, clientCa, problems);
    if (c !== null) certificates.push(c);
  });
  return problems.length > 0 ? problems : { certificates, clientCa };
}

/** True when `loadTlsMaterial` failed. */
export function isProblemList(r: TlsMaterial | TlsFileProblem[]): r is TlsFileProblem[] {
  return Array.isArray(r);
}

/**
 * Compiles `server.tls` and `server.httpPort` of a schema-valid `server` section: null when TLS is
 * off. Problems are reported on `ctx` at their config paths; a certificate that has expired or is
 * not valid yet loads with a warning (a client will refuse it, but the operator may be replacing it).
 */
export function compileServerTls(
  server: { port?: number; tls?: ServerTlsConfig; httpPort?: number } | undefined,
  ctx: Pick<CompileContext, 'baseDir' | 'issue' | 'warn'>,
  now: () => number = Date.now,
): ServerTls | null {
  const tls = server?.tls;
  const httpPort = server?.httpPort;
  if (tls === undefined) {
    if (httpPort !== undefined) ctx.issue('server.httpPort', 'redirects to HTTPS, so it needs server.tls');
    return null;
  }
  if (httpPort !== undefined && httpPort !== 0 && httpPort === server?.port) ctx.issue('server.httpPort', `${httpPort} is also server.port`);
  const files: TlsFiles = {
    minVersion: tls.minVersion ?? 'TLSv1.2',
    certificates: tls.certificates.map((c) => ({ certFile: resolve(ctx.baseDir, c.certFile), keyFile: resolve(ctx.baseDir, c.keyFile) })),
    clientCaFile: tls.clientCaFile === undefined ? null : resolve(ctx.baseDir, tls.clientCaFile),
  };
  const material = loadTlsMaterial(files);
  if (isProblemList(material)) {
    for (const p of material) ctx.issue(`server.tls.${p.field}`, p.message);
    return null;
  }
  material.certificates.forEach((c, i) => {
    const t = now();
    if (Date.parse(c.info.notAfter) < t) ctx.warn(`server.tls.certificates[${i}].certFile`, `${c.info.certFile} expired on ${c.info.notAfter}`);
    else if (Date.parse(c.info.notBefore) > t) ctx.warn(`server.tls.certificates[${i}].certFile`, `${c.info.certFile} is not valid before ${c.info.notBefore}`);
  });
  return Object.freeze({ ...files, httpPort: httpPort ?? null, material });
}
