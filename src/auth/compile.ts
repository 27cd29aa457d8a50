/**
 * Compiles OCI authentication and authorization policies into the values the request path calls.
 * Placeholder until issue #3 lands: the schema rejects both policies before this is reached.
 */
import type { CompileContext } from '../types.ts';
import type { AuthenticationPolicy, AuthorizationPolicy } from './types.ts';

/** Compiles a deployment's `requestPolicies.authentication`; reports problems through ctx.issue. */
export function compileAuthentication(_policy: unknown, path: string, ctx: CompileContext): AuthenticationPolicy | null {
  ctx.issue(path, 'not supported yet');
  return null;
}

/** Compiles a route's `requestPolicies.authorization` (absent → AUTHENTICATION_ONLY when authenticated). */
export function compileAuthorization(
  policy: unknown,
  path: string,
  ctx: CompileContext,
  _authentication: AuthenticationPolicy | null,
): AuthorizationPolicy | null {
  if (policy !== undefined) ctx.issue(path, 'not supported yet');
  return null;
}

/** State for `GET /admin/auth`. */
export function authAdminState(_ctx: { registry: CompileContext['registry'] }): unknown {
  return { jwks: [], recentFailures: [] };
}
