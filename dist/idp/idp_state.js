import { SecretVerifier } from './secret_hash.js';
import { buildSnapshot } from './snapshot.js';
/** How often a running provider checks the store for changes made elsewhere. */
export const DEFAULT_POLL_INTERVAL_MS = 1000;
export class IdpState {
    store;
    secrets = new SecretVerifier();
    #log;
    #now;
    #issuer;
    #snapshot = null;
    #timer = null;
    #refreshing = null;
    constructor(store, issuer, opts = {}) {
        this.store = store;
        this.#issuer = issuer;
        this.#log = opts.log;
        this.#now = opts.now ?? (() => new Date());
    }
    now() {
        return this.#now();
    }
    get issuer() {
        return this.#issuer;
    }
    get snapshot() {
        if (this.#snapshot === null)
            throw new Error('identity provider state not loaded');
        return this.#snapshot;
    }
    /** Changes the issuer (once the listening port is known) and rebuilds the snapshot. */
    async setIssuer(issuer) {
        this.#issuer = issuer;
        await this.refresh(true);
    }
    /** Reloads the snapshot when the store changed (or always, with `force`). */
    async refresh(force = false) {
        if (this.#refreshing !== null) {
            await this.#refreshing;
            if (!force)
                return;
        }
        this.#refreshing = (async () => {
            if (!force && this.#snapshot !== null && (await this.store.revision()) === this.#snapshot.revision)
                return;
            const contents = await this.store.load();
            this.#apply(contents, contents.revision);
        })();
        try {
            await this.#refreshing;
        }
        finally {
            this.#refreshing = null;
        }
    }
    #apply(contents, revision) {
        const before = this.#snapshot;
        this.#snapshot = buildSnapshot(contents, revision, this.#issuer);
        if (before !== null) {
            // A client whose secret changed (or that is gone) must be checked afresh.
            for (const c of before.clients)
                if (this.#snapshot.clientById.get(c.clientId)?.secretHash !== c.secretHash)
                    this.secrets.forget(c.clientId);
        }
    }
    /** Applies writes in one transaction, then refreshes the snapshot. */
    async mutate(fn) {
        const out = await this.store.write(fn);
        await this.refresh(true);
        return out;
    }
    startPolling(intervalMs = DEFAULT_POLL_INTERVAL_MS) {
        if (this.#timer !== null)
            return;
        this.#timer = setInterval(() => {
            this.refresh().catch((err) => this.#log?.warn({ err }, 'identity provider: cannot reload the store'));
        }, intervalMs);
        this.#timer.unref();
    }
    async close() {
        if (this.#timer !== null)
            clearInterval(this.#timer);
        this.#timer = null;
        await this.#refreshing?.catch(() => undefined);
        await this.store.close();
    }
}
