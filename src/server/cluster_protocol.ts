/**
 * The messages between a `--workers` primary and its workers (node:cluster IPC), as one typed
 * protocol. Every message carries `gh` (its kind), which also keeps it apart from prom-client's own
 * cluster messages on the same channel.
 */
import type { BrokerRequest } from '../auth/jwks/broker.ts';
import type { FetchResult } from '../auth/jwks/http_fetch.ts';
import type { StateAsk, StateReply } from '../state/cluster.ts';
import type { AdminAnswer } from './admin_plane.ts';
import type { ReloadResult } from './gateway.ts';

/** Worker → primary. */
export type ToPrimary =
  /** The worker's data plane is listening. */
  | { gh: 'listening'; dataUrl: string }
  /** Fetch a key document through the primary's broker; answered by `jwks-reply` with the same id. */
  | { gh: 'jwks'; id: number; req: BrokerRequest }
  /** The answer to an `admin` ask. */
  | { gh: 'admin-reply'; id: number; answer: AdminAnswer }
  /** The answer to a `reload` ask. */
  | { gh: 'reload-reply'; id: number; result: ReloadResult }
  /** Read or write the primary's shared cache (state/cluster.ts); answered by `state-reply` with the same id. */
  | StateAsk;

/** Primary → worker. */
export type ToWorker =
  | { gh: 'jwks-reply'; id: number; result: FetchResult }
  | { gh: 'jwks-reply'; id: number; error: string }
  /** Answer this admin request with the worker's own admin logic. */
  | { gh: 'admin'; id: number; method: string; path: string; body?: string }
  | { gh: 'reload'; id: number }
  | StateReply
  /** Drain and exit. */
  | { gh: 'shutdown' };

const TO_PRIMARY = new Set<string>(['listening', 'jwks', 'admin-reply', 'reload-reply', 'state-get', 'state-set']);
const TO_WORKER = new Set<string>(['jwks-reply', 'admin', 'reload', 'shutdown', 'state-reply']);

function kind(m: unknown): string | null {
  if (typeof m !== 'object' || m === null) return null;
  const gh = (m as { gh?: unknown }).gh;
  return typeof gh === 'string' ? gh : null;
}

export function isToPrimary(m: unknown): m is ToPrimary {
  const k = kind(m);
  return k !== null && TO_PRIMARY.has(k);
}

export function isToWorker(m: unknown): m is ToWorker {
  const k = kind(m);
  return k !== null && TO_WORKER.has(k);
}
