/**
 * The provider's live state: the store, the current snapshot, and the way writes reach it. Writes
 * made here refresh the snapshot at once; writes made by another process (the CLI, another
 * instance on PostgreSQL) are picked up by polling the store's revision number.
 */
import type { Logger } from '../lib/log.ts';
import type { StoreContents } from './model.ts';
import { SecretVerifier } from './secret_hash.ts';
import { buildSnapshot, type Snapshot } from './snapshot.ts';
import type { IdpStore, StoreWriter } from './store/store.ts';

/** How often a running provider checks the store for changes made elsewhere. */
export const DEFAULT_POLL_INTERVAL_MS = 1000;

export class IdpState {
  readonly store: IdpStore;
  readonly secrets = new SecretVerifier();
  readonly #log: Logger | undefined;
  readonly #now: () => Date;
  #issuer: string;
  #snapshot: Snapshot | null = null;
  #timer: NodeJS.Timeout | null = null;
  #refreshing: Promise<void> | null = null;

  constructor(store: IdpStore, issuer: string, opts: { log?: Logger; now?: () => Date } = {}) {
    this.store = store;
    this.#issuer = issuer;
    this.#log = opts.log;
    this.#now = opts.now ?? (() => new Date());
  }

  now(): Date {
    return this.#now();
  }

  get issuer(): string {
    return this.#issuer;
  }

  get snapshot(): Snapshot {
    if (this.#snapshot === null) throw new Error('identity provider state not loaded');
    return this.#snapshot;
  }

  /** Changes the issuer (once the listening port is known) and rebuilds the snapshot. */
  async setIssuer(issuer: string): Promise<void> {
    this.#issuer = issuer;
    await this.refresh(true);
  }

  /** Reloads the snapshot when the store changed (or always, with `force`). */
  async refresh(force = false): Promise<void> {
    if (this.#refreshing !== null) {
      await this.#refreshing;
      if (!force) return;
    }
    this.#refreshing = (async () => {
      if (!force && this.#snapshot !== null && (await this.store.revision()) === this.#snapshot.revision) return;
      const contents = await this.store.load();
      this.#apply(contents, contents.revision);
    })();
    try {
      await this.#refreshing;
    } finally {
      this.#refreshing = null;
    }
  }

  #apply(contents: StoreContents, revision: number): void {
    const before = this.#snapshot;
    this.#snapshot = buildSnapshot(contents, revision, this.#issuer);
    if (before !== null) {
      // A client whose secret changed (or that is gone) must be checked afresh.
      for (const c of before.clients) if (this.#snapshot.clientById.get(c.clientId)?.secretHash !== c.secretHash) this.secrets.forget(c.clientId);
    }
  }

  /** Applies writes in one transaction, then refreshes the snapshot. */
  async mutate<T>(fn: (tx: StoreWriter) => Promise<T>): Promise<T> {
    const out = await this.store.write(fn);
    await this.refresh(true);
    return out;
  }

  startPolling(intervalMs = DEFAULT_POLL_INTERVAL_MS): void {
    if (this.#timer !== null) return;
    this.#timer = setInterval(() => {
      this.refresh().catch((err: unknown) => this.#log?.warn({ err }, 'identity provider: cannot reload the store'));
    }, intervalMs);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    await this.#refreshing?.catch(() => undefined);
    await this.store.close();
  }
}
