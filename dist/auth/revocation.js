import { systemClock } from '../lib/clock.js';
/** Most entries a list holds; a revocation past it is refused with a clear error (admin API 507). */
export const REVOCATIONS_MAX = 100_000;
/** Longest `jti` accepted, in characters (UUIDs are 36, Okta's `AT.…` ~50). */
export const JTI_MAX_CHARS = 256;
/**
 * An entry is kept this long after its token's `exp`: the largest `maxClockSkewInSeconds` a policy
 * may set, so a token still accepted within its policy's skew (and its cached decision, which lives
 * until exp + skew) stays refused.
 */
export const RETAIN_AFTER_EXP_SEC = 3600;
/** How often a shared list polls its store's version. */
export const SYNC_INTERVAL_MS = 1000;
const epochOf = (version) => version.slice(0, version.indexOf(':'));
function message(err) {
    return (err instanceof Error ? err.message : String(err)).slice(0, 300);
}
export class RevocationList {
    /** jti → exp (Unix seconds). Replaced whole by a sync, so a request never sees half a list. */
    #entries = new Map();
    /** Changes the shared store has not taken: exp to add, null to remove. */
    #unsynced = new Map();
    /** Attached stores, newest last; the last one is the list's store (a rejected reload detaches its own). */
    #sources = [];
    #clock;
    #log;
    maxEntries;
    #timer = null;
    /** The store's version when the list was last read from it; null: read it at the next poll. */
    #version = null;
    /** Counts local changes, so a read that raced one is not applied over it. */
    #changes = 0;
    #syncing = null;
    #up = true;
    #lastError = null;
    #lastSyncAtMs = null;
    constructor(opts) {
        this.#log = opts.log.child({ component: 'revocations' });
        this.#clock = opts.clock ?? systemClock;
        this.maxEntries = opts.maxEntries ?? REVOCATIONS_MAX;
    }
    /** Entries held (expired ones until the next sweep). The request path reads it before any lookup. */
    get size() {
        return this.#entries.size;
    }
    /** True when `jti` (a claim value: anything) is on the list. */
    has(jti) {
        return this.#entries.has(jti);
    }
    #nowSec() {
        return Math.floor(this.#clock.nowMs() / 1000);
    }
    #active() {
        return this.#sources[this.#sources.length - 1] ?? null;
    }
    /** Drops entries whose token can no longer be accepted (exp + RETAIN_AFTER_EXP_SEC passed). */
    sweep() {
        const limit = this.#nowSec() - RETAIN_AFTER_EXP_SEC;
        for (const [jti, exp] of this.#entries)
            if (exp <= limit)
                this.#entries.delete(jti);
    }
    /** Every entry still kept, soonest exp first. */
    list() {
        this.sweep();
        return [...this.#entries].map(([jti, exp]) => ({ jti, exp })).sort((a, b) => a.exp - b.exp || (a.jti < b.jti ? -1 : 1));
    }
    /** Revokes `jti` until `exp`, or moves its exp. `full`: the list (or the shared one) holds maxEntries already. */
    async revoke(jti, exp) {
        const had = this.#entries.has(jti);
        if (!had && this.#entries.size >= this.maxEntries) {
            this.sweep();
            if (this.#entries.size >= this.maxEntries)
                return { result: 'full', shared: null };
        }
        const src = this.#active();
        if (src === null) {
            this.#apply(jti, exp);
            return { result: had ? 'updated' : 'added', shared: null };
        }
        try {
            const r = await src.set.add(jti, exp + RETAIN_AFTER_EXP_SEC, this.maxEntries, this.#nowSec());
            this.#recovered(src);
            if (r === 'full')
                return { result: 'full', shared: true };
            this.#unsynced.delete(jti);
            this.#apply(jti, exp);
            return { result: had ? 'updated' : r, shared: true };
        }
        catch (err) {
            this.#failed(src, err);
            this.#unsynced.set(jti, exp);
            this.#apply(jti, exp);
            return { result: had ? 'updated' : 'added', shared: false };
        }
    }
    /** Takes `jti` off the list; `result` false when it was on neither this list nor the shared one. */
    async unrevoke(jti) {
        const had = this.#entries.delete(jti);
        this.#changes++;
        const src = this.#active();
        if (src === null)
            return { result: had, shared: null };
        try {
            const removed = await src.set.remove(jti);
            this.#recovered(src);
            this.#unsynced.delete(jti);
            return { result: had || removed, shared: true };
        }
        catch (err) {
            this.#failed(src, err);
            this.#unsynced.set(jti, null);
            return { result: had, shared: false };
        }
    }
    #apply(jti, exp) {
        this.#entries.set(jti, exp);
        this.#changes++;
    }
    /**
     * Follows `set` from now on (the newest attached store wins); returns the detach function. What
     * this list holds already is sent to it (a reload that adds `state.redis` shares the list made before).
     */
    attach(set, target) {
        const source = { set, target };
        this.#sources.push(source);
        for (const [jti, exp] of this.#entries)
            this.#unsynced.set(jti, exp);
        this.#version = null;
        this.#up = true;
        this.#lastError = null;
        if (this.#timer === null) {
            this.#timer = setInterval(() => void this.sync(), SYNC_INTERVAL_MS);
            this.#timer.unref();
        }
        void this.sync();
        return () => this.#detach(source);
    }
    #detach(source) {
        const i = this.#sources.indexOf(source);
        if (i < 0)
            return;
        const wasActive = i === this.#sources.length - 1;
        this.#sources.splice(i, 1);
        if (wasActive)
            this.#version = null;
        if (this.#sources.length === 0) {
            this.#unsynced.clear();
            this.close();
        }
    }
    /** Stops polling (shutdown, or no store left); the entries stay. */
    close() {
        if (this.#timer !== null)
            clearInterval(this.#timer);
        this.#timer = null;
    }
    /**
     * One poll of the shared store: send what it has not taken, then read the set again if its version
     * moved. Concurrent calls share one poll. Never rejects.
     */
    sync() {
        return (this.#syncing ??= this.#syncOnce().finally(() => (this.#syncing = null)));
    }
    async #syncOnce() {
        const src = this.#active();
        if (src === null)
            return;
        try {
            const nowSec = this.#nowSec();
            for (const [jti, exp] of [...this.#unsynced]) {
                if (exp === null)
                    await src.set.remove(jti);
                else if ((await src.set.add(jti, exp + RETAIN_AFTER_EXP_SEC, this.maxEntries, nowSec)) === 'full') {
                    this.#log.warn({ target: src.target }, 'revocation list: the shared list is full; an entry made while the store was unreachable stays on this gateway only');
                }
                if (this.#unsynced.get(jti) === exp)
                    this.#unsynced.delete(jti);
            }
            const changesBefore = this.#changes;
            const version = await src.set.version();
            if (this.#version !== null && epochOf(this.#version) !== 'none' && epochOf(version) !== epochOf(this.#version)) {
                // The store lost its data (a restart without persistence): fill it again from this list.
                this.#log.warn({ target: src.target }, 'revocation list: the shared store came back empty; sending this gateway\'s entries to it again');
                for (const [jti, exp] of this.#entries)
                    if (!this.#unsynced.has(jti))
                        this.#unsynced.set(jti, exp);
                this.#version = null;
            }
            else if (version !== this.#version) {
                const members = await src.set.members(nowSec, this.maxEntries);
                // A local change meanwhile may be missing from what was read: keep it, and read again next poll.
                if (this.#changes === changesBefore && src === this.#active()) {
                    const next = new Map();
                    for (const [jti, keepUntil] of members)
                        next.set(jti, keepUntil - RETAIN_AFTER_EXP_SEC);
                    for (const [jti, exp] of this.#unsynced) {
                        if (exp === null)
                            next.delete(jti);
                        else
                            next.set(jti, exp);
                    }
                    this.#entries = next;
                    this.#version = version;
                }
            }
            this.#lastSyncAtMs = this.#clock.nowMs();
            this.#recovered(src);
        }
        catch (err) {
            this.#failed(src, err);
        }
    }
    #failed(src, err) {
        this.#lastError = message(err);
        if (!this.#up)
            return;
        this.#up = false;
        this.#log.warn({ target: src.target, err: this.#lastError }, 'revocation list: shared store unreachable; this gateway keeps enforcing its own list and sends its changes when the store is back');
    }
    #recovered(src) {
        if (this.#up)
            return;
        this.#up = true;
        this.#lastError = null;
        this.#log.info({ target: src.target }, 'revocation list: shared store reachable again');
    }
    /** The shared store's state, or null when the list is this process's own. */
    syncState() {
        const src = this.#active();
        if (src === null)
            return null;
        return {
            target: src.target,
            up: this.#up,
            lastError: this.#lastError,
            lastSyncAt: this.#lastSyncAtMs === null ? null : new Date(this.#lastSyncAtMs).toISOString(),
            unsynced: this.#unsynced.size,
        };
    }
}
