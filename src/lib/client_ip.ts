/**
 * The client address of a request, and the key a per-client limit counts it under.
 *
 * Without `server.trustedProxies` the client is the socket's peer: `X-Forwarded-For` is written by
 * whoever sends the request, so believing it would let any client pick its own rate-limit key. With
 * it, a request whose peer is a trusted proxy is read the way nginx's `real_ip_recursive` and
 * Envoy's `xff_num_trusted_hops` read it: `X-Forwarded-For` from the right, skipping trusted
 * addresses; the first untrusted one is the client. Entries to its left were written by the client
 * or by proxies we do not know and are never read, so a spoofed left entry changes nothing. When
 * every entry is trusted the leftmost is the client. A malformed entry stops the walk: the last
 * good address (or the peer) is the client.
 *
 * Addresses and CIDR blocks are matched with node:net's BlockList (native, and it matches
 * IPv4-mapped IPv6 peers such as `::ffff:10.0.0.1` against IPv4 blocks). The addresses the walk
 * returns are the entries as sent, trimmed; `clientKey` makes them canonical for counting.
 */
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP, isIPv4 } from 'node:net';

/** JSON-schema fragment for `server.trustedProxies`. */
export const trustedProxiesSchema: Record<string, unknown> = {
  type: 'array',
  items: { type: 'string', minLength: 1 },
  description:
    'Proxies (load balancers) whose X-Forwarded-For is believed: IPv4 or IPv6 addresses or CIDR blocks ("10.0.0.0/8", "fd00::/8"). ' +
    'A request from one of them is attributed to the nearest untrusted address in X-Forwarded-For, read from the right; from any other peer the header is ignored. ' +
    'Default: none, the client is always the socket peer. The client address is what CLIENT_IP rate limits count.',
};

/** How the server reads a request's client address (GatewayRequest.clientIp). */
export type ClientAddress = (req: IncomingMessage) => string;

/** The socket's peer: the client when no proxy is trusted. */
const peerAddress: ClientAddress = (req) => req.socket.remoteAddress ?? '';

/** `a.b.c.d`, `a.b.c.d/n`, an IPv6 address, or `ipv6/n`, as BlockList wants it; null when malformed. */
function parseBlock(entry: string): { address: string; prefix: number | null; family: 'ipv4' | 'ipv6' } | null {
  const slash = entry.indexOf('/');
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const version = isIP(address);
  // Zone ids (`fe80::1%eth0`) never appear in X-Forwarded-For or as a remote peer's address here.
  if (version === 0 || address.includes('%')) return null;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  if (slash === -1) return { address, prefix: null, family };
  const bits = entry.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits)) return null;
  const prefix = Number(bits);
  return prefix <= (version === 4 ? 32 : 128) ? { address, prefix, family } : null;
}

/**
 * Compiled once per plan: returns how to read the client address of a request, or the message
 * explaining why `trustedProxies` is invalid (the caller reports it at `server.trustedProxies`).
 */
export function compileClientAddress(trustedProxies: readonly string[] | undefined): ClientAddress | string {
  if (trustedProxies === undefined || trustedProxies.length === 0) return peerAddress;
  const trusted = new BlockList();
  const bad: string[] = [];
  trustedProxies.forEach((raw, i) => {
    const block = parseBlock(raw.trim());
    if (block === null) bad.push(`[${i}] ${JSON.stringify(raw)}`);
    else if (block.prefix === null) trusted.addAddress(block.address, block.family);
    else trusted.addSubnet(block.address, block.prefix, block.family);
  });
  if (bad.length > 0) {
    return `${bad.join(', ')}: not an IP address or CIDR block (write "10.0.0.5", "10.0.0.0/8", "2001:db8::1" or "fd00::/8")`;
  }
  const isTrusted = (address: string): boolean => trusted.check(address, isIPv4(address) ? 'ipv4' : 'ipv6');
  return (req) => {
    const peer = req.socket.remoteAddress ?? '';
    if (!isTrusted(peer)) return peer;
    const forwarded = req.headers['x-forwarded-for'];
    if (forwarded === undefined) return peer;
    // Node joins repeated lines into one string; the array type is only what its typings allow.
    return walkForwardedFor(typeof forwarded === 'string' ? forwarded : forwarded.join(', '), peer, isTrusted);
  };
}

/**
 * The nearest untrusted address of `header` (node joins repeated X-Forwarded-For lines with ", ",
 * in order, so several lines read as one list), scanning from the right without splitting.
 */
function walkForwardedFor(header: string, peer: string, isTrusted: (address: string) => boolean): string {
  let client = peer;
  let end = header.length;
  while (end >= 0) {
    const comma = header.lastIndexOf(',', end - 1);
    const address = forwardedAddress(header.slice(comma + 1, end).trim());
    if (address === null) return client;
    client = address;
    if (!isTrusted(address)) return address;
    if (comma === -1) return client;
    end = comma;
  }
  return client;
}

/**
 * One X-Forwarded-For entry as an address: a bare IPv4 or IPv6 address, and the forms with a port
 * some proxies write (`192.0.2.7:4711`, `[2001:db8::7]:4711`, `[2001:db8::7]`). Null when malformed.
 */
function forwardedAddress(entry: string): string | null {
  const version = isIP(entry);
  if (version !== 0) return entry.includes('%') ? null : entry;
  if (entry.startsWith('[')) {
    const close = entry.indexOf(']');
    if (close === -1) return null;
    const inside = entry.slice(1, close);
    const rest = entry.slice(close + 1);
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return null;
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
 */
export function clientKey(ip: string): string {
  if (!ip.includes(':')) return ip;
  const groups = ipv6Groups(ip);
  if (groups === null) return ip;
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff) {
    const g6 = groups[6] as number;
    const g7 = groups[7] as number;
    return `${g6 >> 8}.${g6 & 255}.${g7 >> 8}.${g7 & 255}`;
  }
  // The last four groups of a /64 are zero, so the longest run of zero groups (the one RFC 5952
  // §4.2.3 compresses) always ends the address: it starts after the last non-zero prefix group.
  let last = 3;
  while (last >= 0 && groups[last] === 0) last--;
  let key = '';
  for (let i = 0; i <= last; i++) key += (i === 0 ? '' : ':') + (groups[i] as number).toString(16);
  return `${key}::/64`;
}

/** The eight 16-bit groups of an IPv6 address (`::` expanded, a dotted IPv4 tail split); null when malformed. */
function ipv6Groups(ip: string): number[] | null {
  const zone = ip.indexOf('%');
  const text = zone === -1 ? ip : ip.slice(0, zone);
  const gap = text.indexOf('::');
  // A dotted IPv4 tail (`::ffff:192.0.2.7`) may only end the address.
  const parse = (part: string, dottedTail: boolean): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i] as string;
      if (dottedTail && i === pieces.length - 1 && piece.includes('.')) {
        if (!isIPv4(piece)) return null;
        const [a, b, c, d] = piece.split('.').map(Number) as [number, number, number, number];
        out.push((a << 8) | b, (c << 8) | d);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(piece)) return null;
        out.push(parseInt(piece, 16));
      }
    }
    return out;
  };
  if (gap === -1) {
    const all = parse(text, true);
    return all !== null && all.length === 8 ? all : null;
  }
  const head = parse(text.slice(0, gap), false);
  const tail = parse(text.slice(gap + 2), true);
  if (head === null || tail === null || head.length + tail.length > 7) return null;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}
