/**
 * Response caching (OCI `requestPolicies.responseCacheLookup` and `responsePolicies.responseCacheStore`
 * on a route; OCI "Caching Responses to Improve Performance"): an answer to GET, HEAD or OPTIONS with
 * status 200, 204, 301 or 410 is kept in the shared store (memory by default, Redis with
 * `state.redis` or OCI's `responseCacheDetails`) for `timeToLiveInSeconds`, and the same request is
 * then answered from it without calling the backend. `Cache-Control` in the request and in the
 * response is ignored, as OCI documents. Every answer of a cacheable request says what happened in
 * `X-Cache-Status`: HIT, MISS (fetched from the backend, stored if storable) or BYPASS (not
 * consulted: a request with credentials on a route without private caching, or the store failing).
 *
 * The key (compiled once; a sha256, remembered for recent key texts): the deployment's id (its
 * name when it has none), the method, the path without the query, each `cacheKeyAdditions` value,
 * and the principal — the token's subject and client id, else the Authorization value — when
 * private caching is on. The parts are length-prefixed before hashing, so no two requests share a
 * key by how their parts happen to join.
 *
 * A hit from the memory store is answered synchronously (`Cache.getNow`), from the entry decoded
 * once, in one `writeHead`: it costs about what a stock response does (bench/state.ts).
 *
 * Choices where OCI's documentation is silent are written down in docs/response-caching.md: HEAD
 * and GET are cached separately, `isEnabled` defaults to true, a request counts as carrying
 * credentials when it has an Authorization header or the route authenticated it, stored headers
 * are the ones sent after the route's response transformation.
 *
 * Recording the backend's answer and the entry format are in response_capture.ts. This file passes
 * ~300 lines because the schema fragments sit beside the code that gives their fields meaning.
 */
import { createHash } from 'node:crypto';
import { compileContextVariable, compileStringTemplate } from '../backends/context_vars.js';
import { coarseClock } from '../lib/clock.js';
import { Lru } from '../lib/lru.js';
import { nonEmptyString, object } from '../lib/json_schema.js';
import { scrapedMetric, useScrapedMetrics } from '../lib/scraped_metrics.js';
import { captureResponse, decodeEntry, encodeEntry, headerObject } from './response_capture.js';
/** Longest `timeToLiveInSeconds` accepted: one day (OCI does not document a limit). */
export const MAX_TTL_SECONDS = 86400;
/** JSON-schema fragment for `routes[].requestPolicies.responseCacheLookup`. */
export const responseCacheLookupSchema = {
    ...object({
        type: { const: 'SIMPLE_LOOKUP_POLICY', description: 'The only lookup policy OCI has.' },
        isEnabled: { type: 'boolean', description: 'Default true; false caches nothing on this route (with a warning).' },
        isPrivateCachingEnabled: {
            type: 'boolean',
            description: 'Default false: a request with an Authorization header, or one the route authenticated, is neither looked up nor stored (X-Cache-Status: BYPASS). ' +
                'True: such requests are cached too, each principal apart (token subject and client id, else the Authorization value), Set-Cookie included.',
        },
        cacheKeyAdditions: {
            type: 'array',
            items: nonEmptyString,
            description: 'Request context variables added to the cache key, such as ${request.headers[Accept]} or request.query[page] (with or without ${}). ' +
                'The default key is the deployment, the method and the path without the query.',
        },
    }, ['type']),
    description: 'Answers GET, HEAD and OPTIONS requests from the response cache; needs responsePolicies.responseCacheStore on the same route.',
};
/** JSON-schema fragment for `routes[].responsePolicies.responseCacheStore`. */
export const responseCacheStoreSchema = {
    ...object({
        type: { const: 'FIXED_TTL_STORE_POLICY', description: 'The only store policy OCI has.' },
        timeToLiveInSeconds: { type: 'integer', minimum: 1, maximum: MAX_TTL_SECONDS, description: `How long an answer is kept, seconds (1 to ${MAX_TTL_SECONDS}).` },
    }, ['type', 'timeToLiveInSeconds']),
    description: 'Stores answers with status 200, 204, 301 or 410 to GET, HEAD and OPTIONS requests; needs requestPolicies.responseCacheLookup on the same route.',
};
/** Statuses OCI stores. */
const STORED_STATUSES = new Set([200, 204, 301, 410]);
/**
 * Methods OCI caches (GET, HEAD, OPTIONS); a request with any other method passes the cache
 * untouched, without X-Cache-Status. Compared directly: node hands out the same method strings.
 */
