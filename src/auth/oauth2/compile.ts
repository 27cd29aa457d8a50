/**
 * Compiles `validationFailurePolicy` type OAUTH2 (issue 17) into the sign-in flow (sign_in.ts):
 * client and discovery details (VALIDATION_BLOCK reads them from the REMOTE_DISCOVERY validation
 * policy), the client secret through `secrets:`, the session key ring, and the provider's keys for
 * ID tokens through the shared key stores. Every problem is reported with its path.
 */
import type { CompileContext } from '../../types.ts';
import type { Clock } from '../../lib/clock.ts';
import type { KeyStore } from '../jwks/key_store.ts';
import { resolveSecret } from '../../lib/secrets.ts';
import { keyUriProblem, type DocumentFetcher } from '../jwks/http_fetch.ts';
import { OpenIdProvider } from './provider.ts';
import { compileSessionKeys, type SessionKeyConfig } from './session_keys.ts';
import { deploymentPath, OAuth2SignIn, SignInMemory, type OpenedSession } from './sign_in.ts';
import { Lru } from '../../lib/lru.ts';
import type { Counters } from '../../state/types.ts';
import { signInStats } from './stats.ts';

export interface OAuth2FailurePolicyConfig {
  type: 'OAUTH2';
  clientDetails: { type: 'CUSTOM'; clientId: string; clientSecretId: string; clientSecretVersionNumber?: number } | { type: 'VALIDATION_BLOCK' };
  sourceUriDetails: { type: 'DISCOVERY_URI'; uri: string } | { type: 'VALIDATION_BLOCK' };
  scopes: string[];
  responseType: 'CODE';
  maxExpiryDurationInHours?: number;
  useCookiesForSession?: boolean;
  useCookiesForIntermediateSteps?: boolean;
  usePkce?: boolean;
  fallbackRedirectPath?: string;
  logoutPath?: string;
  loginPath?: string;
  sessionKeys?: SessionKeyConfig[];
  sessionKeyGraceHours?: number;
}

/** The parts of the TOKEN_AUTHENTICATION policy the OAUTH2 policy may borrow or needs. */
export interface TokenPolicyView {
  type: string;
  validationPolicy?: {
    type: string;
    sourceUriDetails?: { uri: string };
    clientDetails?: { type: string; clientId?: string; clientSecretId?: string };
    isSslVerifyDisabled?: boolean;
  };
  maxClockSkewInSeconds?: number;
}

export interface OAuth2CompileOptions {
  deployment: string;
  /** The deployment's pathPrefix ('' when unknown). */
  pathPrefix: string;
  secrets: Record<string, unknown> | undefined;
  clock: Clock;
  timeoutMs: number;
  /** The plan's shared counters, for single-use states across workers and instances; null: this process only. */
  counters: (() => Counters) | null;
  /** The shared key store for a discovery document's jwks_uri (compile.ts compileKeySource). */
  keyStoreFor(discoveryUri: string, insecure: boolean, path: string): KeyStore | null;
  fetchDocument?: DocumentFetcher;
}

