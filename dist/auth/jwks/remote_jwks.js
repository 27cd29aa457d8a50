import { systemClock } from '../../lib/clock.js';
import { KeySet } from './key_set.js';
import { importKey } from './key_import.js';
import { startKeyFetchSpan } from '../../lib/tracing.js';
import { fetchJsonDocument, keyUriProblem } from './http_fetch.js';
/** Remembered missed kids, at most; beyond, the memory is reset (the cooldown still bounds fetches). */
const MAX_MISSED_KIDS = 10_000;
export class RemoteJwksStore {
    label;
    #o;
    #keys = null;
    #jwksUri;
    #issuer;
    #etag = null;
    #lastGoodAtMs = -Infinity;
    #lastAttemptAtMs = -Infinity;
    #lastError = null;
    #lastErrorAtMs = null;
    #refreshEveryMs;
    #nextRefreshAtMs = 0;
    #failures = 0;
    #lastMissFetchAtMs = -Infinity;
    #missedKids = new Map();
    #pending = null;
    #loading = true;
    #timer = null;
    #stopped = false;
    #abort = new AbortController();
    #ready;
    /** The next fetch is a kid-miss refetch (see FetchOptions.fresh). */
    #freshNext = false;
    stats = { fetches: 0, notModified: 0, failures: 0, missRefetches: 0 };
    constructor(opts) {
        this.#o = {
            ...opts,
            clock: opts.clock ?? systemClock,
            timeoutMs: opts.timeoutMs ?? 5000,
            cooldownMs: opts.cooldownMs ?? 30_000,
            defaultRefreshMs: opts.defaultRefreshMs ?? 300_000,
            minRefreshMs: opts.minRefreshMs ?? 30_000,
            timers: (opts.timers ?? true) && opts.offline !== true,
            offline: opts.offline ?? false,
            fetchDocument: opts.fetchDocument ?? fetchJsonDocument,
            log: opts.log,
        };
        this.label = opts.uri;
        this.#jwksUri = opts.discovery ? null : opts.uri;
        this.#refreshEveryMs = this.#clampRefresh(null);
        this.#ready = this.#o.offline ? Promise.resolve(false) : this.refresh().then(() => this.#keys !== null);
    }
    get loading() {
        return this.#loading;
    }
    get discoveredIssuer() {
        return this.#issuer;
    }
    isUsable(nowMs) {
        return this.#keys !== null && nowMs - this.#lastGoodAtMs <= this.#o.maxCacheMs;
    }
    keys() {
        return this.#keys;
    }
    async settled() {
        if (this.#pending !== null)
            await this.#pending;
    }
    ready() {
        return this.#ready;
    }
    refetchForMiss(kid, nowMs) {
        const until = this.#missedKids.get(kid);
        if (until !== undefined && until > nowMs)
            return null;
        if (this.#pending !== null)
            return this.#pending;
        if (nowMs - this.#lastMissFetchAtMs < this.#o.cooldownMs) {
            this.#rememberMiss(kid, nowMs);
            return null;
        }
        this.#lastMissFetchAtMs = nowMs;
        this.stats.missRefetches++;
        this.#freshNext = true;
        return this.refresh().then(() => {
            if (this.#keys === null || !this.#keys.hasKid(kid))
                this.#rememberMiss(kid, this.#o.clock.nowMs());
        });
    }
    poke(nowMs) {
        if (this.#pending !== null || this.#stopped)
            return;
        if (nowMs - this.#lastAttemptAtMs < Math.min(this.#o.cooldownMs, 1000 * 2 ** Math.max(0, this.#failures - 1)))
            return;
        void this.refresh();
    }
    /** Refreshes when the schedule says so (the timer calls this; tests call it after moving the clock). */
    refreshIfDue() {
        if (this.#stopped || this.#pending !== null)
            return this.#pending;
        if (this.#o.clock.nowMs() < this.#nextRefreshAtMs)
            return null;
        return this.refresh();
    }
    /** Fetches now, single-flight: concurrent callers share one fetch. Never rejects. */
    refresh() {
        if (this.#pending !== null)
            return this.#pending;
        this.#pending = this.#fetchOnce().finally(() => {
            this.#pending = null;
            this.#loading = false;
            this.#schedule();
        });
        return this.#pending;
    }
    stop() {
        this.#stopped = true;
        if (this.#timer !== null)
            clearTimeout(this.#timer);
        this.#timer = null;
        this.#abort.abort();
    }
    async #fetchOnce() {
        if (this.#stopped)
            return;
        const clock = this.#o.clock;
        this.#lastAttemptAtMs = clock.nowMs();
        this.stats.fetches++;
        const fresh = this.#freshNext;
        this.#freshNext = false;
        try {
            const { jwksUri, issuer } = await this.#resolveJwksUri();
            const res = await this.#fetch('jwks', jwksUri, {
                timeoutMs: this.#o.timeoutMs,
                insecure: this.#o.isSslVerifyDisabled,
                etag: this.#etag,
                signal: this.#abort.signal,
                fresh,
                cooldownMs: this.#o.cooldownMs,
            });
            if (this.#stopped)
                return;
            const now = clock.nowMs();
            if (res.status === 200)
                await this.#install(res.body);
            else
                this.stats.notModified++;
            // Taken with the keys it came with: a refresh that fails keeps the issuer of the keys in use.
            if (issuer !== undefined)
                this.#issuer = issuer;
            this.#etag = res.etag;
            this.#lastGoodAtMs = now;
            this.#failures = 0;
            this.#lastError = null;
            this.#refreshEveryMs = this.#clampRefresh(res.maxAgeSec);
            this.#nextRefreshAtMs = now + Math.min(this.#refreshEveryMs, this.#o.maxCacheMs * 0.8);
        }
        catch (err) {
            if (this.#stopped)
                return;
            const now = clock.nowMs();
            this.stats.failures++;
            this.#failures++;
            this.#lastError = err.message;
            this.#lastErrorAtMs = now;
            this.#nextRefreshAtMs = now + Math.min(this.#o.cooldownMs, 1000 * 2 ** (this.#failures - 1));
            this.#o.log?.warn({ jwks: this.label, err: this.#lastError, failures: this.#failures }, 'JWKS fetch failed');
        }
    }
    /** One document fetch, traced when tracing is on (the span is looked up per fetch: stores outlive plans). */
    async #fetch(kind, url, opts) {
        const span = startKeyFetchSpan(kind, url);
        if (span === null)
            return this.#o.fetchDocument(url, opts);
        try {
            const res = await this.#o.fetchDocument(url, opts);
            span.answered(res.status);
            return res;
        }
        catch (err) {
            span.failed('fetch_failed', err.message);
            throw err;
        }
        finally {
            span.end();
        }
    }
    /**
     * With discovery, (re)reads the discovery document each time, so a moved jwks_uri is followed.
     * A document without `issuer` is refused (OpenID Connect Discovery 1.0 §3 requires it): a
     * policy that takes its issuer from discovery would otherwise check no issuer at all (issue #11).
     */
    async #resolveJwksUri() {
        if (!this.#o.discovery)
            return { jwksUri: this.#o.uri, issuer: undefined };
        const res = await this.#fetch('discovery', this.#o.uri, { timeoutMs: this.#o.timeoutMs, insecure: this.#o.isSslVerifyDisabled, signal: this.#abort.signal });
        if (res.status !== 200)
            throw new Error('discovery document: unexpected 304');
        const doc = res.body !== null && typeof res.body === 'object' && !Array.isArray(res.body) ? res.body : null;
        if (doc === null)
            throw new Error('discovery document is not a JSON object');
        const jwksUri = doc['jwks_uri'];
        if (typeof jwksUri !== 'string')
            throw new Error('discovery document has no jwks_uri');
        const problem = keyUriProblem(jwksUri, this.#o.isSslVerifyDisabled);
        if (problem !== null)
            throw new Error(`discovery jwks_uri ${problem}`);
        const issuer = doc['issuer'];
        if (typeof issuer !== 'string' || issuer === '')
            throw new Error('discovery document has no issuer');
        if (jwksUri !== this.#jwksUri)
            this.#etag = null;
        this.#jwksUri = jwksUri;
        return { jwksUri, issuer };
    }
    /** Imports a new document; keeps the records of unchanged keys, deactivates removed ones. */
    async #install(body) {
        const list = body !== null && typeof body === 'object' ? body['keys'] : undefined;
        if (!Array.isArray(list))
            throw new Error('response is not a JWKS (no "keys" array)');
        const previous = this.#keys?.keys ?? [];
        const keys = [];
        const refused = [];
        for (const jwk of list) {
            if (jwk === null || typeof jwk !== 'object' || Array.isArray(jwk)) {
                refused.push({ kid: null, reason: 'not a JSON object' });
                continue;
            }
            const imported = await importKey({ jwk: jwk });
            if (typeof imported === 'string') {
                const kid = jwk['kid'];
                refused.push({ kid: typeof kid === 'string' ? kid : null, reason: imported });
                continue;
            }
            const same = previous.find((p) => p.kid === imported.kid && p.keyObject.equals(imported.keyObject) && sameAlgs(p, imported));
            keys.push(same ?? imported);
        }
        for (const p of previous)
            if (!keys.includes(p))
                p.active = false;
        this.#keys = new KeySet(keys, refused);
        this.#missedKids.clear();
    }
    #clampRefresh(maxAgeSec) {
        const wanted = maxAgeSec === null ? this.#o.defaultRefreshMs : maxAgeSec * 1000;
        const floor = Math.min(this.#o.minRefreshMs, this.#o.maxCacheMs);
        return Math.min(Math.max(wanted, floor), this.#o.maxCacheMs);
    }
    #rememberMiss(kid, nowMs) {
        if (this.#missedKids.size >= MAX_MISSED_KIDS)
            this.#missedKids.clear();
        this.#missedKids.set(kid, nowMs + this.#o.cooldownMs);
    }
    #schedule() {
        if (!this.#o.timers || this.#stopped)
            return;
        if (this.#timer !== null)
            clearTimeout(this.#timer);
        const delayMs = Math.max(0, this.#nextRefreshAtMs - this.#o.clock.nowMs());
        this.#timer = setTimeout(() => {
            this.#timer = null;
            if (this.refreshIfDue() === null)
                this.#schedule();
        }, delayMs);
        this.#timer.unref();
    }
    adminState(nowMs) {
        const iso = (ms) => (ms === null || !Number.isFinite(ms) ? null : new Date(ms).toISOString());
        return {
            source: this.label,
            type: this.#o.discovery ? 'REMOTE_DISCOVERY' : 'REMOTE_JWKS',
            jwksUri: this.#jwksUri,
            issuer: this.#issuer ?? null,
            usable: this.isUsable(nowMs),
            keys: this.#keys?.keys.map((k) => k.summary) ?? [],
            refused: this.#keys?.refused ?? [],
            ageSeconds: Number.isFinite(this.#lastGoodAtMs) ? Math.round((nowMs - this.#lastGoodAtMs) / 1000) : null,
            lastGoodFetch: iso(this.#lastGoodAtMs),
            lastFetchAttempt: iso(this.#lastAttemptAtMs),
            nextRefresh: iso(this.#nextRefreshAtMs),
            refreshEverySeconds: this.#refreshEveryMs / 1000,
            maxCacheSeconds: this.#o.maxCacheMs / 1000,
            lastError: this.#lastError,
            lastErrorAt: iso(this.#lastErrorAtMs),
            consecutiveFailures: this.#failures,
            rememberedUnknownKids: this.#missedKids.size,
            ...this.stats,
        };
    }
    /** Seconds since the last good fetch (metrics), or -1 when never. */
    ageSeconds(nowMs) {
        return Number.isFinite(this.#lastGoodAtMs) ? (nowMs - this.#lastGoodAtMs) / 1000 : -1;
    }
    keyCount() {
        return this.#keys?.keys.length ?? 0;
    }
}
function sameAlgs(a, b) {
    if (a.algs.size !== b.algs.size)
        return false;
    for (const alg of a.algs)
        if (!b.algs.has(alg))
            return false;
    return true;
}
