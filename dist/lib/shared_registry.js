/**
 * Resources that outlive one compiled plan: JWKS stores, upstream pools, function pools, and the
 * stats and metrics of what a plan serves.
 *
 * Hot reload compiles a new plan while the old one serves. A resource whose settings did not change
 * (same key) is handed to the new plan as it is, so JWKS caches and warm connections survive a
 * reload. After the swap, `commit()` disposes what the new plan no longer uses; when the new config
 * is rejected, `abort()` disposes only what the failed attempt created.
 *
 * One registry belongs to one gateway, and so does its Prometheus registry (`metrics`): nothing is
 * registered on prom-client's global registry, so two gateways in one process count apart, and the
 * series of a route or key store that a reload removed disappear with it.
 */
import client from 'prom-client';
export class SharedRegistry {
    /** The gateway's metrics, served on its admin plane. */
    metrics = new client.Registry();
    #entries = new Map();
    #touched = new Set();
    #created = new Set();
    /** Returns the resource under `key`, creating it with `create` the first time. */
    acquire(key, create, dispose) {
        this.#touched.add(key);
        const found = this.#entries.get(key);
        if (found !== undefined)
            return found.value;
        const value = create();
        this.#entries.set(key, { value, dispose: () => dispose(value) });
        this.#created.add(key);
        return value;
    }
    /** Every live resource whose key starts with `prefix` (for the admin plane). */
    list(prefix) {
        const out = [];
        for (const [key, entry] of this.#entries)
            if (key.startsWith(prefix))
                out.push(entry.value);
        return out;
    }
    /** The plan compiled since the last commit/abort is live: dispose what it does not use. */
    async commit() {
        const stale = [];
        for (const [key, entry] of this.#entries) {
            if (!this.#touched.has(key)) {
                this.#entries.delete(key);
                stale.push(entry);
            }
        }
        this.#touched = new Set();
        this.#created = new Set();
        await Promise.allSettled(stale.map((e) => e.dispose()));
    }
    /** The plan compiled since the last commit/abort was rejected: dispose what it created. */
    async abort() {
        const made = [];
        for (const key of this.#created) {
            const entry = this.#entries.get(key);
            if (entry !== undefined)
                made.push(entry);
            this.#entries.delete(key);
        }
        this.#touched = new Set();
        this.#created = new Set();
        await Promise.allSettled(made.map((e) => e.dispose()));
    }
    /** Disposes everything (shutdown). */
    async closeAll() {
        const all = [...this.#entries.values()];
        this.#entries.clear();
        this.#touched = new Set();
        this.#created = new Set();
        await Promise.allSettled(all.map((e) => e.dispose()));
    }
}
