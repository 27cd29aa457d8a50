/**
 * Certificates made by the tests, with the `openssl` binary (Debian's package; `.ci/run` installs
 * it): a CA, server certificates with SANs, client certificates signed by a CA, expired and
 * self-signed ones. node:crypto makes keys but cannot sign an X.509 certificate, hence openssl.
 *
 * Every certificate is issued with `openssl ca`, the one openssl command that sets both validity
 * dates (an expired certificate needs a notAfter in the past). Keys are P-256 by default (fast to
 * make); `keyType: 'rsa'` gives RSA-2048. Files go into a fresh temporary directory per CA (or
 * the one given); `dispose()` removes it.
 *
 *   const ca = createCa();
 *   const server = ca.issueServer({ sans: ['localhost', '127.0.0.1'] });
 *   const client = ca.issueClient({ cn: 'client-1', sans: ['DNS:client.example.com', 'email:ops@example.com'] });
 *   const expired = ca.issueClient({ cn: 'old', expired: true });
 *   const rogue = selfSigned({ cn: 'rogue' });
 */
import { spawnSync } from 'node:child_process';
import { X509Certificate, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface IssuedCert {
  /** PEM text of the certificate. */
  readonly cert: string;
  /** PEM text of its private key (PKCS#8, unencrypted). */
  readonly key: string;
  /** Where `cert` and `key` were written. */
  readonly certFile: string;
  readonly keyFile: string;
  /** The certificate in DER, and its Base64 (what OCI's `request.cert[client_base64]` holds). */
  readonly der: Buffer;
  readonly base64: string;
  /** Parsed, for assertions (subject, subjectAltName, validTo, fingerprint256...). */
  readonly x509: X509Certificate;
}

export interface CertOptions {
  /** Subject common name (default: the first SAN's value, else "gatehouse-test"). */
  cn?: string;
  /** Extra subject fields, e.g. `{ O: 'Example', OU: 'ops' }`. */
  subject?: Record<string, string>;
  /**
   * subjectAltName entries in openssl's syntax (`DNS:a.example`, `IP:127.0.0.1`,
   * `email:ops@example.com`, `URI:spiffe://example/x`); a bare name means DNS, a bare address IP.
   */
  sans?: string[];
  /** Valid from this day on (default: one hour ago). */
  notBefore?: Date;
  /** Valid until (default: 30 days from now). */
  notAfter?: Date;
  /** Shorthand for a validity that ended yesterday (from 30 days ago to 1 day ago). */
  expired?: boolean;
  keyType?: 'ec' | 'rsa';
  /** File base name: `<name>.pem` and `<name>-key.pem` (default: derived from the CN and a counter). */
  name?: string;
}

export interface TestCa extends IssuedCert {
  /** The directory holding the CA and everything it issued. */
  readonly dir: string;
  /** A TLS server certificate (extendedKeyUsage serverAuth). Default SANs: localhost, 127.0.0.1. */
  issueServer(opts?: CertOptions): IssuedCert;
  /** A TLS client certificate (extendedKeyUsage clientAuth). */
  issueClient(opts?: CertOptions): IssuedCert;
  /** A CA signed by this one (for chains). */
  issueCa(opts?: CertOptions): TestCa;
  /** Removes `dir` (and so every file of this CA and of the CAs it issued into it). */
  dispose(): void;
}

let counter = 0;

function openssl(args: string[], cwd: string, input?: string): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8', input: input ?? '' });
  if (r.error !== undefined) throw new Error(`openssl is needed to make test certificates (apt-get install openssl): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`openssl ${args[0]} failed (${r.status}): ${r.stderr}`);
}

/** True when the openssl binary runs. */
export function hasOpenssl(): boolean {
  return spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;
}

/** openssl's ASN.1 GeneralizedTime form: YYYYMMDDHHMMSSZ. */
function asn1Time(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
}

function sanEntry(s: string): string {
  if (/^(DNS|IP|email|URI|RID|dirName|otherName):/.test(s)) return s;
  return isIP(s) !== 0 ? `IP:${s}` : `DNS:${s}`;
}

function subjectLine(cn: string, extra: Record<string, string> = {}): string {
  const esc = (v: string) => v.replace(/[/\\]/g, (c) => `\\${c}`);
  return Object.entries(extra).map(([k, v]) => `/${k}=${esc(v)}`).join('') + `/CN=${esc(cn)}`;
}

function keyArgs(keyType: 'ec' | 'rsa' = 'ec'): string[] {
  return keyType === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];
}

function baseName(cn: string): string {
  return `${cn.replace(/[^A-Za-z0-9.-]+/g, '_').slice(0, 40) || 'cert'}-${++counter}`;
}

function loaded(certFile: string, keyFile: string): IssuedCert {
  const cert = readFileSync(certFile, 'utf8');
  const x509 = new X509Certificate(cert);
  return { cert, key: readFileSync(keyFile, 'utf8'), certFile, keyFile, der: x509.raw, base64: x509.raw.toString('base64'), x509 };
}

function validity(opts: CertOptions): { from: Date; to: Date } {
  const day = 86_400_000;
  if (opts.expired === true) return { from: new Date(Date.now() - 30 * day), to: new Date(Date.now() - day) };
  return { from: opts.notBefore ?? new Date(Date.now() - 3_600_000), to: opts.notAfter ?? new Date(Date.now() + 30 * day) };
}

/** The `[ext]` section of a certificate, in openssl config syntax. */
function extensions(kind: 'server' | 'client' | 'ca', sans: string[]): string {
  const lines =
    kind === 'ca'
      ? ['basicConstraints = critical,CA:TRUE', 'keyUsage = critical,keyCertSign,cRLSign', 'subjectKeyIdentifier = hash']
      : [
          'basicConstraints = critical,CA:FALSE',
          'keyUsage = critical,digitalSignature,keyEncipherment',
          `extendedKeyUsage = ${kind === 'server' ? 'serverAuth' : 'clientAuth'}`,
          'subjectKeyIdentifier = hash',
          'authorityKeyIdentifier = keyid',
        ];
  if (sans.length > 0) lines.push(`subjectAltName = ${sans.map(sanEntry).join(',')}`);
  return `[ext]\n${lines.join('\n')}\n`;
}

/** A config for `openssl req` (independent of the system's openssl.cnf) holding `ext`, if any. */
function reqConfig(ext: string): string {
  return `[req]\ndistinguished_name = dn\n${ext === '' ? '' : 'x509_extensions = ext\n'}[dn]\n${ext}`;
}

function caConfig(dir: string, name: string): string {
  const file = join(dir, `${name}.cnf`);
  writeFileSync(join(dir, `${name}.index`), '');
  mkdirSync(join(dir, `${name}.issued`));
  // A random positive serial, so certificates of different CAs in one test never share one.
  writeFileSync(join(dir, `${name}.serial`), `${(randomBytes(8)[0]! & 0x7f).toString(16).padStart(2, '0')}${randomBytes(7).toString('hex')}\n`);
  writeFileSync(
    file,
    [
      '[ca]',
      'default_ca = test_ca',
      '[test_ca]',
      `database = ${join(dir, `${name}.index`)}`,
      `serial = ${join(dir, `${name}.serial`)}`,
      // openssl ca keeps a copy of each certificate it issues, named by serial: out of the way.
      `new_certs_dir = ${join(dir, `${name}.issued`)}`,
      'default_md = sha256',
      'policy = any_subject',
      'unique_subject = no',
      'email_in_dn = no',
      'copy_extensions = none',
      '[any_subject]',
      'countryName = optional',
      'organizationName = optional',
      'organizationalUnitName = optional',
      'commonName = optional',
      '',
    ].join('\n'),
  );
  return file;
}

function makeCa(dir: string, cert: IssuedCert, config: string): TestCa {
  function issue(kind: 'server' | 'client' | 'ca', opts: CertOptions = {}): IssuedCert {
    const sans = opts.sans ?? (kind === 'server' ? ['localhost', '127.0.0.1'] : []);
    const cn = opts.cn ?? (sans[0]?.replace(/^[A-Za-z]+:/, '') || 'gatehouse-test');
    const name = opts.name ?? baseName(cn);
    const certFile = join(dir, `${name}.pem`);
    const keyFile = join(dir, `${name}-key.pem`);
    const csr = join(dir, `${name}.csr`);
    const ext = join(dir, `${name}.ext`);
    writeFileSync(ext, reqConfig(''));
    openssl(['req', '-new', ...keyArgs(opts.keyType), '-nodes', '-keyout', keyFile, '-out', csr, '-subj', subjectLine(cn, opts.subject), '-config', ext], dir);
    const { from, to } = validity(opts);
    writeFileSync(ext, extensions(kind, sans));
    openssl(
      ['ca', '-batch', '-notext', '-preserveDN', '-config', config, '-cert', cert.certFile, '-keyfile', cert.keyFile, '-in', csr, '-out', certFile,
        '-startdate', asn1Time(from), '-enddate', asn1Time(to), '-extfile', ext, '-extensions', 'ext'],
      dir,
    );
    rmSync(csr);
    rmSync(ext);
    return loaded(certFile, keyFile);
  }
  return {
    ...cert,
    dir,
    issueServer: (opts) => issue('server', opts),
    issueClient: (opts) => issue('client', opts),
    issueCa(opts = {}) {
      const issued = issue('ca', { cn: 'Gatehouse Test Intermediate CA', ...opts });
      return makeCa(dir, issued, caConfig(dir, baseName('ca')));
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A fresh self-signed CA in `opts.dir` (default: a new temporary directory). */
export function createCa(opts: { cn?: string; dir?: string; keyType?: 'ec' | 'rsa' } = {}): TestCa {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'gatehouse-certs-'));
  const cn = opts.cn ?? 'Gatehouse Test CA';
  const name = baseName('ca');
  const certFile = join(dir, `${name}.pem`);
  const keyFile = join(dir, `${name}-key.pem`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, reqConfig(extensions('ca', [])));
  openssl(['req', '-x509', ...keyArgs(opts.keyType), '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '365', '-subj', subjectLine(cn), '-config', ext], dir);
  rmSync(ext);
  return makeCa(dir, loaded(certFile, keyFile), caConfig(dir, name));
}

/**
 * A self-signed leaf certificate (trusted by nobody), in `dir` (default: a new temporary
 * directory, which the caller removes with the file's directory). `kind` picks its extendedKeyUsage.
 */
export function selfSigned(opts: CertOptions & { kind?: 'server' | 'client'; dir?: string } = {}): IssuedCert {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'gatehouse-certs-'));
  const sans = opts.sans ?? (opts.kind === 'client' ? [] : ['localhost', '127.0.0.1']);
  const cn = opts.cn ?? (sans[0]?.replace(/^[A-Za-z]+:/, '') || 'gatehouse-self-signed');
  const name = opts.name ?? baseName(cn);
  const certFile = join(dir, `${name}.pem`);
  const keyFile = join(dir, `${name}-key.pem`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, extensions(opts.kind ?? 'server', sans).replace('authorityKeyIdentifier = keyid\n', ''));
  const { from, to } = validity(opts);
  const days = Math.max(1, Math.ceil((to.getTime() - from.getTime()) / 86_400_000));
  if (opts.expired === true || opts.notBefore !== undefined || opts.notAfter !== undefined) {
    // Dates other than "from now": a throw-away CA signs the certificate, then the certificate is
    // re-signed by its own key so that it is self-issued (subject = issuer) and self-signed.
    const tmp = createCa({ dir: mkdtempSync(join(dir, 'ss-')) });
    const issued = (opts.kind === 'client' ? tmp.issueClient : tmp.issueServer)({ ...opts, sans, cn, name });
    openssl(['x509', '-in', issued.certFile, '-signkey', issued.keyFile, '-out', certFile, '-preserve_dates', '-clrext', '-extfile', ext, '-extensions', 'ext'], dir);
    writeFileSync(keyFile, issued.key);
    tmp.dispose();
  } else {
    writeFileSync(ext, reqConfig(readFileSync(ext, 'utf8')));
    openssl(['req', '-x509', ...keyArgs(opts.keyType), '-nodes', '-keyout', keyFile, '-out', certFile, '-days', String(days), '-subj', subjectLine(cn, opts.subject), '-config', ext], dir);
  }
  rmSync(ext);
  return loaded(certFile, keyFile);
}
