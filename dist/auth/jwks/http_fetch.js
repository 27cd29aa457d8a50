/**
 * Fetches a JSON document (JWKS or OIDC discovery) the way a key source must be fetched: with a
 * deadline, without following redirects (jose and krakend-jose do the same: a redirect could move
 * trust to another host), with a body size cap, conditionally (`If-None-Match`), and reading
 * `Cache-Control: max-age` for the refresh interval.
 */
import { Agent, request } from 'undici';
/** Largest JWKS / discovery document accepted, in bytes. */
export const DEFAULT_MAX_DOCUMENT_BYTES = 512 * 1024;
let insecureAgent = null;
function dispatcherFor(insecure) {
    if (!insecure)
        return undefined;
    insecureAgent ??= new Agent({ connect: { rejectUnauthorized: false } });
    return insecureAgent;
}
/** `max-age` in seconds from a Cache-Control value; 0 for no-store/no-cache; null when absent. */
export function parseMaxAge(cacheControl) {
    const value = Array.isArray(cacheControl) ? cacheControl.join(',') : cacheControl;
    if (value === undefined)
        return null;
    if (/(?:^|,)\s*(?:no-store|no-cache)\s*(?:,|$)/i.test(value))
        return 0;
    const m = /(?:^|,)\s*max-age\s*=\s*"?(\d+)"?\s*(?:,|$)/i.exec(value);
    return m ? Number(m[1]) : null;
}
function header(headers, name) {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
}
/** Fetches `url` over the network; throws an Error whose message says what went wrong (it goes to the admin API). */
export async function fetchJsonDocument(url, opts) {
    const timeout = AbortSignal.timeout(opts.timeoutMs);
    const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
    const headers = { accept: 'application/json, application/jwk-set+json' };
    if (opts.etag)
        headers['if-none-match'] = opts.etag;
    const dispatcher = dispatcherFor(opts.insecure);
    let res;
    try {
        res = await request(url, {
            method: 'GET',
            headers,
            signal,
            headersTimeout: opts.timeoutMs,
            bodyTimeout: opts.timeoutMs,
            ...(dispatcher ? { dispatcher } : {}),
        });
    }
    catch (err) {
        if (timeout.aborted)
            throw new Error(`timed out after ${opts.timeoutMs} ms`, { cause: err });
        throw new Error(`request failed: ${err.message}`, { cause: err });
    }
    const etag = header(res.headers, 'etag') ?? null;
    const maxAgeSec = parseMaxAge(res.headers['cache-control']);
    if (res.statusCode === 304 && opts.etag) {
        await res.body.dump();
        return { status: 304, etag: etag ?? opts.etag, maxAgeSec };
    }
    if (res.statusCode >= 300 && res.statusCode < 400) {
        await res.body.dump();
        throw new Error(`HTTP ${res.statusCode}: redirects are not followed`);
    }
    if (res.statusCode !== 200) {
        await res.body.dump();
        throw new Error(`HTTP ${res.statusCode}`);
    }
    const maxBytes = opts.maxBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
    const chunks = [];
    let size = 0;
    try {
        for await (const chunk of res.body) {
            size += chunk.length;
            if (size > maxBytes) {
                res.body.destroy();
                throw new Error(`document larger than ${maxBytes} bytes`);
            }
            chunks.push(chunk);
        }
    }
    catch (err) {
        if (timeout.aborted)
            throw new Error(`timed out after ${opts.timeoutMs} ms`, { cause: err });
        throw err;
    }
    let body;
    try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    }
    catch (err) {
        throw new Error('response is not JSON', { cause: err });
    }
    return { status: 200, body, etag, maxAgeSec };
}
/** Why `uri` may not serve keys, or null: https, or http to a loopback host, or http with isSslVerifyDisabled. */
export function keyUriProblem(uri, isSslVerifyDisabled) {
    let url;
    try {
        url = new URL(uri);
    }
    catch {
        return 'must be an absolute URL';
    }
    if (url.protocol === 'https:')
        return null;
    if (url.protocol !== 'http:')
        return 'must be an https URL';
    if (isLoopbackHost(url.hostname) || isSslVerifyDisabled)
        return null;
    return 'must use https (plain http is allowed for loopback hosts, or with isSslVerifyDisabled: true)';
}
/**
 * keyUriProblem for an endpoint that receives a client secret (introspection, token exchange):
 * plain http only on loopback, whatever isSslVerifyDisabled says — that switch relaxes certificate
 * checks, it does not make sending a secret in clear acceptable.
 */
export function secretUriProblem(uri) {
    const problem = keyUriProblem(uri, false);
    return problem === null || problem === 'must be an absolute URL' || problem === 'must be an https URL' ? problem : 'must use https: the client secret is sent there (plain http only for loopback hosts)';
}
export function isLoopbackHost(hostname) {
    const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
    return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}
