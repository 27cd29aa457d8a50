/**
 * Route authorization (OCI RouteAuthorizationPolicy): ANONYMOUS, AUTHENTICATION_ONLY (the default
 * on routes of an authenticated deployment) and ANY_OF with `allowedScope`. Compiled to null when
 * there is nothing to check, so such routes pay nothing.
 */
import type { AuthContext } from '../types.ts';
import type { AuthorizationPolicy, AuthVerdict } from './types.ts';
import type { AuthStats } from './stats.ts';
import { denial } from './verdicts.ts';

/** A token is needed (the deployment lets anonymous requests through authentication). */
export function createAuthenticatedOnly(stats: AuthStats | null, nowMs: () => number): AuthorizationPolicy {
  const missing = denial('token_missing');
  return {
    authorize(auth: AuthContext | null): AuthVerdict | null {
      if (auth !== null) return null;
      stats?.record('token_missing', nowMs());
      return missing;
    },
  };
}

/** The token needs one of `allowedScope`. */
export function createAnyOfScopes(allowedScope: readonly string[], stats: AuthStats | null, nowMs: () => number): AuthorizationPolicy {
  const scopes = [...allowedScope];
  const missing = denial('token_missing');
  const insufficient = denial('scope_insufficient');
  return {
    authorize(auth: AuthContext | null): AuthVerdict | null {
      if (auth === null) {
        stats?.record('token_missing', nowMs());
        return missing;
      }
      for (let i = 0; i < scopes.length; i++) if (auth.scopes.has(scopes[i] as string)) return null;
      stats?.record('scope_insufficient', nowMs());
      return insufficient;
    },
  };
}
