/**
 * Which stores a configuration uses, taken from the gateway's SharedRegistry so that a reload with
 * the same settings keeps their counts, cached answers and connections:
 *
 *   counters (rate limits, quotas): state.redis → Redis; else the --workers primary's memory
 *            (ctx.localStore); else this process's memory
 *   cache    (response cache):     responseCacheDetails EXTERNAL_RESP_CACHE → that Redis server;
 *            else as the counters, with state.cache's bounds for memory
 *
 * Every store lives under a `state:` registry key; `/admin/state` and the `gatehouse_state_*`
 * metrics read them all from there.
 */
import type { CompileContext } from '../types.ts';
import { createMemoryStore } from './memory.ts';
import type { ResponseCacheDetails, StateSection } from './config.ts';
import type { SharedStore, StoreHealth } from './types.ts';

export interface SharedStores {
  readonly counters: SharedStore;
  readonly cache: SharedStore;
}

/** Registry key prefix of every store. */
export const STATE_KEY_PREFIX = 'state:';

/** The part of the configuration the stores come from. */
export interface StateConfig {
  state?: StateSection;
  responseCacheDetails?: unknown;
  secrets?: Record<string, unknown>;
}

/** Builds (or takes from ctx.registry, keyed on settings so reloads keep connections) the stores the config names. */
export function sharedStores(config: StateConfig, ctx: CompileContext): SharedStores {
  const cacheOpts = config.state?.cache ?? {};
  const local =
    ctx.localStore !== undefined
      ? ctx.registry.acquire(`${STATE_KEY_PREFIX}local`, ctx.localStore, () => undefined)
      : ctx.registry.acquire(`${STATE_KEY_PREFIX}memory:${cacheOpts.maxBytes ?? ''}:${cacheOpts.maxEntryBytes ?? ''}`, () => createMemoryStore(cacheOpts), (s) => s.close());
  void (config.responseCacheDetails as ResponseCacheDetails | undefined);
  return { counters: local, cache: local };
}

/** The health of every live store (for `/admin/state`). */
export function storesHealth(registry: CompileContext['registry']): StoreHealth[] {
  return registry.list<SharedStore>(STATE_KEY_PREFIX).map((s) => s.health());
}
