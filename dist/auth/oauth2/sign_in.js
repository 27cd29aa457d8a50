import { decodeJwt } from 'jose';
import { isLocalPath } from '../../backends/oauth2.js';
import { Lru } from '../../lib/lru.js';
import { sendError } from '../../lib/respond.js';
import { clearChunked, parseCookies, readChunked, setCookie, writeChunked } from '../../lib/session_cookie.js';
import { TOKEN_MISSING } from '../extract.js';
import { OpenIdProvider } from './provider.js';
import { verifyIdToken } from './id_token.js';
import { randomToken, s256Challenge, sameSecret } from './pkce.js';
import { GATEWAY_COOKIE_PREFIX } from '../../lib/gateway_headers.js';
/** Longest return URL kept in the sign-in cookie, characters; a longer one returns to fallbackRedirectPath. */
export const MAX_RETURN_CHARS = 2048;
/** Life of a sign-in in progress (the transaction cookie), ms. */
export const TRANSACTION_TTL_MS = 10 * 60_000;
/** Characters of a sealed session that key the cache: its GCM tag (16 bytes, 22 base64url characters) and a little more. */
const OPENED_KEY_CHARS = 24;
/** How long an opened session is served from the cache before it is opened again, ms. */
export const OPENED_TTL_MS = 60_000;
/** A state is accepted once: one hit per state for as long as a transaction lives. */
const USED_STATE = Object.freeze({ name: 'oauth2-state', points: 1, windowSeconds: TRANSACTION_TTL_MS / 1000 });
/**
 * What a sign-in policy keeps in memory: used states, sign-ins in progress without the intermediate
 * cookie, sessions without the session cookie. Taken from the shared registry per deployment, so a
 * configuration reload neither signs browsers out nor forgets which states were used.
 */
export class SignInMemory {
    usedStates = new Lru({ maxEntries: 100_000 });
    pending = new Lru({ maxEntries: 100_000 });
    sessions = new Lru({ maxEntries: 100_000 });
}
/** The verdict a callback request gets from authentication: handled by respond(), never by the backend. */
const CALLBACK = Object.freeze({ status: 401, reason: 'sign_in_callback', auth: null, challenge: null });
const HOST = /^[A-Za-z0-9.-]+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/;
const NO_STORE = 'no-store';
/** How long a refresh's answer serves the same refresh token again (#refreshOnce). */
export const REFRESH_SHARE_MS = 5_000;
/** Whether `claims` (of a refreshed ID token) name the subject and issuer of the ID token `previous`. */
export function sameSubject(previous, claims) {
    let old;
    try {
        old = decodeJwt(previous);
    }
    catch {
        return false;
    }
    return typeof old['sub'] === 'string' && old['sub'] === claims['sub'] && old['iss'] === claims['iss'];
}
function isSession(v) {
    const s = v;
    return v !== null && typeof v === 'object' && typeof s.at === 'string' && typeof s.exp === 'number' && (s.it === null || typeof s.it === 'string') && (s.rt === null || typeof s.rt === 'string');
}
function isTransaction(v) {
    const t = v;
    return v !== null && typeof v === 'object' && typeof t.s === 'string' && typeof t.n === 'string' && typeof t.r === 'string' && typeof t.u === 'string' && typeof t.exp === 'number' && (t.v === null || typeof t.v === 'string');
}
/**
 * `url` with every character outside printable ASCII percent-encoded (UTF-8): a returnTo or
 * post-logout URL may hold any character once decoded from the query, and Node refuses a header
 * value with one above U+00FF (the answer would be a 500 after a good sign-in).
 */