function isCachedMethod(method) {
    return method === 'GET' || method === 'HEAD' || method === 'OPTIONS';
}
const RESULTS = ['hit', 'miss', 'bypass', 'stored', 'too_large'];
/** Counts of one route, read when `/metrics` is scraped. */
class CacheStats {
    deployment;
    route;
    hit = 0;
    miss = 0;
    bypass = 0;
    stored = 0;
    too_large = 0;
    constructor(deployment, route) {
        this.deployment = deployment;
        this.route = route;
    }
}
const STATS_PREFIX = 'stats:response_cache:';
const METRIC = 'gatehouse_response_cache_total';
function cacheStats(registry, deployment, route) {
    useScrapedMetrics(registry, 'response_cache', () => [
        scrapedMetric(METRIC, 'Cacheable requests on routes with a response cache, by deployment, route pattern and result: hit, miss, bypass (credentials without private caching, or the store failing); ' +
            'and answers stored, or too large to store.', 'counter', () => {
            const out = [];
            for (const s of registry.list(STATS_PREFIX)) {
                for (const result of RESULTS)
                    out.push({ labels: { deployment: s.deployment, route: s.route, result }, value: s[result] });
            }
            return out;
        }),
    ]);
    return registry.acquire(`${STATS_PREFIX}${deployment}\0${route}`, () => new CacheStats(deployment, route), () => undefined);
}
/** `${request.x[y]}` (possibly inside text) or bare `request.x[y]`, as OCI and Terraform write them. */
function compileAddition(text, params) {
    if (text.includes('${')) {
        const t = compileStringTemplate(text, params);
        if (typeof t === 'string')
            return t;
        if (t.constant !== null)
            return `${JSON.stringify(text)} has no context variable, so it adds nothing to the key`;
        return t.render;
    }
    const v = compileContextVariable(text.trim(), params);
    return typeof v === 'string' ? v : v.text;
}
/** Appends `part` to a key under construction: its length, `:`, itself; nothing a part holds can end it early. */
function part(s) {
    return `${s.length}:${s}`;
}
/** The principal part of a private request's key (an Authorization value never appears in clear in the key: it is hashed with the rest). */
function principal(ctx) {
    const auth = ctx.auth;
    if (auth !== null && (auth.subject !== undefined || auth.clientId !== undefined))
        return part('token') + part(auth.subject ?? '') + part(auth.clientId ?? '');
    const authorization = ctx.req.headers.authorization;
    if (authorization !== undefined)
        return part('authorization') + part(authorization);
    // Authenticated by a token elsewhere (tokenHeader, tokenQueryParam) that names no subject: its claims.
    return auth === null ? part('anonymous') : part('claims') + part(JSON.stringify(auth.claims));
}
/** Key text of a public request with no additions ends with this. */
const PUBLIC = part('public');
const GET_PART = part('GET');
/** Longest key text whose hashed key is remembered (keeps a long path or addition out of the memo). */
const MEMO_MAX_TEXT = 512;
/**
 * Hashed keys by key text, shared by every route (the text names its deployment and key shape, so
 * equal texts always hash to the same key): a hot request costs a Map lookup instead of a sha256.
 * Bounded by entries and bytes; texts that come and go just hash again.
 */
const hashedKeys = new Lru({ maxEntries: 10_000, maxBytes: 8 * 1024 * 1024 });
/** The store key of key text `text`: `resp:` and its sha256. */
function sha256Key(text) {
    // UTF-16 bytes, so every string, even one with a lone surrogate, hashes apart from every other.
    return `resp:${createHash('sha256').update(text, 'utf16le').digest('base64url')}`;
}
/** sha256Key(text), from the memo when it was hashed lately. */
function hashedKey(text) {
    if (text.length > MEMO_MAX_TEXT)
        return sha256Key(text);
    const known = hashedKeys.get(text);
    if (known !== undefined)
        return known;
    const key = sha256Key(text);
    hashedKeys.set(text, key, text.length * 2 + key.length * 2 + 64);
    return key;
}
/** True when principal() is the Authorization value: no token subject or client id to key on. */
function principalIsAuthorization(ctx) {
    const auth = ctx.auth;
    if (auth !== null && (auth.subject !== undefined || auth.clientId !== undefined))
        return false;
    return ctx.req.headers.authorization !== undefined;
}
/**
 * Decoded entries by the Buffer they came from. The memory store hands back the same Buffer on
 * every hit, so a hot entry is decoded once, and a hit from memory costs about what a stock
 * response does; a Redis read is a new Buffer each time and is decoded each time.
 */
