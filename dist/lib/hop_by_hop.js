/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) are meaningful for one connection only and are never
 * forwarded; neither is any header the `Connection` header names.
 */
export const HOP_BY_HOP = new Set([
    'connection',
    'keep-alive',
    'proxy-authenticate',
    'proxy-authorization',
    'proxy-connection',
    'te',
    'trailer',
    'transfer-encoding',
    'upgrade',
]);
/** Header names the `Connection` header lists, lowercased; null when there is none. */
export function connectionListed(value) {
    if (value === undefined)
        return null;
    // What nearly every message says (each upstream answer, issue 16): nothing to split or allocate.
    if (value === 'keep-alive' || value === 'close' || value === 'Keep-Alive' || value === 'Close')
        return null;
    const list = Array.isArray(value) ? value.join(',') : value;
    const out = new Set();
    for (const token of list.split(',')) {
        const t = token.trim().toLowerCase();
        if (t !== '' && t !== 'close' && t !== 'keep-alive')
            out.add(t);
    }
    return out.size === 0 ? null : out;
}
