/**
 * The one place that turns a bound address into the URL a client uses: a wildcard bind (`0.0.0.0`,
 * `::`) is reached on loopback, and an IPv6 literal goes in brackets (RFC 3986 §3.2.2).
 */
export function listenerUrl(host, port, scheme = 'http') {
    const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
    return `${scheme}://${reachable}:${port}`;
}
