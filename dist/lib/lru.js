/**
 * A bounded cache with least-recently-used eviction, by entry count and by bytes.
 *
 * Two generations (node-oidc-provider's `lru.js`): reads and writes go to `recent`; when `recent`
 * is full, it becomes `stale` and the old `stale` is dropped whole. A hit in `recent` costs one
 * `Map.get` and moves nothing, which keeps the read path allocation-free; a hit in `stale` promotes
 * the entry. The live count stays within `maxEntries` and the accounted size within `maxBytes`.
 *
 *   set/get ──▶ recent (≤ max/2) ──full──▶ stale (≤ max/2) ──next rotation──▶ dropped
 */
export class Lru {
    #maxPerGeneration;
    #maxBytesPerGeneration;
    #recent = new Map();
    #stale = new Map();
    #recentBytes = 0;
    #staleBytes = 0;
    constructor(opts = {}) {
        this.#maxPerGeneration = Math.max(1, Math.floor((opts.maxEntries ?? 10_000) / 2));
        this.#maxBytesPerGeneration = Math.max(1, Math.floor((opts.maxBytes ?? 32 * 1024 * 1024) / 2));
    }
    /** The value under `key`, or undefined. */
    get(key) {
        const slot = this.#recent.get(key);
        if (slot !== undefined)
            return slot.value;
        const old = this.#stale.get(key);
        if (old === undefined)
            return undefined;
        this.#stale.delete(key);
        this.#staleBytes -= old.bytes;
        this.#insert(key, old);
        return old.value;
    }
    /** Stores `value`; `bytes` is its accounted size (an estimate is fine). Too large values are not kept. */
    set(key, value, bytes = 0) {
        if (bytes > this.#maxBytesPerGeneration)
            return;
        this.delete(key);
        this.#insert(key, { value, bytes });
    }
    delete(key) {
        const slot = this.#recent.get(key);
        if (slot !== undefined) {
            this.#recent.delete(key);
            this.#recentBytes -= slot.bytes;
            return true;
        }
        const old = this.#stale.get(key);
        if (old === undefined)
            return false;
        this.#stale.delete(key);
        this.#staleBytes -= old.bytes;
        return true;
    }
    /** Removes every entry for which `drop` returns true (not for the hot path). */
    prune(drop) {
        let n = 0;
        for (const gen of [this.#recent, this.#stale]) {
            for (const [key, slot] of gen) {
                if (!drop(slot.value, key))
                    continue;
                gen.delete(key);
                if (gen === this.#recent)
                    this.#recentBytes -= slot.bytes;
                else
                    this.#staleBytes -= slot.bytes;
                n++;
            }
        }
        return n;
    }
    clear() {
        this.#recent = new Map();
        this.#stale = new Map();
        this.#recentBytes = 0;
        this.#staleBytes = 0;
    }
    get size() {
        return this.#recent.size + this.#stale.size;
    }
    get bytes() {
        return this.#recentBytes + this.#staleBytes;
    }
    #insert(key, slot) {
        if (this.#recent.size >= this.#maxPerGeneration || this.#recentBytes + slot.bytes > this.#maxBytesPerGeneration) {
            this.#stale = this.#recent;
            this.#staleBytes = this.#recentBytes;
            this.#recent = new Map();
            this.#recentBytes = 0;
        }
        this.#recent.set(key, slot);
        this.#recentBytes += slot.bytes;
    }
}
