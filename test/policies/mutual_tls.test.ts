import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { Agent } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { Ajv } from 'ajv';
import {
  CLIENT_CERT_MISSING,
  CLIENT_CERT_SAN_NOT_ALLOWED,
  CLIENT_CERT_UNTRUSTED,
  MAX_ALLOWED_SANS,
  allowedNames,
  compileMutualTls,
  mutualTlsSchema,
  sanAllowed,
} from '../../src/policies/mutual_tls.ts';
import { compileContextVariable, routeParameters, type ContextVariable } from '../../src/backends/context_vars.ts';
import { NO_CERTIFICATE, type PeerCertificate } from '../../src/lib/peer_cert.ts';
import { createLogger, type Logger } from '../../src/lib/log.ts';
import { SharedRegistry } from '../../src/lib/shared_registry.ts';
import { collectingLogger } from '../helpers/log_sink.ts';
import { createCa, hasOpenssl, selfSigned, type IssuedCert, type TestCa } from '../helpers/certs.ts';
import { startTlsProbe, type TlsProbe } from '../helpers/tls_request.ts';
import type { AdmissionPolicy, CompileContext, GatewayRequest } from '../../src/types.ts';

const PATH = 'deployments[0].specification.requestPolicies.mutualTls';

function compileContext(): CompileContext {
  const issues: CompileContext['issues'] = [];
  const warnings: CompileContext['warnings'] = [];
  return {
    registry: new SharedRegistry(),
    log: createLogger({ level: 'silent' }),
    baseDir: '/',
    issues,
    issue: (path, message) => void issues.push({ path, message }),
    warnings,
    warn: (path, message) => void warnings.push({ path, message }),
  };
}

function compile(config: unknown, clientCa = true): { policy: AdmissionPolicy | null; ctx: CompileContext } {
  const ctx = compileContext();
  return { policy: compileMutualTls(config, PATH, 'd1', { clientCa }, ctx), ctx };
}

function policyOf(config: unknown): AdmissionPolicy {
  const { policy, ctx } = compile(config);
  assert.deepEqual(ctx.issues, []);
  assert.ok(policy !== null);
  return policy;
}

/** A certificate's names as lib/peer_cert.ts gives them (lower-cased DNS names and CNs, e-mail domains). */
function cert(names: Partial<Pick<PeerCertificate, 'dnsNames' | 'emails' | 'uris' | 'commonNames'>>): PeerCertificate {
  return { ...NO_CERTIFICATE, present: true, verified: true, dnsNames: [], emails: [], uris: [], commonNames: [], ...names };
}

describe('mutualTls schema', () => {
  const validate = new Ajv({ strict: false }).compile(mutualTlsSchema);
  it('takes OCI\'s MutualTlsDetails and refuses unknown fields and empty names', () => {
    assert.equal(validate({ isVerifiedCertificateRequired: true, allowedSans: ['a.test'] }), true);
    assert.equal(validate({}), true);
    assert.equal(validate({ isVerifiedCertificateRequired: true, allowedSan: ['a.test'] }), false);
    assert.equal(validate({ allowedSans: [''] }), false);
    assert.equal(validate({ isVerifiedCertificateRequired: 'yes' }), false);
  });
});