const decoded = new WeakMap();
/**
 * The entry in `value`, ready to write; null when it is not one (treated as a miss). An entry is
 * only ever read for the method it was stored for (the method is part of its key), so its headers
 * are prepared once for that method.
 */
function prepared(value, method) {
    const known = decoded.get(value);
    if (known !== undefined)
        return known;
    const entry = decodeEntry(value);
    if (entry === null)
        return null;
    const headers = { 'x-cache-status': 'HIT', age: '0', ...headerObject(entry.headers) };
    // Set again, in place: a foreign entry (another version sharing a Redis) might carry either.
    headers['x-cache-status'] = 'HIT';
    headers.age = '0';
    // A HEAD entry keeps the content-length its backend sent; a body's is its length (none for a 204).
    if (method !== 'HEAD' && entry.status !== 204)
        headers['content-length'] = String(entry.body.length);
    const hit = { entry, headers, age: 0 };
    decoded.set(value, hit);
    return hit;
}
class RouteCache {
    #cache;
    #scope;
    #additions;
    #private;
    #ttlMs;
    #maxEntryBytes;
    #stats;
    #clock;
    /**
     * Hashed keys of GET requests by path, on a route whose key is only the method and the path
     * (no additions, not private): a hot GET then skips building the key text too. Null otherwise.
     */
    #getKeys;
    constructor(cache, scope, additions, privateCaching, ttlMs, maxEntryBytes, stats, clock) {
        this.#cache = cache;
        this.#scope = scope;
        this.#additions = additions;
        this.#private = privateCaching;
        this.#ttlMs = ttlMs;
        this.#maxEntryBytes = maxEntryBytes;
        this.#stats = stats;
        this.#clock = clock;
        this.#getKeys = additions.length === 0 && !privateCaching ? new Lru({ maxEntries: 1000, maxBytes: 128 * 1024 }) : null;
    }
    /** Synchronous when the store is in this process (memory): a hit then costs no microtask. */
    serve(ctx) {
        const method = ctx.req.method ?? 'GET';
        if (!isCachedMethod(method))
            return false;
        const withCredentials = ctx.auth !== null || ctx.req.headers.authorization !== undefined;
        if (withCredentials && !this.#private)
            return this.#bypass(ctx);
        const key = this.#keyOf(ctx, method);
        const cache = this.#cache;
        let pending;
        try {
            if (cache.getNow !== undefined)
                return this.#answer(ctx, method, key, withCredentials, cache.getNow(key));
            pending = cache.get(key);
        }
        catch {
            return this.#bypass(ctx);
        }
        return pending.then((value) => this.#answer(ctx, method, key, withCredentials, value), () => this.#bypass(ctx));
    }
    /** The store key of a request: `resp:` and a sha256 of the parts. */
    #keyOf(ctx, method) {
        const getKeys = this.#getKeys;
        if (getKeys !== null && method === 'GET') {
            const path = ctx.path;
            const known = getKeys.get(path);
            if (known !== undefined)
                return known;
            // The key text the general case below builds for a GET on this route.
            const key = sha256Key(this.#scope + GET_PART + part(path) + PUBLIC);
            if (path.length <= MEMO_MAX_TEXT)
                getKeys.set(path, key, path.length * 2 + key.length * 2 + 64);
            return key;
        }
        let text = this.#scope + part(method) + part(ctx.path);
        for (const addition of this.#additions)
            text += part(addition(ctx));
        if (!this.#private)
            return hashedKey(text + PUBLIC);
        // A principal that is the Authorization value itself is hashed each time: the memo would keep
        // credentials in clear, and any client could fill it with made-up ones.
        text += principal(ctx);
        return principalIsAuthorization(ctx) ? sha256Key(text) : hashedKey(text);
    }
    #bypass(ctx) {
        this.#stats.bypass++;
        ctx.res.setHeader('x-cache-status', 'BYPASS');
        return false;
    }
    #answer(ctx, method, key, withCredentials, value) {
        // The client left while the store answered: nobody to answer, and nothing worth fetching.
        if (ctx.res.destroyed)
            return true;
        const hit = value === null ? null : prepared(value, method);
        if (hit !== null) {
            this.#stats.hit++;
            this.#writeHit(ctx.res, method, hit);
            return true;
        }
        this.#stats.miss++;
        const res = ctx.res;
        res.setHeader('x-cache-status', 'MISS');
        const opts = {
            statuses: STORED_STATUSES,
            maxBodyBytes: this.#maxEntryBytes,
            keepSetCookie: withCredentials,
            keepContentLength: method === 'HEAD',
            recordBody: method !== 'HEAD',
        };
        captureResponse(res, opts, (outcome) => this.#store(key, outcome));
        return false;
    }
    #writeHit(res, method, hit) {
        const age = Math.max(0, Math.floor((this.#clock.nowMs() - hit.entry.storedAtMs) / 1000));
        if (age !== hit.age) {
            hit.age = age;
            hit.headers.age = String(age);
        }
        res.writeHead(hit.entry.status, hit.headers);
        res.end(method === 'HEAD' || hit.entry.body.length === 0 ? undefined : hit.entry.body);
    }
    #store(key, outcome) {
        if (outcome.kind === 'too_large') {
            this.#stats.too_large++;
            return;
        }
        if (outcome.kind !== 'complete')
            return;
        const value = encodeEntry({ status: outcome.status, storedAtMs: this.#clock.nowMs(), headers: outcome.headers, body: outcome.body });
        // The limit is on the whole entry, as the store applies it (state.cache.maxEntryBytes); counted
        // here, where it is known, rather than silently dropped by the store.
        if (value.length > this.#maxEntryBytes) {
            this.#stats.too_large++;
            return;
        }
        // A store that cannot keep it counts the failure itself (its health); the answer has gone out
        // already. This runs in a response event listener, where a throw would end the process.
        let pending;
        try {
            pending = this.#cache.set(key, value, this.#ttlMs);
        }
        catch {
            return;
        }
        pending.then(() => void this.#stats.stored++, () => undefined);
    }
}
/**
 * Compiles a route's response cache. `path` is the route's config path; problems are reported
 * under `${path}.requestPolicies.responseCacheLookup` and `${path}.responsePolicies.responseCacheStore`.
 * Returns null when the route caches nothing: no policy, `isEnabled: false`, or only one of the two
 * policies (each of the last two with a warning saying why). `clock` dates entries for `Age`.
 */
export function compileResponseCache(lookup, store, path, route, cache, ctx, clock = coarseClock) {
    const lookupPath = `${path}.requestPolicies.responseCacheLookup`;
    const storePath = `${path}.responsePolicies.responseCacheStore`;
    if (lookup == null && store == null)
        return null;
    const l = lookup == null ? null : lookup;
    const s = store == null ? null : store;
    const additions = [];
    (l?.cacheKeyAdditions ?? []).forEach((text, i) => {
        const compiled = compileAddition(text, route.params);
        if (typeof compiled === 'string')
            ctx.issue(`${lookupPath}.cacheKeyAdditions[${i}]`, compiled);
        else
            additions.push(compiled);
    });
    if (l === null) {
        ctx.warn(storePath, 'has no requestPolicies.responseCacheLookup on the same route, so nothing is cached (a cache needs both policies)');
        return null;
    }
    if (l.isEnabled === false) {
        ctx.warn(`${lookupPath}.isEnabled`, 'is false, so nothing on this route is cached');
        return null;
    }
    if (s === null) {
        ctx.warn(lookupPath, 'has no responsePolicies.responseCacheStore on the same route, so nothing is stored and nothing is cached (a cache needs both policies)');
        return null;
    }
    if (additions.length !== (l.cacheKeyAdditions ?? []).length)
        return null;
    // The route's key shape (how many additions, private or not) leads the key: with it, a key built
    // under one configuration can never equal one built under another (after a reload, or on another
    // instance sharing the store), whatever values the parts take.
    const privateCaching = l.isPrivateCachingEnabled === true;
    const scope = part(route.deploymentId ?? route.deployment) + part(String(additions.length)) + part(privateCaching ? 'private' : 'public');
    const stats = cacheStats(ctx.registry, route.deployment, route.pattern);
    return new RouteCache(cache.cache, scope, additions, privateCaching, s.timeToLiveInSeconds * 1000, route.maxEntryBytes, stats, clock);
}
