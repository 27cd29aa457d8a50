/** A connection without a client certificate, or not over TLS. */
export const NO_CERTIFICATE = Object.freeze({
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
const bySocket = new WeakMap();
/**
 * The TLS socket under a request: `req.socket` for HTTP/1.1; for an HTTP/2 compatibility request
 * `req.socket` is a proxy made per stream, so the session's socket is the one that lasts.
 */
function connectionOf(req) {
    const stream = req.stream;
    return stream?.session?.socket ?? req.socket;
}
/** The client certificate of `req`'s connection; NO_CERTIFICATE when there is none or no TLS. */
export function peerCertificate(req) {
    const socket = connectionOf(req);
    let cert = bySocket.get(socket);
    if (cert === undefined) {
        cert = readPeerCertificate(socket);
        bySocket.set(socket, cert);
    }
    return cert;
}
function readPeerCertificate(socket) {
    if (socket.encrypted !== true || typeof socket.getPeerX509Certificate !== 'function')
        return NO_CERTIFICATE;
    const x509 = socket.getPeerX509Certificate();
    if (x509 === undefined)
        return NO_CERTIFICATE;
    const verified = socket.authorized === true;
    const sans = splitSubjectAltName(x509.subjectAltName ?? '');
    const dnsNames = [];
    const emails = [];
    const uris = [];
    for (const { type, value } of sans) {
        if (type === 'DNS')
            dnsNames.push(value.toLowerCase());
        else if (type === 'email')
            emails.push(normaliseEmail(value));
        else if (type === 'URI')
            uris.push(value);
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
export function normaliseEmail(address) {
    const at = address.lastIndexOf('@');
    return at === -1 ? address : address.slice(0, at + 1) + address.slice(at + 1).toLowerCase();
}
/**
 * Splits node's `subjectaltname` text into entries, JSON-quoted values decoded
 * (`URI:"http://a\u002cb"` → `http://a,b`). Entries node cannot print (`othername:<unsupported>`)
 * come back as they are.
 */
export function splitSubjectAltName(text) {
    const out = [];
    let at = 0;
    while (at < text.length) {
        const colon = text.indexOf(':', at);
        if (colon === -1)
            break;
        const type = text.slice(at, colon);
        let value;
        let next;
        if (text[colon + 1] === '"') {
            let end = colon + 2;
            while (end < text.length && text[end] !== '"')
                end += text[end] === '\\' ? 2 : 1;
            next = Math.min(end + 1, text.length);
            try {
                value = JSON.parse(text.slice(colon + 1, next));
            }
            catch {
                value = text.slice(colon + 2, end);
            }
        }
        else {
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
function commonNames(rdns) {
    const out = [];
    for (const rdn of rdns) {
        for (const ava of rdn.split(' + ')) {
            if (ava.startsWith('CN='))
                out.push(unescapeRfc2253(ava.slice(3)).toLowerCase());
        }
    }
    return out;
}
/** Undoes RFC 2253 §2.4 escaping: `\,` → `,`; a `\XX` hex pair is a byte of the UTF-8 value. */
export function unescapeRfc2253(value) {
    if (!value.includes('\\'))
        return value;
    const bytes = [];
    for (const part of value.split(/(\\[0-9A-Fa-f]{2}|\\.)/su)) {
        if (part.length === 3 && part[0] === '\\' && /^[0-9A-Fa-f]{2}$/.test(part.slice(1)))
            bytes.push(Buffer.of(parseInt(part.slice(1), 16)));
        else
            bytes.push(Buffer.from(part.startsWith('\\') ? part.slice(1) : part, 'utf8'));
    }
    return Buffer.concat(bytes).toString('utf8');
}