describe('mutualTls load-time checks', () => {
  it('isVerifiedCertificateRequired without server.tls.clientCaFile is refused at the policy\'s path, naming clientCaFile', () => {
    const { policy, ctx } = compile({ isVerifiedCertificateRequired: true, allowedSans: [] }, false);
    assert.equal(policy, null);
    assert.equal(ctx.issues.length, 1);
    assert.equal(ctx.issues[0]?.path, PATH);
    assert.match(ctx.issues[0]?.message ?? '', /isVerifiedCertificateRequired needs server\.tls\.clientCaFile/);
  });

  it(`more than ${MAX_ALLOWED_SANS} allowedSans are refused (OCI's limit); ${MAX_ALLOWED_SANS} load`, () => {
    const names = (n: number) => Array.from({ length: n }, (_, i) => `c${i}.example.com`);
    const { ctx } = compile({ isVerifiedCertificateRequired: true, allowedSans: names(MAX_ALLOWED_SANS + 1) });
    assert.deepEqual(ctx.issues, [{ path: `${PATH}.allowedSans`, message: `has ${MAX_ALLOWED_SANS + 1} values; at most ${MAX_ALLOWED_SANS} are allowed (OCI's limit)` }]);
    assert.ok(compile({ isVerifiedCertificateRequired: true, allowedSans: names(MAX_ALLOWED_SANS) }).policy !== null);
  });

  it('duplicate allowedSans are refused, case-insensitively', () => {
    const { policy, ctx } = compile({ isVerifiedCertificateRequired: true, allowedSans: ['a.example.com', 'ops@example.com', 'A.Example.com'] });
    assert.equal(policy, null);
    assert.deepEqual(ctx.issues, [{ path: `${PATH}.allowedSans[2]`, message: 'duplicates allowedSans[0] ("a.example.com")' }]);
  });

  it('a value with surrounding spaces is refused (no certificate name has them)', () => {
    const { ctx } = compile({ isVerifiedCertificateRequired: true, allowedSans: [' a.example.com'] });
    assert.equal(ctx.issues[0]?.path, `${PATH}.allowedSans[0]`);
  });

  it('isVerifiedCertificateRequired false (or absent) checks nothing, with or without clientCaFile; allowedSans beside it draws a warning', () => {
    for (const clientCa of [true, false]) {
      const { policy, ctx } = compile({ isVerifiedCertificateRequired: false, allowedSans: [] }, clientCa);
      assert.equal(policy, null);
      assert.deepEqual([ctx.issues, ctx.warnings], [[], []]);
    }
    const { policy, ctx } = compile({ allowedSans: ['a.example.com'] }, false);
    assert.equal(policy, null);
    assert.deepEqual(ctx.issues, []);
    assert.equal(ctx.warnings[0]?.path, `${PATH}.allowedSans`);
    assert.match(ctx.warnings[0]?.message ?? '', /only with isVerifiedCertificateRequired/);
    assert.equal(compile(undefined).policy, null);
  });
});

describe('SAN matching', () => {
  const allowed = allowedNames(['client.example.com', 'Ops@Example.com', 'spiffe://example/Svc', 'Legacy Client', '*.wild.example.com']);

  it('DNS names and CNs compare case-insensitively', () => {
    assert.equal(sanAllowed(cert({ dnsNames: ['client.example.com'] }), allowed), true);
    assert.equal(sanAllowed(cert({ commonNames: ['legacy client'] }), allowed), true);
    assert.equal(sanAllowed(cert({ dnsNames: ['other.example.com'], commonNames: ['client'] }), allowed), false);
  });

  it('e-mail addresses: domain case-insensitive, local part exact (RFC 5280 §7.5)', () => {
    assert.equal(sanAllowed(cert({ emails: ['Ops@example.com'] }), allowed), true);
    assert.equal(sanAllowed(cert({ emails: ['ops@example.com'] }), allowed), false);
  });

  it('URIs compare exactly', () => {
    assert.equal(sanAllowed(cert({ uris: ['spiffe://example/Svc'] }), allowed), true);
    assert.equal(sanAllowed(cert({ uris: ['spiffe://example/svc'] }), allowed), false);
  });

  it('no wildcard expansion: "*.wild.example.com" matches only that literal name', () => {
    assert.equal(sanAllowed(cert({ dnsNames: ['a.wild.example.com'] }), allowed), false);
    assert.equal(sanAllowed(cert({ dnsNames: ['*.wild.example.com'] }), allowed), true);
  });

  it('a name of one kind does not match as another: a DNS-looking allowed value is not a URI', () => {
    assert.equal(sanAllowed(cert({ uris: ['CLIENT.EXAMPLE.COM'] }), allowed), false);
    assert.equal(sanAllowed(cert({}), allowed), false);
  });
});