/** Compiles the policy at `path` (schema-valid) for the authentication policy `auth`; null when there are problems. */
export function compileOAuth2(cfg: OAuth2FailurePolicyConfig, path: string, auth: TokenPolicyView, ctx: CompileContext, opts: OAuth2CompileOptions): OAuth2SignIn | null {
  const before = ctx.issues.length;
  if (auth.type !== 'TOKEN_AUTHENTICATION') {
    ctx.issue(`${path}.type`, 'OAUTH2 applies to TOKEN_AUTHENTICATION only');
    return null;
  }
  if (path.includes('.dynamicAuthentication.')) {
    // The login and logout routes and the cookies are per deployment; a server chosen per request has neither yet.
    ctx.issue(`${path}.type`, 'not supported yet: OAUTH2 inside dynamicAuthentication (use it in requestPolicies.authentication)');
    return null;
  }
  const vp = auth.validationPolicy;
  const insecure = vp?.isSslVerifyDisabled === true;
  let clientId: string | null = null;
  let secretId: string | null = null;
  if (cfg.clientDetails.type === 'CUSTOM') {
    clientId = cfg.clientDetails.clientId;
    secretId = cfg.clientDetails.clientSecretId;
  } else if (vp?.type === 'REMOTE_DISCOVERY' && vp.clientDetails?.type === 'CUSTOM' && vp.clientDetails.clientId !== undefined) {
    clientId = vp.clientDetails.clientId;
    secretId = vp.clientDetails.clientSecretId ?? null;
  } else ctx.issue(`${path}.clientDetails`, 'VALIDATION_BLOCK needs a REMOTE_DISCOVERY validationPolicy with clientDetails type CUSTOM');
  let uri: string | null = null;
  if (cfg.sourceUriDetails.type === 'DISCOVERY_URI') uri = cfg.sourceUriDetails.uri;
  else if (vp?.type === 'REMOTE_DISCOVERY' && vp.sourceUriDetails !== undefined) uri = vp.sourceUriDetails.uri;
  else ctx.issue(`${path}.sourceUriDetails`, 'VALIDATION_BLOCK needs a REMOTE_DISCOVERY validationPolicy');
  if (uri !== null) {
    const problem = keyUriProblem(uri, insecure);
    if (problem !== null) ctx.issue(cfg.sourceUriDetails.type === 'DISCOVERY_URI' ? `${path}.sourceUriDetails.uri` : `${path}.sourceUriDetails`, problem);
  }
  if (cfg.loginPath !== undefined && cfg.loginPath === cfg.logoutPath) ctx.issue(`${path}.loginPath`, 'must differ from logoutPath');
  const keys = compileSessionKeys(cfg.sessionKeys, cfg.sessionKeyGraceHours, path, ctx, opts.secrets, opts.clock);
  if (ctx.issues.length > before || uri === null || clientId === null || secretId === null || keys === null) return null;
  const idTokenKeys = opts.keyStoreFor(uri, insecure, path);
  if (idTokenKeys === null) return null;
  const secret = resolveSecret(opts.secrets, secretId, ctx.baseDir);
  if ('missing' in secret) ctx.warn(`${path}.clientDetails`, `${secret.missing}: sign-in answers 503 until it resolves`);
  const scopes = cfg.scopes.includes('openid') ? cfg.scopes : ['openid', ...cfg.scopes];
  const at = (p: string | undefined) => (p === undefined ? null : deploymentPath(opts.pathPrefix, p));
  return new OAuth2SignIn({
    deployment: opts.deployment,
    provider: new OpenIdProvider({
      discoveryUri: uri,
      insecure,
      timeoutMs: opts.timeoutMs,
      clock: opts.clock,
      ...(opts.fetchDocument !== undefined ? { fetchDocument: opts.fetchDocument } : {}),
    }),
    idTokenKeys,
    clientId,
    secret,
    scopes,
    usePkce: cfg.usePkce === true,
    sessionMaxMs: (cfg.maxExpiryDurationInHours ?? 1) * 3_600_000,
    useCookiesForSession: cfg.useCookiesForSession !== false,
    useCookiesForIntermediateSteps: cfg.useCookiesForIntermediateSteps !== false,
    loginPath: at(cfg.loginPath),
    logoutPath: at(cfg.logoutPath),
    fallbackRedirectPath: at(cfg.fallbackRedirectPath),
    keys,
    memory: ctx.registry.acquire(`oauth2-memory:${opts.deployment}`, () => new SignInMemory(), () => undefined),
    opened: ctx.registry.acquire(`oauth2-opened:${opts.deployment}:${keys.id}`, () => new Lru<string, OpenedSession>({ maxEntries: 20_000, maxBytes: 64 * 1024 * 1024 }), (c) => c.clear()),
    counters: opts.counters,
    stats: signInStats(ctx.registry, opts.deployment),
    clock: opts.clock,
    clockSkewSec: auth.maxClockSkewInSeconds ?? 0,
    log: ctx.log,
  });
}
