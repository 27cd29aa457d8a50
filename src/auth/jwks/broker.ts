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
 */
import { fetchJsonDocumentDirect, type FetchOptions, type FetchResult } from '../auth/jwks/http_fetch.ts';

interface Entry {
  /** Last 200 document, kept to answer workers whose ETag differs. */
  body: unknown;
  etag: string | null;
  maxAgeSec: number | null;
  fetchedAtMs: number;
  freshAtMs: number;
  inflight: Promise<void> | null;
}

export interface BrokerRequest {
  url: string;
  etag: string | null;
  timeoutMs: number;
  insecure: boolean;
  fresh: boolean;
  cooldownMs: number;
}

export class JwksBroker {
  readonly #entries = new Map<string, Entry>();
  readonly #shareWindowMs: number;
  readonly #now: () => number;
  /** Fetches made on behalf of workers (what the identity provider saw). */
  readonly stats = { upstreamFetches: 0, upstreamFailures: 0, servedFromShare: 0 };

  constructor(opts: { shareWindowMs?: number; now?: () => number } = {}) {
    this.#shareWindowMs = opts.shareWindowMs ?? 10_000;
    this.#now = opts.now ?? Date.now;
  }

  async fetch(req: BrokerRequest): Promise<FetchResult> {
    let e = this.#entries.get(req.url);
    if (e === undefined) {
      e = { body: undefined, etag: null, maxAgeSec: null, fetchedAtMs: -Infinity, freshAtMs: -Infinity, inflight: null };
      this.#entries.set(req.url, e);
    }
    const asked = this.#now();
    if (e.inflight !== null) {
      this.stats.servedFromShare++;
      await e.inflight;
    } else if (this.#mustFetch(e, req, asked)) await this.#fetchInto(e, req, asked);
    else this.stats.servedFromShare++;
    if (e.body === undefined) throw new Error('no document fetched yet');
    if (req.etag !== null && req.etag === e.etag) return { status: 304, etag: e.etag, maxAgeSec: e.maxAgeSec };
    return { status: 200, body: e.body, etag: e.etag, maxAgeSec: e.maxAgeSec };
  }

  #mustFetch(e: Entry, req: BrokerRequest, now: number): boolean {
    if (e.body === undefined) return true;
    if (!req.fresh) return now - e.fetchedAtMs >= this.#shareWindowMs;
    // A fresh request is served by a fetch made after the last fresh one within the cooldown.
    return now - e.freshAtMs >= req.cooldownMs;
  }

  #fetchInto(e: Entry, req: BrokerRequest, startedAt: number): Promise<void> {
    const opts: FetchOptions = { timeoutMs: req.timeoutMs, insecure: req.insecure, etag: e.body === undefined ? null : e.etag };
    this.stats.upstreamFetches++;
    e.inflight = fetchJsonDocumentDirect(req.url, opts)
      .then(
        (res) => {
          if (res.status === 200) e.body = res.body;
          e.etag = res.etag;
          e.maxAgeSec = res.maxAgeSec;
          e.fetchedAtMs = startedAt;
          if (req.fresh) e.freshAtMs = startedAt;
        },
        (err: unknown) => {
          this.stats.upstreamFailures++;
          throw err;
        },
      )
      .finally(() => {
        e.inflight = null;
      });
    return e.inflight;
  }
}
