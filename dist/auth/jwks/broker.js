/**
 * With `--workers N`, the primary fetches JWKS (and discovery) documents for every worker, so an
 * identity provider sees one fetch per refresh, not one per worker (issue #7).
 *
 * - A scheduled refresh is answered from the last document fetched less than `shareWindowMs` ago
 *   (workers start together, so their refresh timers fire within moments of each other).
 * - A kid-miss refetch (`fresh`) is fetched anew, unless a fetch started after the last fresh one
 *   less than the store's cooldown ago: so a random-kid flood spread over all workers still costs at
 *   most one fetch per cooldown, while a rotated-in kid is found at once.
 * - Concurrent requests for one URL share one fetch; failures are not cached.
 * - The primary's own conditional requests (If-None-Match) keep an unchanged set cheap; a worker
 *   whose ETag matches gets a 304 from the broker.
 * - Documents are shared only between requests that would have fetched alike: the entry key holds
 *   everything that changes the fetch (URL, TLS verification, timeout, size cap), so a store that
 *   verifies TLS is never handed a document fetched with `isSslVerifyDisabled` (issue #11).
 *
 * The broker lives with the key stores it serves; the cluster primary owns one and answers its
 * workers' fetch messages with it (server/cluster_primary.ts).
 */
import { fetchJsonDocument, DEFAULT_MAX_DOCUMENT_BYTES } from './http_fetch.js';
/** Everything that changes what a fetch may return: requests differing in any of it never share. */
function entryKey(req) {
    return JSON.stringify([req.url, req.insecure, req.timeoutMs, req.maxBytes ?? DEFAULT_MAX_DOCUMENT_BYTES]);
}
/** The request a key store's fetch becomes when it goes through a broker. */
export function brokerRequest(url, opts) {
    return {
        url,
        etag: opts.etag ?? null,
        timeoutMs: opts.timeoutMs,
        insecure: opts.insecure,
        ...(opts.maxBytes !== undefined ? { maxBytes: opts.maxBytes } : {}),
        fresh: opts.fresh === true,
        cooldownMs: opts.cooldownMs ?? 30_000,
    };
}
export class JwksBroker {
    #entries = new Map();
    #shareWindowMs;
    #now;
    /** Fetches made on behalf of workers (what the identity provider saw). */
    stats = { upstreamFetches: 0, upstreamFailures: 0, servedFromShare: 0 };
    constructor(opts = {}) {
        this.#shareWindowMs = opts.shareWindowMs ?? 10_000;
        this.#now = opts.now ?? Date.now;
    }
    async fetch(req) {
        const key = entryKey(req);
        let e = this.#entries.get(key);
        if (e === undefined) {
            e = { body: undefined, etag: null, maxAgeSec: null, fetchedAtMs: -Infinity, freshAtMs: -Infinity, inflight: null };
            this.#entries.set(key, e);
        }
        const asked = this.#now();
        if (e.inflight !== null) {
            this.stats.servedFromShare++;
            await e.inflight;
        }
        else if (this.#mustFetch(e, req, asked))
            await this.#fetchInto(e, req, asked);
        else
            this.stats.servedFromShare++;
        if (e.body === undefined)
            throw new Error('no document fetched yet');
        if (req.etag !== null && req.etag === e.etag)
            return { status: 304, etag: e.etag, maxAgeSec: e.maxAgeSec };
        return { status: 200, body: e.body, etag: e.etag, maxAgeSec: e.maxAgeSec };
    }
    #mustFetch(e, req, now) {
        if (e.body === undefined)
            return true;
        if (!req.fresh)
            return now - e.fetchedAtMs >= this.#shareWindowMs;
        // A fresh request is served by a fetch made after the last fresh one within the cooldown.
        return now - e.freshAtMs >= req.cooldownMs;
    }
    #fetchInto(e, req, startedAt) {
        const opts = {
            timeoutMs: req.timeoutMs,
            insecure: req.insecure,
            etag: e.body === undefined ? null : e.etag,
            ...(req.maxBytes !== undefined ? { maxBytes: req.maxBytes } : {}),
        };
        this.stats.upstreamFetches++;
        e.inflight = fetchJsonDocument(req.url, opts)
            .then((res) => {
            if (res.status === 200)
                e.body = res.body;
            e.etag = res.etag;
            e.maxAgeSec = res.maxAgeSec;
            e.fetchedAtMs = startedAt;
            if (req.fresh)
                e.freshAtMs = startedAt;
        }, (err) => {
            this.stats.upstreamFailures++;
            throw err;
        })
            .finally(() => {
            e.inflight = null;
        });
        return e.inflight;
    }
}
