/**
 * The OpenID provider as the sign-in flow sees it: its discovery document (OpenID Connect
 * Discovery 1.0 §3: issuer, authorization_endpoint, token_endpoint, end_session_endpoint) cached
 * for an hour, and calls to its token endpoint (RFC 6749 §4.1.3 code exchange, §6 refresh) with
 * the client's secret: `client_secret_basic` unless the document lists only `client_secret_post`.
 * Failures are values (a string saying why, never containing a token or the secret).
 */
import { Agent, request } from 'undici';
import { readBody } from '../../lib/body.js';
import { fetchJsonDocument, keyUriProblem, secretUriProblem } from '../jwks/http_fetch.js';
/** How long a discovery document is used before it is fetched again. */
const DOCUMENT_TTL_MS = 3_600_000;
/** After a failed fetch, requests get the failure for this long before the next try. */
const RETRY_MS = 5_000;
const MAX_TOKEN_ANSWER_BYTES = 256 * 1024;
let insecureAgent = null;
/** `getsSecret`: the client secret is sent there (the token endpoint), so no plain http off loopback. */
function endpoint(doc, name, insecure, required, getsSecret = false) {
    const v = doc[name];
    if (v === undefined && !required)
        return null;
    if (typeof v !== 'string' || v === '')
        return new Error(`names no ${name}`);
    const problem = getsSecret ? secretUriProblem(v) : keyUriProblem(v, insecure);
    return problem === null ? v : new Error(`${name} ${problem}`);
}
/** Reads the parts of a discovery document the flow needs; a string says what is wrong. */
export function readMetadata(doc, insecure) {
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
        return 'is not a JSON object';
    const d = doc;
    if (typeof d['issuer'] !== 'string' || d['issuer'] === '')
        return 'names no issuer';
    const auth = endpoint(d, 'authorization_endpoint', insecure, true);
    const token = endpoint(d, 'token_endpoint', insecure, true, true);
    const end = endpoint(d, 'end_session_endpoint', insecure, false);
    for (const e of [auth, token, end])
        if (e instanceof Error)
            return e.message;
    const listed = d['token_endpoint_auth_methods_supported'];
    const postOnly = Array.isArray(listed) && listed.includes('client_secret_post') && !listed.includes('client_secret_basic');
    return {
        issuer: d['issuer'],
        authorizationEndpoint: auth,
        tokenEndpoint: token,
        endSessionEndpoint: end,
        tokenAuthMethod: postOnly ? 'client_secret_post' : 'client_secret_basic',
    };
}
/** RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined and base64-encoded. */
function basicHeader(id, secret) {
    const enc = (s) => encodeURIComponent(s).replace(/%20/g, '+');
    return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`;
}
export class OpenIdProvider {
    #o;
    #meta = null;
    #untilMs = 0;
    #failure = null;
    #retryAtMs = 0;
    #inflight = null;
    constructor(opts) {
        this.#o = opts;
    }
    /** Why the last discovery failed, or null. */
    get problem() {
        return this.#failure;
    }
    /** The metadata, fetched when missing or older than an hour; a string says why there is none. */
    metadata() {
        const now = this.#o.clock.nowMs();
        if (this.#meta !== null && now < this.#untilMs)
            return Promise.resolve(this.#meta);
        if (this.#inflight !== null)
            return this.#inflight;
        if (this.#meta === null && this.#failure !== null && now < this.#retryAtMs)
            return Promise.resolve(this.#failure);
        this.#inflight = this.#fetch()
            .then((found) => {
            const at = this.#o.clock.nowMs();
            if (typeof found === 'string') {
                this.#failure = found;
                this.#retryAtMs = at + RETRY_MS;
                // A document that served once keeps serving until a fetch succeeds.
                return this.#meta ?? found;
            }
            this.#meta = found;
            this.#untilMs = at + DOCUMENT_TTL_MS;
            this.#failure = null;
            return found;
        })
            .finally(() => (this.#inflight = null));
        return this.#inflight;
    }
    async #fetch() {
        const uri = this.#o.discoveryUri;
        try {
            const got = await (this.#o.fetchDocument ?? fetchJsonDocument)(uri, { timeoutMs: this.#o.timeoutMs, insecure: this.#o.insecure });
            if (got.status !== 200)
                return `discovery document ${uri}: unexpected 304`;
            const meta = readMetadata(got.body, this.#o.insecure);
            return typeof meta === 'string' ? `discovery document ${uri} ${meta}` : meta;
        }
        catch (err) {
            return `discovery document ${uri}: ${err.message}`;
        }
    }
    /**
     * POSTs `form` to the token endpoint with the client's credentials. Resolves with the JSON answer
     * of a 200, or a string saying why not (the provider's `error` code for a 400, never a token).
     */
    async token(meta, clientId, secret, form) {
        const body = new URLSearchParams(form);
        const headers = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
        if (meta.tokenAuthMethod === 'client_secret_basic')
            headers['authorization'] = basicHeader(clientId, secret);
        else {
            body.set('client_id', clientId);
            body.set('client_secret', secret);
        }
        const timeoutMs = this.#o.timeoutMs;
        const signal = AbortSignal.timeout(timeoutMs);
        let dispatcher;
        if (this.#o.insecure)
            dispatcher = insecureAgent ??= new Agent({ connect: { rejectUnauthorized: false } });
        let res;
        try {
            res = await request(meta.tokenEndpoint, {
                method: 'POST',
                headers,
                body: body.toString(),
                signal,
                headersTimeout: timeoutMs,
                bodyTimeout: timeoutMs,
                ...(dispatcher ? { dispatcher } : {}),
            });
        }
        catch (err) {
            return signal.aborted ? `token endpoint timed out after ${timeoutMs} ms` : `token endpoint: ${err.message}`;
        }
        const raw = await readBody(res.body, MAX_TOKEN_ANSWER_BYTES, 'destroy').catch(() => null);
        let doc = null;
        try {
            doc = raw === null ? null : JSON.parse(raw.toString('utf8'));
        }
        catch {
            doc = null;
        }
        const obj = doc !== null && typeof doc === 'object' && !Array.isArray(doc) ? doc : null;
        if (res.statusCode !== 200) {
            const code = obj !== null && typeof obj['error'] === 'string' ? ` ${obj['error'].slice(0, 64)}` : '';
            return `token endpoint answered HTTP ${res.statusCode}${code}`;
        }
        if (obj === null)
            return 'token endpoint answer is not a JSON object';
        return obj;
    }
}
