/**
 * OCI's OAUTH2_LOGIN_BACKEND and OAUTH2_LOGOUT_BACKEND (issue 17): routes that end or start a
 * browser's sign-in at the gateway. The flow itself (provider, tokens, sealed cookies) belongs to
 * the deployment's OAUTH2 validationFailurePolicy (src/auth/oauth2/); these backends reach it
 * through the BrowserSignIn interface below, handed to them when the plan is compiled, since
 * backends may not import auth.
 *
 * The logout backend is where an open redirect would live, so the post-logout URL is checked
 * here, before anything else: the client's `?postLogoutUrl=` must equal one of
 * `allowedPostLogoutUris` (rendered per request: they may hold context variables). OCI lets any URL
 * through when that list is empty; Gatehouse then allows only same-origin paths (docs/browser-sign-in.md).
 */
import type { Backend, CompileContext, GatewayRequest } from '../types.ts';
import { compileStringTemplate, type StringTemplate } from './context_vars.ts';
import { sendError } from '../lib/respond.ts';
import { nonEmptyString, object } from '../lib/json_schema.ts';

/** What the login and logout backends ask of the deployment's OAUTH2 policy. */
export interface BrowserSignIn {
  /**
   * The login route: completes a sign-in when the provider's answer is in the query (`state` with
   * `code` or `error`), else starts one (returning to `?returnTo=`, a same-origin path, or the
   * policy's fallbackRedirectPath). Writes the whole answer.
   */
  login(ctx: GatewayRequest): Promise<void>;
  /**
   * Ends the browser's session (cookies deleted), then redirects: through the provider's
   * end_session_endpoint when it has one and the browser was signed in, else to `postLogoutUrl`
   * (with `state`), else answers 200. `postLogoutUrl` was checked by the backend.
   */
  logout(ctx: GatewayRequest, postLogoutUrl: string | null, state: string | null): Promise<void>;
}

export interface LogoutBackendConfig {
  type: 'OAUTH2_LOGOUT_BACKEND';
  allowedPostLogoutUris?: string[];
  postLogoutState?: string;
}

export interface LoginBackendConfig {
  type: 'OAUTH2_LOGIN_BACKEND';
}

export const logoutBackendSchema = object(
  {
    type: { const: 'OAUTH2_LOGOUT_BACKEND' },
    allowedPostLogoutUris: {
      type: 'array',
      items: nonEmptyString,
      description:
        'URLs the client may name in ?postLogoutUrl= (absolute http(s) URLs or paths on the gateway; context variables allowed), compared exactly. ' +
        'Empty or absent: only paths on the gateway (OCI allows any URL then; Gatehouse refuses absolute URLs, so the route is no open redirect).',
    },
    postLogoutState: { type: 'string', description: 'Sent as the state query parameter to the post-logout URL (or to the provider\'s end_session_endpoint); context variables such as ${request.query[state]}.' },
  },
  ['type'],
);

export const loginBackendSchema = object(
  { type: { const: 'OAUTH2_LOGIN_BACKEND' } },
  ['type'],
);

/** A path on this gateway that cannot be read as another host (`//evil`, `/\evil`). */
export function isLocalPath(url: string): boolean {
  return url.startsWith('/') && !url.startsWith('//') && !url.startsWith('/\\') && !/[\0-\x1f\x7f]/.test(url);
}

function absoluteHttpUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}

function missing(path: string, type: string, ctx: CompileContext): null {
  ctx.issue(`${path}.type`, `${type} needs the deployment's authentication to have validationFailurePolicy type OAUTH2`);
  return null;
}

export function createLoginBackend(path: string, ctx: CompileContext, signIn: BrowserSignIn | null): Backend | null {
  if (signIn === null) return missing(path, 'OAUTH2_LOGIN_BACKEND', ctx);
  return { type: 'OAUTH2_LOGIN_BACKEND', handle: (rc) => signIn.login(rc) };
}

export function createLogoutBackend(
  config: LogoutBackendConfig,
  path: string,
  ctx: CompileContext,
  params: ReadonlyMap<string, boolean>,
  signIn: BrowserSignIn | null,
): Backend | null {
  const before = ctx.issues.length;
  const allowed: StringTemplate[] = [];
  (config.allowedPostLogoutUris ?? []).forEach((uri, i) => {
    const t = compileStringTemplate(uri, params);
    if (typeof t === 'string') return ctx.issue(`${path}.allowedPostLogoutUris[${i}]`, t);
    if (t.constant !== null && !isLocalPath(t.constant) && !absoluteHttpUrl(t.constant)) {
      return ctx.issue(`${path}.allowedPostLogoutUris[${i}]`, 'must be an absolute http(s) URL or a path starting with /');
    }
    allowed.push(t);
  });
  let state: StringTemplate | null = null;
  if (config.postLogoutState !== undefined) {
    const t = compileStringTemplate(config.postLogoutState, params);
    if (typeof t === 'string') ctx.issue(`${path}.postLogoutState`, t);
    else state = t;
  }
  if (signIn === null) return missing(path, 'OAUTH2_LOGOUT_BACKEND', ctx);
  if (ctx.issues.length > before) return null;

  /** The URL to go to after logout, null for none, or false when the client asked for one that is not allowed. */
  function target(rc: GatewayRequest): string | null | false {
    const asked = rc.search === '' ? null : rc.query().get('postLogoutUrl');
    if (asked === null || asked === '') return null;
    if (allowed.length === 0) return isLocalPath(asked) ? asked : false;
    for (const t of allowed) {
      const value = t.render(rc);
      if (value === asked && (isLocalPath(value) || absoluteHttpUrl(value))) return asked;
    }
    return false;
  }

  return {
    type: 'OAUTH2_LOGOUT_BACKEND',
    handle(rc) {
      const url = target(rc);
      if (url === false) {
        rc.log.warn({ reqId: rc.requestId }, 'logout refused: postLogoutUrl is not in allowedPostLogoutUris');
        return sendError(rc.res, 400, 'postLogoutUrl is not allowed');
      }
      const s = state === null ? null : state.render(rc);
      return signIn.logout(rc, url, s === '' ? null : s);
    },
  };
}