export function asciiLocation(url) {
    return url.replace(/[^\x21-\x7e]/gu, (c) => [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
}
function rawPath(req) {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    return q === -1 ? url : url.slice(0, q);
}
export class OAuth2SignIn {
    #o;
    #sessionName;
    #txnName;
    /** Per request: the session read from its cookies (null: none), read once. */
    #sessions = new WeakMap();
    /** Per request: where the token the policy checked came from. */
    #source = new WeakMap();
    /** A token to check in place of the request's (the callback checks the new access token). */
    #override = new WeakMap();
    #usedStates;
    #pending;
    #serverSessions;
    /** The policy's own authenticate (before attach() replaced it): checks a token and nothing else. */
    #inner = null;
    /**
     * Refreshes by refresh token, in flight or just done: a page's parallel requests all find the
     * session expired, and providers that rotate refresh tokens (Okta, Auth0) treat a second use of
     * one as theft and end the grant. They share one call; when it rotated the refresh token, its
     * answer stays for REFRESH_SHARE_MS, for requests the browser sent before it had the new cookie.
     */
    #refreshes = new Lru({ maxEntries: 10_000 });
    constructor(opts) {
        this.#o = opts;
        this.#sessionName = `${GATEWAY_COOKIE_PREFIX}${opts.deployment}`;
        this.#txnName = `${GATEWAY_COOKIE_PREFIX}${opts.deployment}_txn`;
        this.#usedStates = opts.memory.usedStates;
        this.#pending = opts.memory.pending;
        this.#serverSessions = opts.memory.sessions;
    }
    /** Names of the cookies (docs, tests). */
    get cookieNames() {
        return { session: this.#sessionName, transaction: this.#txnName };
    }
    /**
     * The policy's extractor, extended: the request's own token first (API clients keep working with
     * a bearer token); without one, the session's access token.
     */
    wrapExtractor(base) {
        return (ctx) => {
            // First: the callback and a refresh check the provider's token, never one the request carries.
            const override = this.#override.get(ctx);
            if (override !== undefined)
                return override;
            const own = base(ctx);
            if (own !== TOKEN_MISSING) {
                this.#source.set(ctx, 'request');
                return own;
            }
            const session = this.session(ctx);
            if (session === null)
                return TOKEN_MISSING;
            this.#source.set(ctx, 'session');
            return session.at;
        };
    }
    /**
     * Makes `policy` (the compiled TOKEN policy, built with wrapExtractor) answer sign-in: callbacks
     * are recognised before validation, and 401s become redirects. The method is replaced on the
     * instance, so the policy keeps its class (readiness and the admin API read it). The login and
     * logout routes are reachable without a session because their routes carry no authentication
     * (config/compile.ts), not by path: a path is also reached by other routes (a catch-all).
     */
    attach(policy) {
        const inner = policy.authenticate.bind(policy);
        this.#inner = inner;
        policy.authenticate = (ctx) => (this.#isCallback(ctx) ? CALLBACK : inner(ctx));
        policy.failureResponse = this.failureResponse();
        policy.browserSignIn = this;
        return policy;
    }
    failureResponse() {
        return {
            respond: (ctx, v) => {
                if (v === CALLBACK)
                    return this.#run(ctx, this.#callback(ctx));
                if (v.status !== 401)
                    return false;
                // A token the client sent itself was refused: an API client, answered 401 as without the policy.
                if (this.#source.get(ctx) === 'request')
                    return false;
                const method = ctx.req.method;
                // Only a page load can follow a redirect to a login form; other methods keep the 401.
                if (method !== 'GET' && method !== 'HEAD')
                    return false;
                const session = this.#source.get(ctx) === 'session' ? this.session(ctx) : null;
                if (session !== null && session.rt !== null)
                    return this.#run(ctx, this.#refresh(ctx, session));
                return this.#run(ctx, this.#start(ctx, this.#here(ctx)));
            },
        };
    }
    /** The login route (OAUTH2_LOGIN_BACKEND). */
    login(ctx) {
        if (this.#hasCallbackParams(ctx))
            return this.#callback(ctx);
        const asked = ctx.search === '' ? null : ctx.query().get('returnTo');
        return this.#start(ctx, asked !== null && asked.length <= MAX_RETURN_CHARS && isLocalPath(asked) ? asked : this.#fallback());
    }
    /** The logout route (OAUTH2_LOGOUT_BACKEND); `postLogoutUrl` was checked by the backend. */
    async logout(ctx, postLogoutUrl, state) {
        const session = this.session(ctx);
        if (session !== null)
            this.#o.stats.count('signed_out');
        const cookies = this.#cookies(ctx);
        const secure = ctx.protocol === 'https';
        const clear = [...clearChunked(cookies, this.#sessionName, secure), ...clearChunked(cookies, this.#txnName, secure)];
        if (!this.#o.useCookiesForSession) {
            const sid = this.#sessionId(cookies);
            if (sid !== null)
                this.#serverSessions.delete(sid);
        }
        const origin = this.#origin(ctx);
        const target = postLogoutUrl === null ? null : postLogoutUrl.startsWith('/') ? (origin === null ? null : origin + postLogoutUrl) : postLogoutUrl;
        let meta = null;
        if (session !== null && session.it !== null)
            meta = await this.#o.provider.metadata();
        if (meta !== null && typeof meta !== 'string' && meta.endSessionEndpoint !== null) {
            // OpenID Connect RP-Initiated Logout 1.0 §2.
            const url = new URL(meta.endSessionEndpoint);
            url.searchParams.set('id_token_hint', session.it);
            url.searchParams.set('client_id', this.#o.clientId);
            if (target !== null)
                url.searchParams.set('post_logout_redirect_uri', target);
            if (state !== null)
                url.searchParams.set('state', state);
            return this.#redirect(ctx, 302, url.href, clear);
        }
        if (target !== null) {
            const url = state === null ? target : `${target}${target.includes('?') ? '&' : '?'}state=${encodeURIComponent(state)}`;
            return this.#redirect(ctx, 302, url, clear);
        }
        const body = 'Signed out.\n';
        ctx.res.writeHead(200, { 'set-cookie': clear, 'cache-control': NO_STORE, 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
        ctx.res.end(ctx.req.method === 'HEAD' ? undefined : body);
    }
    /** The browser's session (from its cookies), or null: absent, forged, sealed by a retired key, or past its end. */
    session(ctx) {
        const known = this.#sessions.get(ctx);
        if (known !== undefined)
            return known;
        let session = null;
        const cookies = this.#cookies(ctx);
        if (this.#o.useCookiesForSession) {
            const sealed = readChunked(cookies, this.#sessionName);
            if (sealed !== null)
                session = this.#open(sealed);
        }
        else {
            const sid = this.#sessionId(cookies);
            session = sid === null ? null : (this.#serverSessions.get(sid) ?? null);
        }
        if (session !== null && session.exp <= this.#o.clock.nowMs())
            session = null;
        this.#sessions.set(ctx, session);
        return session;
    }
    /**
     * Opens a sealed session, through a cache of recently opened ones: AES-GCM and JSON on a 3 KB
     * cookie cost ~16 µs, a cache hit ~1 µs (every page and asset a browser loads carries the
     * cookie). An entry lives OPENED_TTL_MS, so a key whose grace ends stops opening cached sessions
     * within that time; the cache belongs to this key ring.
     */
    #open(sealed) {
        const nowMs = this.#o.clock.nowMs();
        // Keyed by the value's end (the GCM tag, unique per seal): hashing a 3 KB key costs as much as
        // the lookup saves. The whole value must still match, so a tag alone opens nothing.
        const tag = sealed.slice(-OPENED_KEY_CHARS);
        const hit = this.#o.opened.get(tag);
        if (hit !== undefined && hit.untilMs > nowMs && hit.sealed === sealed)
            return hit.session;
        const opened = this.#o.keys.open('session', sealed);
        if (!isSession(opened))
            return null;
        this.#o.opened.set(tag, { session: opened, sealed, untilMs: nowMs + OPENED_TTL_MS }, sealed.length * 2 + 128);
        return opened;
    }
    #sessionId(cookies) {
        const sealed = cookies.get(this.#sessionName);
        const opened = sealed === undefined ? null : this.#o.keys.open('session-id', sealed);
        return typeof opened === 'string' ? opened : null;
    }
    #cookies(ctx) {
        const h = ctx.req.headers.cookie;
        return parseCookies(h);
    }
    #fallback() {
        return this.#o.fallbackRedirectPath ?? '/';
    }
    /**
     * Where to come back to: the URL asked for, when it is a path on the gateway short enough for the
     * sign-in cookie (a browser drops a cookie over ~4 KB, and the sign-in would then fail); else
     * fallbackRedirectPath.
     */
    #here(ctx) {
        const url = ctx.req.url ?? '';
        return url.length <= MAX_RETURN_CHARS && isLocalPath(url) ? url : this.#fallback();
    }
    #hasCallbackParams(ctx) {
        if (ctx.search === '')
            return false;
        const q = ctx.query();
        return q.has('state') && (q.has('code') || q.has('error'));
    }
    /** Without loginPath the provider returns to the page itself: a GET carrying the provider's answer and a sign-in in progress. */
    #isCallback(ctx) {
        if (this.#o.loginPath !== null || ctx.req.method !== 'GET' || !this.#hasCallbackParams(ctx))
            return false;
        if (!this.#o.useCookiesForIntermediateSteps)
            return this.#pending.get(ctx.query().get('state')) !== undefined;
        return readChunked(this.#cookies(ctx), this.#txnName) !== null;
    }
    /** `http(s)://host` as the browser reached the gateway, or null for a Host header that is not a host. */
    #origin(ctx) {
        const host = ctx.req.headers.host;
        return typeof host === 'string' && HOST.test(host) ? `${ctx.protocol}://${host}` : null;
    }
    /** Writes what `work` decides; a failure costs this request a 502, never the process. */
    #run(ctx, work) {
        work.catch((err) => {
            ctx.log.error({ reqId: ctx.requestId, err: err.message }, 'browser sign-in failed');
            sendError(ctx.res, 502, 'Bad Gateway');
        });
        return true;
    }
    #redirect(ctx, status, location, cookies) {
        const headers = { location: asciiLocation(location), 'cache-control': NO_STORE, 'content-length': '0' };
        if (cookies.length > 0)
            headers['set-cookie'] = cookies;
        ctx.res.writeHead(status, headers);
        ctx.res.end();
    }
    #refuse(ctx, status, message, reason, cookies) {
        this.#o.stats.count('refused');
        ctx.log.warn({ reqId: ctx.requestId, reason }, 'browser sign-in refused');
        sendError(ctx.res, status, message, { 'cache-control': NO_STORE, ...(cookies.length > 0 ? { 'set-cookie': cookies } : {}) });
    }
    #secret() {
        return 'value' in this.#o.secret ? this.#o.secret.value : null;
    }
    /** Starts a sign-in: 302 to the authorization endpoint, the transaction kept in its cookie (or in memory). */
    async #start(ctx, returnTo) {
        const origin = this.#origin(ctx);
        if (origin === null)
            return this.#refuse(ctx, 400, 'Bad Request', 'host header unusable for redirect_uri', []);
        if (this.#secret() === null)
            return this.#refuse(ctx, 503, 'Service Unavailable', this.#o.secret.missing, []);
        const meta = await this.#o.provider.metadata();
        if (typeof meta === 'string')
            return this.#refuse(ctx, 503, 'Service Unavailable', meta, []);
        const nowMs = this.#o.clock.nowMs();
        const txn = {
            s: randomToken(),
            n: randomToken(),
            v: this.#o.usePkce ? randomToken() : null,
            r: returnTo,
            u: origin + (this.#o.loginPath ?? rawPath(ctx.req)),
            exp: nowMs + TRANSACTION_TTL_MS,
        };
        const url = new URL(meta.authorizationEndpoint);
        const p = url.searchParams;
        p.set('response_type', 'code');
        p.set('client_id', this.#o.clientId);
        p.set('redirect_uri', txn.u);
        p.set('scope', this.#o.scopes.join(' '));
        p.set('state', txn.s);
        p.set('nonce', txn.n);
        if (txn.v !== null) {
            p.set('code_challenge', s256Challenge(txn.v));
            p.set('code_challenge_method', 'S256');
        }
        const cookies = [];
        if (this.#o.useCookiesForIntermediateSteps) {
            cookies.push(setCookie(this.#txnName, this.#o.keys.seal('txn', txn), { secure: ctx.protocol === 'https', maxAgeSec: TRANSACTION_TTL_MS / 1000 }));
        }
        else
            this.#pending.set(txn.s, txn, 512);
        this.#o.stats.count('started');
        this.#redirect(ctx, 302, url.href, cookies);
    }
    /** The provider's answer: state, then code exchange, ID token, access token, session. */
    async #callback(ctx) {
        const q = ctx.query();
        const state = q.get('state') ?? '';
        const secure = ctx.protocol === 'https';
        const cookies = this.#cookies(ctx);
        const clear = clearChunked(cookies, this.#txnName, secure);
        let txn = null;
        if (this.#o.useCookiesForIntermediateSteps) {
            const sealed = readChunked(cookies, this.#txnName);
            const opened = sealed === null ? null : this.#o.keys.open('txn', sealed);
            // The state must be the one sealed in this browser's cookie: a callback forged for another browser fails here (CSRF).
            txn = isTransaction(opened) && sameSecret(opened.s, state) ? opened : null;
        }
        else {
            txn = this.#pending.get(state) ?? null;
            this.#pending.delete(state);
        }
        const nowMs = this.#o.clock.nowMs();
        if (txn === null || txn.exp <= nowMs)
            return this.#refuse(ctx, 400, 'Sign-in could not be completed: start again', 'state unknown, expired or not this browser\'s', clear);
        if (!(await this.#firstUse(state, txn.exp, nowMs)))
            return this.#refuse(ctx, 400, 'Sign-in could not be completed: start again', 'state replayed', clear);
        const error = q.get('error');
        if (error !== null)
            return this.#refuse(ctx, 401, 'Sign-in refused by the identity provider', `provider answered error=${error.slice(0, 64)}`, clear);
        const code = q.get('code');
        if (code === null || code === '')
            return this.#refuse(ctx, 400, 'Bad Request', 'callback without code', clear);
        const secret = this.#secret();
        if (secret === null)
            return this.#refuse(ctx, 503, 'Service Unavailable', this.#o.secret.missing, clear);
        const meta = await this.#o.provider.metadata();
        if (typeof meta === 'string')
            return this.#refuse(ctx, 503, 'Service Unavailable', meta, clear);
        const form = { grant_type: 'authorization_code', code, redirect_uri: txn.u };
        if (txn.v !== null)
            form['code_verifier'] = txn.v;
        const tokens = await this.#o.provider.token(meta, this.#o.clientId, secret, form);
        if (typeof tokens === 'string')
            return this.#refuse(ctx, 502, 'Bad Gateway', tokens, clear);
        const idToken = tokens['id_token'];
        const accessToken = tokens['access_token'];
        if (typeof idToken !== 'string' || typeof accessToken !== 'string')
            return this.#refuse(ctx, 502, 'Bad Gateway', 'token answer lacks id_token or access_token', clear);
        const claims = await verifyIdToken(idToken, this.#o.idTokenKeys, {
            issuer: meta.issuer,
            clientId: this.#o.clientId,
            nonce: txn.n,
            nowMs: this.#o.clock.nowMs(),
            clockSkewSec: this.#o.clockSkewSec,
        });
        if (typeof claims === 'string')
            return this.#refuse(ctx, 401, 'Unauthorized', claims, clear);
        const verdict = await this.#check(ctx, accessToken);
        if (verdict.status !== 0)
            return this.#refuse(ctx, verdict.status === 503 ? 503 : 401, verdict.status === 503 ? 'Service Unavailable' : 'Unauthorized', `access token refused: ${verdict.reason}`, clear);
        const refresh = typeof tokens['refresh_token'] === 'string' ? tokens['refresh_token'] : null;
        const session = { at: accessToken, it: idToken, rt: refresh, exp: this.#o.clock.nowMs() + this.#o.sessionMaxMs };
        const set = this.#store(ctx, cookies, session);
        if (set === null)
            return this.#refuse(ctx, 502, 'Bad Gateway', 'session larger than the cookies can hold: set useCookiesForSession false', clear);
        this.#o.stats.count('completed');
        ctx.log.info({ reqId: ctx.requestId, sub: claims['sub'] }, 'browser signed in');
        this.#redirect(ctx, 302, isLocalPath(txn.r) ? txn.r : this.#fallback(), [...clear, ...set]);
    }
    /**
     * True the first time `state` comes back: remembered here until the transaction would have
     * expired, and — when the plan has shared state — counted once in the shared store, so a callback
     * replayed to another worker or gateway instance is refused too. A shared store that cannot be
     * reached does not fail the sign-in (DESIGN §12): the local record and the browser-bound cookie
     * still hold, and the provider refuses a code used twice.
     */
    async #firstUse(state, untilMs, nowMs) {
        const used = this.#usedStates.get(state);
        if (used !== undefined && used > nowMs)
            return false;
        this.#usedStates.set(state, untilMs, 64);
        const counters = this.#o.counters;
        if (counters === null)
            return true;
        try {
            return (await counters().consume(USED_STATE, state)).allowed;
        }
        catch (err) {
            this.#o.log.warn({ reason: err.message }, 'browser sign-in: shared state unreachable, state checked in this process only');
            return true;
        }
    }
    /** Access token expired: a new one with the refresh token (RFC 6749 §6), then the same request again (307 keeps its method). */
    async #refresh(ctx, session) {
        const secret = this.#secret();
        const meta = await this.#o.provider.metadata();
        const back = this.#here(ctx);
        const fail = () => {
            this.#o.stats.count('refresh_failed');
            return this.#start(ctx, back);
        };
        if (secret === null || typeof meta === 'string')
            return fail();
        const tokens = await this.#refreshOnce(meta, secret, session.rt);
        const at = typeof tokens === 'string' ? null : tokens['access_token'];
        if (typeof tokens === 'string' || typeof at !== 'string') {
            ctx.log.info({ reqId: ctx.requestId, reason: typeof tokens === 'string' ? tokens : 'no access_token' }, 'session refresh failed: signing in again');
            return fail();
        }
        let it = session.it;
        if (typeof tokens['id_token'] === 'string') {
            const claims = await verifyIdToken(tokens['id_token'], this.#o.idTokenKeys, { issuer: meta.issuer, clientId: this.#o.clientId, nonce: null, nowMs: this.#o.clock.nowMs(), clockSkewSec: this.#o.clockSkewSec });
            if (typeof claims === 'string')
                return fail();
            // OpenID Connect Core §12.2: a refreshed ID token names the same user at the same issuer.
            if (session.it !== null && !sameSubject(session.it, claims)) {
                ctx.log.warn({ reqId: ctx.requestId }, 'session refresh refused: the new ID token names another subject');
                return fail();
            }
            it = tokens['id_token'];
        }
        // The request's own (expired) session must not answer for the new token.
        this.#sessions.delete(ctx);
        const verdict = await this.#check(ctx, at);
        if (verdict.status !== 0)
            return fail();
        const next = { at, it, rt: typeof tokens['refresh_token'] === 'string' ? tokens['refresh_token'] : session.rt, exp: session.exp };
        const set = this.#store(ctx, this.#cookies(ctx), next);
        if (set === null)
            return fail();
        this.#o.stats.count('refreshed');
        this.#redirect(ctx, 307, back, set);
    }
    /** One token call per refresh token (see #refreshes). */
    #refreshOnce(meta, secret, rt) {
        const now = this.#o.clock.nowMs();
        const known = this.#refreshes.get(rt);
        if (known !== undefined && known.untilMs > now)
            return known.call;
        const call = this.#o.provider.token(meta, this.#o.clientId, secret, { grant_type: 'refresh_token', refresh_token: rt });
        this.#refreshes.set(rt, { call, untilMs: now + REFRESH_SHARE_MS }, rt.length * 2 + 256);
        // Once answered, the answer is kept only when the provider rotated the refresh token (the old
        // one is spent: a second use would look like theft). Otherwise the refresh token still works,
        // and a kept answer would only hand out an access token that may meanwhile have expired. A
        // failed call is never kept: the next request may find the provider back.
        void call.then((r) => {
            if (typeof r === 'string' || typeof r['refresh_token'] !== 'string' || r['refresh_token'] === rt)
                this.#refreshes.delete(rt);
        }, () => this.#refreshes.delete(rt));
        return call;
    }
    /** Runs the policy's own validation on `token`, as if the request had carried it. */
    async #check(ctx, token) {
        const inner = this.#inner;
        if (inner === null)
            throw new Error('sign-in used before attach()');
        this.#override.set(ctx, token);
        try {
            return await inner(ctx);
        }
        finally {
            this.#override.delete(ctx);
        }
    }
    /** The Set-Cookie values that keep `session` (sealed in cookies, or in memory with a sealed id); null when too large. */
    #store(ctx, cookies, session) {
        const attrs = { secure: ctx.protocol === 'https', maxAgeSec: Math.max(0, (session.exp - this.#o.clock.nowMs()) / 1000) };
        if (this.#o.useCookiesForSession)
            return writeChunked(cookies, this.#sessionName, this.#o.keys.seal('session', session), attrs);
        const old = this.#sessionId(cookies);
        if (old !== null)
            this.#serverSessions.delete(old);
        const sid = randomToken();
        this.#serverSessions.set(sid, session, session.at.length + (session.it?.length ?? 0) + (session.rt?.length ?? 0) + 128);
        return writeChunked(cookies, this.#sessionName, this.#o.keys.seal('session-id', sid), attrs);
    }
}
/** Joins the deployment's pathPrefix and a path of the policy (`/app` + `/callback`). */
export function deploymentPath(prefix, path) {
    const p = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
    return `${p}${path}`;
}
