/**
 * Response caching (OCI `requestPolicies.responseCacheLookup` and `responsePolicies.responseCacheStore`
 * on a route; OCI "Caching Responses to Improve Performance").
 */
import { nonEmptyString, object } from '../lib/json_schema.ts';
import type { SharedStore } from '../state/types.ts';
import type { CompileContext, ResponseCachePolicy } from '../types.ts';

/** Longest `timeToLiveInSeconds` accepted: one day (OCI does not document a limit). */
export const MAX_TTL_SECONDS = 86400;

/** `routes[].requestPolicies.responseCacheLookup`, as the schema lets it through (OCI SimpleLookupPolicy). */
export interface ResponseCacheLookupConfig {
  type: 'SIMPLE_LOOKUP_POLICY';
  isEnabled?: boolean;
  isPrivateCachingEnabled?: boolean;
  cacheKeyAdditions?: string[];
}

/** `routes[].responsePolicies.responseCacheStore`, as the schema lets it through (OCI FixedTTLResponseCacheStorePolicy). */
export interface ResponseCacheStoreConfig {
  type: 'FIXED_TTL_STORE_POLICY';
  timeToLiveInSeconds: number;
}

/** JSON-schema fragment for `routes[].requestPolicies.responseCacheLookup`. */
export const responseCacheLookupSchema: Record<string, unknown> = {
  ...object(
    {
      type: { const: 'SIMPLE_LOOKUP_POLICY' },
      isEnabled: { type: 'boolean' },
      isPrivateCachingEnabled: { type: 'boolean' },
      cacheKeyAdditions: { type: 'array', items: nonEmptyString },
    },
    ['type'],
  ),
};

/** JSON-schema fragment for `routes[].responsePolicies.responseCacheStore`. */
export const responseCacheStoreSchema: Record<string, unknown> = {
  ...object(
    {
      type: { const: 'FIXED_TTL_STORE_POLICY' },
      timeToLiveInSeconds: { type: 'integer', minimum: 1, maximum: MAX_TTL_SECONDS },
    },
    ['type', 'timeToLiveInSeconds'],
  ),
};

/** What compileResponseCache needs to know about the route. */
export interface ResponseCacheRoute {
  /** Deployment name (labels, and the key when it has no id). */
  readonly deployment: string;
  /** The deployment's `id` (OCID), when the config gives one: the key uses it instead of the name. */
  readonly deploymentId?: string;
  /** Route pattern as written (`/items/{id}`), for metrics. */
  readonly pattern: string;
  /** The route's path parameters (context_vars.ts routeParameters). */
  readonly params: ReadonlyMap<string, boolean>;
  /** Largest response body stored, bytes. */
  readonly maxEntryBytes: number;
}

/**
 * Compiles a route's response cache. `path` is the route's config path; problems are reported
 * under `${path}.requestPolicies.responseCacheLookup` and `${path}.responsePolicies.responseCacheStore`.
 * Returns null when the route caches nothing (no policy, disabled, or only one of the two).
 */
export function compileResponseCache(
  lookup: unknown | undefined,
  store: unknown | undefined,
  path: string,
  route: ResponseCacheRoute,
  cache: SharedStore,
  ctx: CompileContext,
): ResponseCachePolicy | null {
  void lookup;
  void store;
  void path;
  void route;
  void cache;
  void ctx;
  return null;
}
