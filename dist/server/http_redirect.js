/** A Host header's host part: a registered name or IPv4 address, or a bracketed IPv6 literal (RFC 3986 §3.2.2). */
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9._~-]*)|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;
/** Where `req` goes on HTTPS port `httpsPort`, or null when its Host or target cannot make a URL. */
export function redirectLocation(req, httpsPort) {
    const host = req.headers.host;
    const target = req.url ?? '';
    if (host === undefined || !HOST.test(host) || !target.startsWith('/'))
        return null;
    const end = host.startsWith('[') ? host.indexOf(']') + 1 : host.lastIndexOf(':') === -1 ? host.length : host.lastIndexOf(':');
    const name = host.slice(0, end);
    return `https://${name}${httpsPort === 443 ? '' : `:${httpsPort}`}${target}`;
}
/** The request handler of the redirect listener; `httpsPort()` is the data plane's bound port. */
export function createRedirectHandler(httpsPort) {
    return function onPlainRequest(req, res) {
        const location = redirectLocation(req, httpsPort());
        const status = location === null ? 400 : 308;
        const body = JSON.stringify({ code: status, message: location === null ? 'Bad Request' : 'Permanent Redirect: use HTTPS' });
        res.writeHead(status, {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            ...(location === null ? {} : { location }),
        });
        res.end(body);
    };
}
