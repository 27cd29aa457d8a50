/**
 * Mutual TLS (OCI `requestPolicies.mutualTls`, deployment level only; OCI's MutualTlsDetails). It
 * runs first, before CORS: a request from a client that has not proved who it is gets nothing else.
 *
 * The TLS layer asks every client for a certificate and lets the handshake finish whatever it
 * sends (server.tls.clientCaFile: `requestCert`, `rejectUnauthorized: false`), so that the refusal
 * is an HTTP answer with a reason in the access log instead of a TLS alert nobody can read. This
 * policy then decides per deployment, with OCI's rules:
 * - no certificate → 403 `client_cert_missing`;
 * - a certificate that did not verify against the gateway's CA bundle (expired, signed by another
 *   CA, ...) → 403 `client_cert_untrusted`, OpenSSL's reason logged once per connection;
 * - a verified certificate whose DNS names, e-mail addresses and URIs (subjectAltName) and CN
 *   hold none of `allowedSans` → 403 `client_cert_san_not_allowed`; empty `allowedSans` → any
 *   verified certificate.
 * OCI leaves open what `isVerifiedCertificateRequired: false` means; here it checks nothing (the
 * certificate, when verified, still fills `request.cert[...]`) and a non-empty `allowedSans`
 * beside it draws a load-time warning. The 403 status is ours too: OCI documents only "4xx".
 *
 * Names compare as RFC 5280 has them: DNS names and CNs case-insensitively, an e-mail address's
 * domain case-insensitively and its local part exactly (§7.5), URIs exactly. No wildcard expansion
 * either way: OCI documents literal values.
 *
 * The request path: the connection's certificate facts (lib/peer_cert.ts, gathered once per
 * connection), then at most a few Set lookups; the refusals are built once.
 */
