/**
 * The contract between the request path and the auth stage.
 *
 * The server calls, per route, `authentication.authenticate(ctx)` then `authorization.authorize(auth)`.
 * Both return values, never throw for an expected denial; `authenticate` returns synchronously when
 * the decision is cached and a Promise only when real I/O (a JWKS fetch) is needed.
 */
import type { AuthContext, GatewayRequest } from '../types.ts';
import type { ALL_REASONS } from './verdicts.ts';
import type { FailureResponse } from './failure_policy.ts';
import type { BrowserSignIn } from '../backends/oauth2.ts';

/**
 * Machine-readable reason of an auth outcome: log field, metric label, admin API. Never sent to
 * clients. Derived from the one list, ALL_REASONS (verdicts.ts), so the two cannot drift.
 */
export type AuthReason = (typeof ALL_REASONS)[number];

export interface AuthVerdict {
  /** 0 when the request may proceed; else the status to answer with (401, 403, 503; 502 or 504 when an authorizer function failed). */
  readonly status: 0 | 401 | 403 | 502 | 503 | 504;
  readonly reason: AuthReason;
  /** The verified token, or null (anonymous access, or a denial). */
  readonly auth: AuthContext | null;
  /** Value for `WWW-Authenticate` on a denial, else null. */
  readonly challenge: string | null;
}

export interface AuthenticationPolicy {
  authenticate(ctx: GatewayRequest): AuthVerdict | Promise<AuthVerdict>;
  /** Resolves once the policy's keys were fetched once (success or failure); for readiness. */
  ready(): Promise<boolean>;
  /** `isAnonymousAccessAllowed`: a request without a token passes authentication with `auth: null`. */
  readonly allowsAnonymous: boolean;
  /** `validationFailurePolicy` (MODIFY_RESPONSE): answers 401 denials instead of the stock answer; absent when not configured. */
  failureResponse?: FailureResponse;
  /** `validationFailurePolicy` OAUTH2: the sign-in flow the deployment's login and logout backends use; absent otherwise. */
  browserSignIn?: BrowserSignIn;
}

export interface AuthorizationPolicy {
  /** Returns null when allowed, else the verdict to answer with. */
  authorize(auth: AuthContext | null): AuthVerdict | null;
}
