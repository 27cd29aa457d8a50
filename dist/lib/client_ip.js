import { BlockList, isIP, isIPv4 } from 'node:net';
/** JSON-schema fragment for `server.trustedProxies`. */
export const trustedProxiesSchema = {
    type: 'array',
    items: { type: 'string', minLength: 1 },
    description: 'Proxies (load balancers) whose X-Forwarded-For is believed: IPv4 or IPv6 addresses or CIDR blocks ("10.0.0.0/8", "fd00::/8"). ' +
        'A request from one of them is attributed to the nearest untrusted address in X-Forwarded-For, read from the right; from any other peer the header is ignored. ' +
        'Default: none, the client is always the socket peer. The client address is what CLIENT_IP rate limits count.',
};
/** The socket's peer: the client when no proxy is trusted. */
const peerAddress = (req) => req.socket.remoteAddress ?? '';
/** `a.b.c.d`, `a.b.c.d/n`, an IPv6 address, or `ipv6/n`, as BlockList wants it; null when malformed. */
function parseBlock(entry) {
    const slash = entry.indexOf('/');
    const address = slash === -1 ? entry : entry.slice(0, slash);
    const version = isIP(address);
    // Zone ids (`fe80::1%eth0`) never appear in X-Forwarded-For or as a remote peer's address here.
    if (version === 0 || address.includes('%'))
        return null;
    const family = version === 4 ? 'ipv4' : 'ipv6';
    if (slash === -1)
        return { address, prefix: null, family };
    const bits = entry.slice(slash + 1);
    if (!/^\d{1,3}$/.test(bits))
        return null;
    const prefix = Number(bits);
    return prefix <= (version === 4 ? 32 : 128) ? { address, prefix, family } : null;
}
/**
 * Compiled once per plan: returns how to read the client address of a request, or the message
 * explaining why `trustedProxies` is invalid (the caller reports it at `server.trustedProxies`).
 */
export function compileClientAddress(trustedProxies) {
    if (trustedProxies === undefined || trustedProxies.length === 0)
        return peerAddress;
    const trusted = new BlockList();
    const bad = [];
    trustedProxies.forEach((raw, i) => {
        const block = parseBlock(raw.trim());
        if (block === null)
            bad.push(`[${i}] ${JSON.stringify(raw)}`);
        else if (block.prefix === null)
            trusted.addAddress(block.address, block.family);
        else
            trusted.addSubnet(block.address, block.prefix, block.family);
    });
    if (bad.length > 0) {
        return `${bad.join(', ')}: not an IP address or CIDR block (write "10.0.0.5", "10.0.0.0/8", "2001:db8::1" or "fd00::/8")`;
    }
    const isTrusted = (address) => trusted.check(address, isIPv4(address) ? 'ipv4' : 'ipv6');
    return (req) => {
        const peer = req.socket.remoteAddress ?? '';
        if (!isTrusted(peer))
            return peer;
        const forwarded = req.headers['x-forwarded-for'];
        if (forwarded === undefined)
            return peer;
        // Node joins repeated lines into one string; the array type is only what its typings allow.
        return walkForwardedFor(typeof forwarded === 'string' ? forwarded : forwarded.join(', '), peer, isTrusted);
    };
}
/**
 * The nearest untrusted address of `header` (node joins repeated X-Forwarded-For lines with ", ",
 * in order, so several lines read as one list), scanning from the right without splitting.
 */
function walkForwardedFor(header, peer, isTrusted) {
    let client = peer;
    let end = header.length;
    while (end >= 0) {
        const comma = header.lastIndexOf(',', end - 1);
        const address = forwardedAddress(header.slice(comma + 1, end).trim());
        if (address === null)
            return client;
        client = address;
        if (!isTrusted(address))
            return address;
        if (comma === -1)
            return client;
        end = comma;
    }
    return client;
}
/**
 * One X-Forwarded-For entry as an address: a bare IPv4 or IPv6 address, and the forms with a port
 * some proxies write (`192.0.2.7:4711`, `[2001:db8::7]:4711`, `[2001:db8::7]`). Null when malformed.
 */
function forwardedAddress(entry) {
    const version = isIP(entry);
    if (version !== 0)
        return entry.includes('%') ? null : entry;
    if (entry.startsWith('[')) {
        const close = entry.indexOf(']');
        if (close === -1)
            return null;
        const inside = entry.slice(1, close);
        const rest = entry.slice(close + 1);
        if (rest !== '' && !/^:\d{1,5}$/.test(rest))
            return null;
        return isIP(inside) === 6 && !inside.includes('%') ? inside : null;
    }
    const colon = entry.indexOf(':');
    if (colon !== -1 && entry.indexOf(':', colon + 1) === -1 && /^\d{1,5}$/.test(entry.slice(colon + 1))) {
        const address = entry.slice(0, colon);
        return isIPv4(address) ? address : null;
    }
    return null;
}
/**
 * The key a per-client limit counts `ip` under: an IPv4 address as it is (an IPv4-mapped IPv6
 * address, as a dual-stack socket reports IPv4 peers, becomes its IPv4 address); an IPv6 address
 * by its /64 prefix in RFC 5952 form (`2001:db8:1:2::/64`), because OCI counts all the addresses of
 * one /64 as one client — a single host is commonly handed a whole /64. A string that is not an IP
 * address (an empty peer on a closed socket) is returned as it is.
 *
 * It runs on every request of a CLIENT_IP limit, so IPv6 is parsed by one scan into a reused
 * array, without splitting or regular expressions.
 */