import { object } from '../lib/json_schema.js';
import { normaliseEmail, peerCertificate } from '../lib/peer_cert.js';
/** OCI's limit on `allowedSans` ("must not have more than 10 values"). */
export const MAX_ALLOWED_SANS = 10;
/** Longest `allowedSans` value: OCI refuses over-long values without saying where the line is; a DNS name has at most 253 characters, and URIs get room. */
export const MAX_SAN_LENGTH = 1024;
/** JSON-schema fragment for `requestPolicies.mutualTls` (deployment level), OCI's MutualTlsDetails. */
export const mutualTlsSchema = {
    ...object({
        isVerifiedCertificateRequired: {
            type: 'boolean',
            description: 'Refuse (403) every request of the deployment without a client certificate verified against server.tls.clientCaFile (default false: no check). Needs server.tls.clientCaFile.',
        },
        allowedSans: {
            type: 'array',
            items: { type: 'string', minLength: 1, maxLength: MAX_SAN_LENGTH },
            description: `Up to ${MAX_ALLOWED_SANS} distinct names; the verified certificate must carry one of them as a DNS name, e-mail address or URI in its subjectAltName, or as its CN (DNS names and CNs case-insensitively, no wildcards). ` +
                'Empty: any verified certificate. Checked only with isVerifiedCertificateRequired.',
        },
    }),
    description: "Client certificates (mutual TLS) for every route of the deployment, checked before any other policy (OCI's MutualTlsDetails).",
};
/** The reasons a refusal carries to the access log. */
export const CLIENT_CERT_MISSING = 'client_cert_missing';
export const CLIENT_CERT_UNTRUSTED = 'client_cert_untrusted';
export const CLIENT_CERT_SAN_NOT_ALLOWED = 'client_cert_san_not_allowed';
const MISSING = Object.freeze({ status: 403, message: 'Client certificate required', reason: CLIENT_CERT_MISSING });
const UNTRUSTED = Object.freeze({ status: 403, message: 'Client certificate is invalid for this gateway', reason: CLIENT_CERT_UNTRUSTED });
const NOT_ALLOWED = Object.freeze({ status: 403, message: 'Client certificate is not allowed', reason: CLIENT_CERT_SAN_NOT_ALLOWED });
/** Compiles `allowedSans` values (already checked) for sanAllowed. */
export function allowedNames(values) {
    return {
        caseless: new Set(values.map((v) => v.toLowerCase())),
        emails: new Set(values.filter((v) => v.includes('@')).map(normaliseEmail)),
        exact: new Set(values),
    };
}
/** Whether the certificate carries one of the allowed names (DNS, e-mail, URI or CN). */
export function sanAllowed(cert, allowed) {
    for (const n of cert.dnsNames)
        if (allowed.caseless.has(n))
            return true;
    for (const n of cert.emails)
        if (allowed.emails.has(n))
            return true;
    for (const n of cert.uris)
        if (allowed.exact.has(n))
            return true;
    for (const n of cert.commonNames)
        if (allowed.caseless.has(n))
            return true;
    return false;
}
class MutualTlsCheck {
    #deployment;
    /** null: any verified certificate. */
    #allowed;
    /** Connections whose refusal was logged already: a client retrying on one connection logs once. */
    #logged = new WeakSet();
    constructor(deployment, allowed) {
        this.#deployment = deployment;
        this.#allowed = allowed;
    }
    admit(ctx) {
        const cert = peerCertificate(ctx.req);
        if (!cert.present)
            return MISSING;
        if (!cert.verified) {
            if (!this.#logged.has(cert)) {
                this.#logged.add(cert);
                ctx.log.warn({ reqId: ctx.requestId, deployment: this.#deployment, certError: cert.error, subject: cert.subject }, 'client certificate not verified by server.tls.clientCaFile');
            }
            return UNTRUSTED;
        }
        if (this.#allowed === null || sanAllowed(cert, this.#allowed))
            return null;
        if (!this.#logged.has(cert)) {
            this.#logged.add(cert);
            ctx.log.warn({ reqId: ctx.requestId, deployment: this.#deployment, subject: cert.subject, sans: cert.sans }, 'client certificate names not in allowedSans');
        }
        return NOT_ALLOWED;
    }
}
/**
 * Compiles a schema-valid `mutualTls` object of deployment `deployment` (its name, for logs); null
 * when there is none or it requires nothing. `tls.clientCa`: whether `server.tls.clientCaFile` is
 * set — without it no certificate can be verified, so requiring one is a configuration error.
 */
export function compileMutualTls(config, path, deployment, tls, ctx) {
    if (config === undefined || config === null)
        return null;
    const c = config;
    const sans = c.allowedSans ?? [];
    const issuesBefore = ctx.issues.length;
    if (sans.length > MAX_ALLOWED_SANS) {
        ctx.issue(`${path}.allowedSans`, `has ${sans.length} values; at most ${MAX_ALLOWED_SANS} are allowed (OCI's limit)`);
    }
    const seen = new Map();
    sans.forEach((v, i) => {
        if (v.trim() !== v) {
            ctx.issue(`${path}.allowedSans[${i}]`, `${JSON.stringify(v)} has leading or trailing spaces, which no certificate name has`);
            return;
        }
        // Case-insensitive: `A.example.com` and `a.example.com` are one DNS name (OCI refuses duplicate values).
        const key = v.toLowerCase();
        const first = seen.get(key);
        if (first !== undefined)
            ctx.issue(`${path}.allowedSans[${i}]`, `duplicates allowedSans[${first}] (${JSON.stringify(sans[first])})`);
        else
            seen.set(key, i);
    });
    const required = c.isVerifiedCertificateRequired === true;
    if (required && !tls.clientCa) {
        ctx.issue(path, 'isVerifiedCertificateRequired needs server.tls.clientCaFile: client certificates are verified only against the gateway\'s own CA bundle (add server.tls with clientCaFile, or set isVerifiedCertificateRequired to false)');
    }
    if (ctx.issues.length > issuesBefore)
        return null;
    if (!required) {
        if (sans.length > 0)
            ctx.warn(`${path}.allowedSans`, 'not checked: allowedSans applies only with isVerifiedCertificateRequired: true');
        return null;
    }
    return new MutualTlsCheck(deployment, sans.length === 0 ? null : allowedNames(sans));
}
