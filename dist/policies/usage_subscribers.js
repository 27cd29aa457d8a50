/**
 * The gateway's in-memory index of API-managed subscribers: client-token hash → subscriber, built
 * from the subscriber store (state/subscribers.ts) and refreshed by polling its revision, so a
 * client created with the CLI, the admin API or another instance works here within one poll, with
 * no restart. It is a resource of the gateway's SharedRegistry: a reload that keeps the database
 * keeps the index (and its connection), and the request path only reads a Map.
 *
 * A store that cannot be read keeps the last contents it gave (and retries on the next poll); a
 * store never read since start holds no subscriber, so its clients get 403 until it answers.
 */
import { isAbsolute, resolve } from 'node:path';
import { SubscriberStore } from '../state/subscribers.js';
/** How often a gateway asks the store whether anything changed. */
export const SUBSCRIBER_POLL_MS = 2000;
/** How long a request with a key not in the config file may wait for the store's first read, ms. */
export const FIRST_READ_WAIT_MS = 2000;
export class SubscriberIndex {
    store;
    #log;
    #byHash = new Map();
    #revision = -1;
    #migrated = false;
    #loaded = false;
    /** The first read, or FIRST_READ_WAIT_MS, whichever comes first. */
    #firstLoad;
    #running = null;
    #timer = null;
    #lastError = null;
    constructor(store, log, pollIntervalMs) {
        this.store = store;
        this.#log = log;
        // A database that does not answer (PostgreSQL has no connect timeout) must not hold requests:
        // past the wait, keys not in the config file are refused (403) until the first read succeeds.
        this.#firstLoad = Promise.race([this.refresh(), new Promise((r) => setTimeout(r, FIRST_READ_WAIT_MS).unref())]);
        this.#timer = setInterval(() => void this.refresh(), pollIntervalMs);
        this.#timer.unref();
    }
    /** The subscriber owning the client token whose hash is `tokenHash`. */
    get(tokenHash) {
        return this.#byHash.get(tokenHash);
    }
    /** True once the store has been read (or failed to be) at least once. */
    get loaded() {
        return this.#loaded;
    }
    /** Resolves once the first read has succeeded or failed, or FIRST_READ_WAIT_MS after start. */
    whenLoaded() {
        return this.#firstLoad;
    }
    /**
     * Reads the store when its revision moved (always with `force`). One read at a time: a call
     * while one runs waits for it, then reads again only when forced (a write just happened).
     */
    refresh(force = false) {
        if (this.#running !== null)
            return force ? this.#running.then(() => this.refresh(true)) : this.#running;
        this.#running = this.#read(force).finally(() => {
            this.#running = null;
            this.#loaded = true;
        });
        return this.#running;
    }
    async #read(force) {
        try {
            if (!this.#migrated) {
                await this.store.migrate();
                this.#migrated = true;
            }
            if (!force && this.#revision !== -1 && (await this.store.revision()) === this.#revision)
                return;
            const { revision, subscribers } = await this.store.load();
            const byHash = new Map();
            for (const s of subscribers) {
                const entry = Object.freeze({ id: s.id, displayName: s.displayName, plans: Object.freeze([...s.usagePlans]) });
                for (const c of s.clients)
                    byHash.set(c.tokenHash, entry);
            }
            this.#byHash = byHash;
            this.#revision = revision;
            if (this.#lastError !== null)
                this.#log.info({ store: this.store.description }, 'subscriber store readable again');
            this.#lastError = null;
        }
        catch (err) {
            const message = err.message;
            // Said once per outage, not once per poll.
            if (this.#lastError === null)
                this.#log.warn({ store: this.store.description, err: message }, 'cannot read the usage-plan subscriber store; keeping the subscribers last read');
            this.#lastError = message;
        }
    }
    async close() {
        if (this.#timer !== null)
            clearInterval(this.#timer);
        this.#timer = null;
        await this.#running?.catch(() => undefined);
        await this.store.close();
    }
}
const PREFIX = 'usage:subscribers:';
/** Where `database` points, as a registry key: a SQLite path made absolute, or the URL as written. */
function locate(database, baseDir) {
    if (/^postgres(ql)?:\/\//.test(database))
        return database;
    return isAbsolute(database) ? database : resolve(baseDir, database);
}
/**
 * The index over `database` (SQLite path relative to `baseDir`, or postgres:// URL), opened and
 * polled the first time a plan asks for it. Throws when the database cannot be opened.
 */
export function subscriberIndex(registry, database, baseDir, log, pollIntervalMs = SUBSCRIBER_POLL_MS) {
    const where = locate(database, baseDir);
    return registry.acquire(`${PREFIX}${where}`, () => new SubscriberIndex(SubscriberStore.open(where, baseDir), log, pollIntervalMs), (index) => index.close());
}
/** The live index, if the current plan uses one (the admin API manages subscribers through it). */
export function liveSubscriberIndex(registry) {
    return registry.list(PREFIX)[0] ?? null;
}