describe('mutualTls and request.cert on real TLS connections', { skip: !hasOpenssl() && 'openssl is not installed' }, () => {
  let ca: TestCa;
  let other: TestCa;
  let good: IssuedCert;
  let bad: IssuedCert;
  let expired: IssuedCert;
  let foreign: IssuedCert;
  const sink = collectingLogger('info');
  const policies = {
    named: policyOf({ isVerifiedCertificateRequired: true, allowedSans: ['good.test', 'ops@example.com'] }),
    any: policyOf({ isVerifiedCertificateRequired: true, allowedSans: [] }),
  };
  const route = routeParameters('/');
  const variable = (e: string) => compileContextVariable(e, route) as ContextVariable;
  const vars = ['request.cert[client_base64]', 'request.cert[subject]', 'request.cert[sans]'].map(variable);
  let probe: TlsProbe<{ named: string | null; any: string | null; text: string[]; values: string[][] }>;

  const gatewayRequest = (req: IncomingMessage, log: Logger): GatewayRequest => ({ req, requestId: 'r1', log }) as unknown as GatewayRequest;

  before(async () => {
    ca = createCa();
    other = createCa({ cn: 'Other CA' });
    good = ca.issueClient({ cn: 'good', subject: { O: 'Example' }, sans: ['DNS:good.test', 'email:dev@example.com'] });
    bad = ca.issueClient({ cn: 'bad', sans: ['DNS:bad.test'] });
    expired = ca.issueClient({ cn: 'good.test', sans: ['DNS:good.test'], expired: true });
    foreign = other.issueClient({ cn: 'good.test', sans: ['DNS:good.test'] });
    probe = await startTlsProbe({ server: ca.issueServer(), ca, clientCa: ca.cert }, (req) => {
      const rc = gatewayRequest(req, sink.log);
      const reason = (p: AdmissionPolicy) => (p.admit(rc) as { reason: string } | null)?.reason ?? null;
      return { named: reason(policies.named), any: reason(policies.any), text: vars.map((v) => v.text(rc)), values: vars.map((v) => v.values(rc)) };
    });
  });
  after(async () => {
    await probe.close();
    ca.dispose();
    other.dispose();
  });

  it('a verified certificate with an allowed SAN passes, and request.cert holds its DER Base64, subject and SANs', async () => {
    const r = await probe.get({ client: good });
    assert.deepEqual([r.named, r.any], [null, null]);
    assert.deepEqual(r.text, [good.base64, 'CN=good,O=Example', 'DNS:good.test, email:dev@example.com']);
    assert.deepEqual(r.values, [[good.base64], ['CN=good,O=Example'], ['DNS:good.test', 'email:dev@example.com']]);
    assert.equal(Buffer.from(r.text[0] ?? '', 'base64').equals(good.der), true);
  });

  it('no certificate → client_cert_missing; request.cert is empty', async () => {
    const r = await probe.get();
    assert.deepEqual([r.named, r.any], [CLIENT_CERT_MISSING, CLIENT_CERT_MISSING]);
    assert.deepEqual(r.text, ['', '', '']);
    assert.deepEqual(r.values, [[], [], []]);
  });

  it('a verified certificate without an allowed name → client_cert_san_not_allowed; empty allowedSans takes it', async () => {
    const r = await probe.get({ client: bad });
    assert.deepEqual([r.named, r.any], [CLIENT_CERT_SAN_NOT_ALLOWED, null]);
  });

  it('expired, or signed by another CA (even with an allowed SAN) → client_cert_untrusted, request.cert empty, OpenSSL\'s reason logged once per connection', async () => {
    const e = await probe.get({ client: expired });
    assert.deepEqual([e.named, e.any, e.text], [CLIENT_CERT_UNTRUSTED, CLIENT_CERT_UNTRUSTED, ['', '', '']]);
    const f = await probe.get({ client: foreign });
    assert.deepEqual([f.named, f.any], [CLIENT_CERT_UNTRUSTED, CLIENT_CERT_UNTRUSTED]);
    const rogue = selfSigned({ kind: 'client', cn: 'good.test', sans: ['DNS:good.test'] });
    const s = await probe.get({ client: rogue });
    rmSync(dirname(rogue.certFile), { recursive: true, force: true });
    assert.deepEqual([s.named, s.any], [CLIENT_CERT_UNTRUSTED, CLIENT_CERT_UNTRUSTED]);

    const agent = new Agent({ keepAlive: true, maxSockets: 1, cert: expired.cert, key: expired.key });
    const before = sink.records.length;
    try {
      for (let i = 0; i < 3; i++) assert.equal((await probe.get({ agent })).named, CLIENT_CERT_UNTRUSTED);
    } finally {
      agent.destroy();
    }
    const lines = sink.records.slice(before).filter((r) => r.certError !== undefined);
    // One line per policy (two policies ran) for the one connection, not one per request.
    assert.equal(lines.length, 2, JSON.stringify(lines));
    assert.deepEqual(lines.map((l) => [l.certError, l.deployment, l.reqId]), [['CERT_HAS_EXPIRED', 'd1', 'r1'], ['CERT_HAS_EXPIRED', 'd1', 'r1']]);
    const messages = sink.records.map((r) => String(r.certError ?? ''));
    assert.ok(messages.some((m) => /^UNABLE_TO_(GET_ISSUER_CERT_LOCALLY|VERIFY_LEAF_SIGNATURE)$/.test(m)), messages.join(','));
    assert.ok(messages.includes('DEPTH_ZERO_SELF_SIGNED_CERT'), messages.join(','));
  });
});
