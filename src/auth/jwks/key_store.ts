/**
 * What the authenticator asks of a key source (a remote JWKS, a discovered JWKS or static keys).
 * Reads are synchronous; a Promise appears only where a fetch really happens.
 */
import type { KeySet } from './key_set.ts';

export interface KeyStore {
  /** The JWKS or discovery URI, or `static:<n keys>`: a label for logs, metrics and the admin API. */
  readonly label: string;
  /** True while the very first load is in flight (requests wait for it rather than failing). */
  readonly loading: boolean;
  /** The `issuer` of the discovery document, when the store came from OIDC discovery. */
  readonly discoveredIssuer: string | undefined;
  /** Whether keys may be served at `nowMs` (loaded, and not older than the max cache duration). */
  isUsable(nowMs: number): boolean;
  /** The current keys; null when never loaded. Check isUsable first. */
  keys(): KeySet | null;
  /** Waits for the load in flight, if any. */
  settled(): Promise<void>;
  /**
   * A token names a key the set lacks: returns the refetch to wait for, or null when the kid must be
   * refused now (it was missed recently, or a miss-triggered fetch ran within the cooldown).
   */
  refetchForMiss(kid: string, nowMs: number): Promise<void> | null;
  /** Keys are unusable: start a background fetch if none is in flight (never waited on). */
  poke(nowMs: number): void;
  /** Resolves once the first load settled: true if keys were obtained. */
  ready(): Promise<boolean>;
  /** JSON for `GET /admin/auth`. */
  adminState(nowMs: number): Record<string, unknown>;
  /** Stops timers and in-flight fetches (registry dispose). */
  stop(): void;
}