export function clientKey(ip) {
    if (!ip.includes(':'))
        return ip;
    if (!ipv6Groups(ip))
        return ip;
    if (GROUPS[0] === 0 && GROUPS[1] === 0 && GROUPS[2] === 0 && GROUPS[3] === 0 && GROUPS[4] === 0 && GROUPS[5] === 0xffff) {
        const g6 = GROUPS[6];
        const g7 = GROUPS[7];
        return `${g6 >> 8}.${g6 & 255}.${g7 >> 8}.${g7 & 255}`;
    }
    // The last four groups of a /64 are zero, so the longest run of zero groups (the one RFC 5952
    // §4.2.3 compresses) always ends the address: it starts after the last non-zero prefix group.
    let last = 3;
    while (last >= 0 && GROUPS[last] === 0)
        last--;
    let key = '';
    for (let i = 0; i <= last; i++)
        key += (i === 0 ? '' : ':') + hex(GROUPS[i]);
    return `${key}::/64`;
}
/** The groups of the address ipv6Groups last parsed (the request path is single-threaded). */
const GROUPS = new Int32Array(8);
const HEX = '0123456789abcdef';
/** A 16-bit group in lower-case hex without leading zeros (Number#toString(16) costs ~5× more). */
function hex(v) {
    if (v < 0x10)
        return HEX[v];
    if (v < 0x100)
        return HEX[v >> 4] + HEX[v & 15];
    if (v < 0x1000)
        return HEX[v >> 8] + HEX[(v >> 4) & 15] + HEX[v & 15];
    return HEX[v >> 12] + HEX[(v >> 8) & 15] + HEX[(v >> 4) & 15] + HEX[v & 15];
}
/** `a.b.c.d` between `start` and `end` of `s` as a 32-bit number (decimal octets, no leading zeros); -1 when malformed. */
function dottedQuad(s, start, end) {
    let value = 0;
    let parts = 0;
    let i = start;
    while (parts < 4) {
        const first = i;
        let octet = 0;
        while (i < end && i - first < 3) {
            const c = s.charCodeAt(i);
            if (c < 48 || c > 57)
                break;
            octet = octet * 10 + (c - 48);
            i++;
        }
        if (i === first || octet > 255 || (i - first > 1 && s.charCodeAt(first) === 48))
            return -1;
        value = value * 256 + octet;
        parts++;
        if (parts < 4) {
            if (i >= end || s.charCodeAt(i) !== 46)
                return -1;
            i++;
        }
    }
    return i === end ? value : -1;
}
/** The value of hex digit `c` (a char code), or -1. */
function hexDigit(c) {
    if (c >= 48 && c <= 57)
        return c - 48;
    if (c >= 97 && c <= 102)
        return c - 87;
    if (c >= 65 && c <= 70)
        return c - 55;
    return -1;
}
/**
 * Parses an IPv6 address (`::` expanded, a dotted IPv4 tail, a `%zone` ignored) into GROUPS;
 * false when it is malformed.
 */
function ipv6Groups(ip) {
    const zone = ip.indexOf('%');
    const end = zone === -1 ? ip.length : zone;
    let n = 0;
    let gapAt = -1;
    let i = 0;
    if (end >= 2 && ip.charCodeAt(0) === 58 && ip.charCodeAt(1) === 58) {
        gapAt = 0;
        i = 2;
    }
    while (i < end) {
        const start = i;
        let value = 0;
        let digit;
        while (i < end && (digit = hexDigit(ip.charCodeAt(i))) !== -1) {
            value = value * 16 + digit;
            i++;
        }
        if (i < end && ip.charCodeAt(i) === 46) {
            // A dotted IPv4 tail (`::ffff:192.0.2.7`): the last 32 bits.
            if (n > 6)
                return false;
            const octets = dottedQuad(ip, start, end);
            if (octets < 0)
                return false;
            GROUPS[n++] = Math.floor(octets / 65536);
            GROUPS[n++] = octets % 65536;
            i = end;
            break;
        }
        if (i === start || i - start > 4 || n === 8)
            return false;
        GROUPS[n++] = value;
        if (i === end)
            break;
        if (ip.charCodeAt(i) !== 58)
            return false;
        i++;
        if (i < end && ip.charCodeAt(i) === 58) {
            if (gapAt !== -1)
                return false;
            gapAt = n;
            i++;
        }
        else if (i === end) {
            return false;
        }
    }
    if (gapAt === -1)
        return n === 8;
    if (n > 7)
        return false;
    // Move the groups after `::` to the end and zero the gap.
    const after = n - gapAt;
    for (let k = 0; k < after; k++)
        GROUPS[7 - k] = GROUPS[n - 1 - k];
    for (let k = gapAt; k < 8 - after; k++)
        GROUPS[k] = 0;
    return true;
}
