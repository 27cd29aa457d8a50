/**
 * Compiles OCI authentication and authorization policies into the values the request path calls,
 * once, when a plan is built: a request never parses or checks configuration. Every semantic
 * problem is reported with its config path; key stores come from the shared registry, so one JWKS
 * per URI and settings serves every deployment and survives hot reload.
 */
import { createHash } from 'node:crypto';
import type { CompileContext } from '../types.ts';
import type { AuthenticationPolicy, AuthorizationPolicy } from './types.ts';
import type { AuthenticationConfig, AuthorizationConfig, KeySourceConfig, StaticKeyConfig, VerifyClaimConfig } from './config.ts';
import { AUTH_DEFAULTS } from './config.ts';
import { coarseClock, type Clock } from '../lib/clock.ts';
import { isHeaderName } from '../lib/header_name.ts';
import { createExtractor } from './extract.ts';
import { compileClaimChecks } from './claims.ts';
import { Authenticator, DEFAULT_MAX_TOKEN_CHARS } from './authenticator.ts';
import { createAnyOfScopes, createAuthenticatedOnly } from './authorization.ts';
import { DecisionCache } from './decision_cache.ts';
import { authStats, decisionSummary, failureSummary, useJwksMetrics } from './stats.ts';
import { RemoteJwksStore } from './jwks/remote_jwks.ts';
import { StaticKeyStore } from './jwks/static_keys.ts';
import { inspectKey, type KeyInput } from './jwks/key_import.ts';
import { keyUriProblem } from './jwks/http_fetch.ts';
import type { KeyStore } from './jwks/key_store.ts';
import type { FunctionCatalog } from '../functions/compile.ts';
import { compileCustomAuthentication } from './custom_compile.ts';
import { CustomAuthenticator } from './custom.ts';
import { compileFailureResponse, type ModifyResponseConfig } from './failure_policy.ts';
import { compileIntrospection, IntrospectionAuthenticator, type ClientDetailsConfig } from './introspection.ts';
import { compileOAuth2, type OAuth2FailurePolicyConfig, type TokenPolicyView } from './oauth2/compile.ts';
import type { OAuth2SignIn } from './oauth2/sign_in.ts';
import type { Extractor } from './extract.ts';
import type { Counters } from '../state/types.ts';
import { dynamicAuthenticationSummary, LIVE_AUTHORIZERS, LIVE_INTROSPECTION } from './policy_stats.ts';
import { dynamicRoutingSummary } from '../backends/dynamic.ts';
import { revocationList, revocationSummary } from './revocation_compile.ts';

/** Knobs that are not OCI fields; tests and the bench set them, the server uses the defaults. */
export interface AuthCompileOptions {
  clock?: Clock;
  /** The deployment's pathPrefix: OAUTH2's loginPath, logoutPath and fallbackRedirectPath are relative to it (default ''). */
  pathPrefix?: string;
  /** The plan's shared counters (made on first use), so OAUTH2 states are single-use across workers and instances. */
  counters?: () => Counters;
  /** Set by compileAuthentication for an OAUTH2 policy: the token may also come from the browser's session. */
  wrapExtractor?: (base: Extractor) => Extractor;
  /** Between unknown-kid refetches. Default 30 000 (env GATEHOUSE_JWKS_COOLDOWN_MS). */
  jwksCooldownMs?: number;
  jwksTimeoutMs?: number;
  decisionCacheMaxEntries?: number;
  decisionCacheCapMs?: number;
  maxTokenChars?: number;
  /** The plan's functions, for CUSTOM_AUTHENTICATION (authorizer functions); without it such a policy is refused. */
  functions?: FunctionCatalog;
  /**
   * The configuration's `secrets:` map (Vault OCID → value or { file }), for REMOTE_DISCOVERY with
   * clientDetails. The key must be present (even undefined when the config has no secrets:);
   * without it such a policy is refused as not supported yet.
   */
  secrets?: Record<string, unknown> | undefined;
}

const same = (e: Extractor): Extractor => e;

function envNumber(name: string): number | undefined {
  const v = process.env[name];
  return v !== undefined && v !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined;
}

function staticKeyInput(k: StaticKeyConfig): KeyInput {
  if (k.format === 'PEM') return { pem: k.key ?? '', kid: k.kid, alg: k.alg };
  const jwk: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(k)) {
    if (name === 'format' || name === 'keyOps') continue;
    jwk[name] = value;
  }
  if (k.keyOps !== undefined) jwk['key_ops'] = k.keyOps;
  return { jwk };
}

function compileKeySource(src: KeySourceConfig, path: string, ctx: CompileContext, opts: AuthCompileOptions): KeyStore | null {
  if (src.type === 'STATIC_KEYS') {
    const inputs: KeyInput[] = [];
    let ok = true;
    src.keys.forEach((k, i) => {
      const input = staticKeyInput(k);
      const problem = inspectKey(input);
      if (typeof problem === 'string') {
        ctx.issue(`${path}.keys[${i}]`, problem);
        ok = false;
      } else if (problem.kid === undefined && src.keys.length > 1) {
        ctx.issue(`${path}.keys[${i}].kid`, 'is required when there are several keys');
        ok = false;
      }
      inputs.push(input);
    });
    if (!ok) return null;
    const id = createHash('sha256').update(JSON.stringify(src.keys)).digest('base64url');
    return ctx.registry.acquire(`jwks:static:${id}`, () => new StaticKeyStore(inputs), (s) => s.stop());
  }
  const discovery = src.type === 'REMOTE_DISCOVERY';
  const uri = discovery ? src.sourceUriDetails.uri : src.uri;
  const insecure = src.isSslVerifyDisabled === true;
  const problem = keyUriProblem(uri, insecure);
  if (problem !== null) {
    ctx.issue(discovery ? `${path}.sourceUriDetails.uri` : `${path}.uri`, problem);
    return null;
  }
  const maxCacheMs = (src.maxCacheDurationInHours ?? AUTH_DEFAULTS.maxCacheDurationInHours) * 3_600_000;
  const cooldownMs = opts.jwksCooldownMs ?? envNumber('GATEHOUSE_JWKS_COOLDOWN_MS') ?? 30_000;
  const timeoutMs = opts.jwksTimeoutMs ?? envNumber('GATEHOUSE_JWKS_TIMEOUT_MS') ?? 5000;
  const settings = JSON.stringify({ discovery, maxCacheMs, insecure, cooldownMs, timeoutMs });
  const registry = ctx.registry;
  useJwksMetrics(registry, () => registry.list<KeyStore>('jwks:').filter((s): s is RemoteJwksStore => s instanceof RemoteJwksStore));
  return registry.acquire(
    `jwks:${uri} ${settings}${ctx.offline === true ? ' offline' : ''}`,
    () =>
      new RemoteJwksStore({
        uri,
        discovery,
        maxCacheMs,
        isSslVerifyDisabled: insecure,
        cooldownMs,
        timeoutMs,
        log: ctx.log,
        offline: ctx.offline === true,
        ...(opts.clock ? { clock: opts.clock } : {}),
        ...(ctx.fetchDocument ? { fetchDocument: ctx.fetchDocument } : {}),
      }),
    (s) => s.stop(),
  );
}

/** validationFailurePolicy OAUTH2 (src/auth/oauth2/): ID tokens are checked with the shared key store of the provider's discovery document. */
function compileSignIn(cfg: OAuth2FailurePolicyConfig, path: string, policy: TokenPolicyView, ctx: CompileContext, deployment: string, opts: AuthCompileOptions): OAuth2SignIn | null {
  return compileOAuth2(cfg, path, policy, ctx, {
    deployment,
    pathPrefix: opts.pathPrefix ?? '',
    secrets: opts.secrets,
    counters: opts.counters ?? null,
    clock: opts.clock ?? coarseClock,
    timeoutMs: opts.jwksTimeoutMs ?? envNumber('GATEHOUSE_JWKS_TIMEOUT_MS') ?? 5000,
    keyStoreFor: (uri, insecure, at) =>
      compileKeySource({ type: 'REMOTE_DISCOVERY', sourceUriDetails: { type: 'DISCOVERY_URI', uri }, isSslVerifyDisabled: insecure } as KeySourceConfig, at, ctx, opts),
    ...(ctx.fetchDocument !== undefined ? { fetchDocument: ctx.fetchDocument } : {}),
  });
}

/** `deployments[3].specification...` → `deployments[3]`, the metrics label when no name is given. */
function deploymentLabel(path: string): string {
  return /^deployments\[\d+\]/.exec(path)?.[0] ?? path;
}

/**
 * Compiles a deployment's `requestPolicies.authentication` (already schema-valid). Reports problems
 * through ctx.issue and returns null when there are any. `deploymentName` labels metrics and logs.
 */
export function compileAuthentication(
  policy: unknown,
  path: string,
  ctx: CompileContext,
  deploymentName?: string,
  opts: AuthCompileOptions = {},
): AuthenticationPolicy | null {
  const failure = (policy as { validationFailurePolicy?: { type?: string } }).validationFailurePolicy;
  const failurePath = `${path}.validationFailurePolicy`;
  const before = ctx.issues.length;
  // One dispatch on the failure policy's type: OAUTH2 is a sign-in flow, MODIFY_RESPONSE a replacement answer.
  const oauth2 = failure?.type === 'OAUTH2';
  const signIn = oauth2 ? compileSignIn(failure as OAuth2FailurePolicyConfig, failurePath, policy as TokenPolicyView, ctx, deploymentName ?? deploymentLabel(path), opts) : null;
  if (oauth2 && signIn === null) return null;
  const response = failure !== undefined && !oauth2 ? compileFailureResponse(failure as ModifyResponseConfig, failurePath, ctx) : null;
  const compiled = compilePolicy(policy, path, ctx, deploymentName, signIn === null ? opts : { ...opts, wrapExtractor: (e) => signIn.wrapExtractor(e) });
  if (compiled === null || ctx.issues.length > before) return null;
  if (signIn !== null) signIn.attach(compiled);
  if (response !== null) compiled.failureResponse = response;
  return compiled;
}

function compilePolicy(
  policy: unknown,
  path: string,
  ctx: CompileContext,
  deploymentName?: string,
  opts: AuthCompileOptions = {},
): AuthenticationPolicy | null {
  if ((policy as { type?: unknown }).type === 'CUSTOM_AUTHENTICATION') {
    return compileCustomAuthentication(policy, path, ctx, deploymentName ?? deploymentLabel(path), {
      clock: opts.clock ?? coarseClock,
      functions: opts.functions,
      ...(opts.decisionCacheMaxEntries !== undefined ? { maxEntries: opts.decisionCacheMaxEntries } : {}),
    });
  }
  const cfg = policy as AuthenticationConfig;
  const before = ctx.issues.length;
  const keysPath = cfg.type === 'JWT_AUTHENTICATION' ? `${path}.publicKeys` : `${path}.validationPolicy`;
  const source = cfg.type === 'JWT_AUTHENTICATION' ? cfg.publicKeys : cfg.validationPolicy;
  // OCI's AdditionalValidationPolicy is a field of the validation policy (TokenAuthenticationValidationPolicy).
  const extra = cfg.type === 'TOKEN_AUTHENTICATION' ? cfg.validationPolicy.additionalValidationPolicy : undefined;
  const extraPath = `${keysPath}.additionalValidationPolicy`;
  const issuers = cfg.type === 'JWT_AUTHENTICATION' ? cfg.issuers : extra?.issuers;
  const audiences = cfg.type === 'JWT_AUTHENTICATION' ? cfg.audiences : extra?.audiences;
  const verifyClaims: VerifyClaimConfig[] | undefined = cfg.type === 'JWT_AUTHENTICATION' ? cfg.verifyClaims : extra?.verifyClaims;

  if (cfg.type === 'TOKEN_AUTHENTICATION' && cfg.additionalValidationPolicy !== undefined) {
    // Refused rather than read from here: OCI would reject this spec, and silently accepting it
    // would let a spec pass locally that never deploys.
    ctx.issue(`${path}.additionalValidationPolicy`, 'belongs inside validationPolicy (as in OCI): move it into validationPolicy');
  }
  if (cfg.tokenHeader !== undefined && !isHeaderName(cfg.tokenHeader)) {
    ctx.issue(`${path}.tokenHeader`, 'is not a valid header name');
  }
  const headerless = cfg.tokenHeader === undefined && cfg.tokenQueryParam !== undefined;
  const header = headerless ? null : (cfg.tokenHeader ?? AUTH_DEFAULTS.tokenHeader);
  const scheme =
    header === null ? null : (cfg.tokenAuthScheme ?? (header.toLowerCase() === 'authorization' ? AUTH_DEFAULTS.tokenAuthScheme : null));
  if (scheme !== null && /\s/.test(scheme)) ctx.issue(`${path}.tokenAuthScheme`, 'must be one word');
  const issuerFromDiscovery = issuers === undefined && source.type === 'REMOTE_DISCOVERY';
  // OCI loads these; they deserve a look, so `validate`, `serve` and /admin/auth show them.
  if (issuers === undefined && !issuerFromDiscovery) {
    ctx.warn(`${extraPath}.issuers`, 'no issuers: the iss claim is not checked, so a token from any issuer these keys sign for is accepted');
  }
  if (audiences === undefined) {
    ctx.warn(`${extraPath}.audiences`, 'no audiences: the aud claim is not checked, so a token the issuer made for any other API is accepted');
  }

  const clientDetails = source.type === 'REMOTE_DISCOVERY' ? (source as { clientDetails?: ClientDetailsConfig }).clientDetails : undefined;
  if (source.type === 'REMOTE_DISCOVERY' && clientDetails !== undefined) {
    // RFC 7662 introspection instead of keys (src/auth/introspection.ts).
    if (!('secrets' in opts)) ctx.issue(`${keysPath}.clientDetails`, 'not supported yet: token introspection needs the secrets: map');
    if (cfg.allowedAlgorithms !== undefined) ctx.issue(`${path}.allowedAlgorithms`, 'does not apply with clientDetails: introspection checks no signature');
    if (cfg.isAccessTokenTypeRequired !== undefined) ctx.issue(`${path}.isAccessTokenTypeRequired`, 'does not apply with clientDetails: introspection reads no JOSE header');
    if (ctx.issues.length > before) return null;
    return compileIntrospection({ ...source, clientDetails }, keysPath, ctx, opts.secrets, {
      extractor: (opts.wrapExtractor ?? same)(createExtractor({ header, scheme, queryParam: cfg.tokenQueryParam ?? null })),
      issuers: issuers ?? null,
      audiences: audiences ?? null,
      claimChecks: compileClaimChecks(verifyClaims),
      clockSkewSec: cfg.maxClockSkewInSeconds ?? AUTH_DEFAULTS.maxClockSkewInSeconds,
      allowsAnonymous: cfg.isAnonymousAccessAllowed === true,
      maxTokenChars: cfg.maxTokenSizeInBytes ?? opts.maxTokenChars ?? DEFAULT_MAX_TOKEN_CHARS,
      timeoutMs: opts.jwksTimeoutMs ?? envNumber('GATEHOUSE_JWKS_TIMEOUT_MS') ?? 5000,
      clock: opts.clock ?? coarseClock,
      stats: authStats(ctx.registry, deploymentName ?? deploymentLabel(path)),
      ...(opts.decisionCacheMaxEntries !== undefined ? { maxEntries: opts.decisionCacheMaxEntries } : {}),
    });
  }
  const store = compileKeySource(source, keysPath, ctx, opts);
  if (store === null || ctx.issues.length > before) return null;

  const clock = opts.clock ?? coarseClock;
  const label = deploymentName ?? deploymentLabel(path);
  return new Authenticator({
    extractor: (opts.wrapExtractor ?? same)(createExtractor({ header, scheme, queryParam: cfg.tokenQueryParam ?? null })),
    store,
    accessTokenTypeRequired: cfg.isAccessTokenTypeRequired === true,
    revocations: revocationList(ctx),
    issuers: issuers ?? null,
    issuerFromDiscovery,
    audiences: audiences ?? null,
    claimChecks: compileClaimChecks(verifyClaims),
    clockSkewSec: cfg.maxClockSkewInSeconds ?? AUTH_DEFAULTS.maxClockSkewInSeconds,
    allowsAnonymous: cfg.isAnonymousAccessAllowed === true,
    maxTokenChars: cfg.maxTokenSizeInBytes ?? opts.maxTokenChars ?? DEFAULT_MAX_TOKEN_CHARS,
    allowedAlgorithms: cfg.allowedAlgorithms === undefined ? null : new Set(cfg.allowedAlgorithms),
    // Kept across hot reloads while the policy and its key store are unchanged: a reload does not
    // send every client back through signature verification.
    cache: ctx.registry.acquire(
      `authcache:${label} ${createHash('sha256').update(JSON.stringify([policy, opts.decisionCacheMaxEntries, opts.decisionCacheCapMs])).digest('base64url')}`,
      () =>
        new DecisionCache({
          ...(opts.decisionCacheMaxEntries !== undefined ? { maxEntries: opts.decisionCacheMaxEntries } : {}),
          ...(opts.decisionCacheCapMs !== undefined ? { capMs: opts.decisionCacheCapMs } : {}),
        }),
      (c) => c.clear(),
    ),
    clock,
    stats: authStats(ctx.registry, label),
  });
}

/**
 * Compiles a route's `requestPolicies.authorization` (undefined → AUTHENTICATION_ONLY when the
 * deployment authenticates). Returns null when there is nothing to check.
 */
export function compileAuthorization(
  policy: unknown,
  path: string,
  ctx: CompileContext,
  authentication: AuthenticationPolicy | null,
): AuthorizationPolicy | null {
  const cfg = policy as AuthorizationConfig | undefined;
  const stats =
    authentication instanceof Authenticator || authentication instanceof CustomAuthenticator || authentication instanceof IntrospectionAuthenticator
      ? authentication.stats
      : null;
  const nowMs = () => Date.now();
  const type = cfg?.type ?? 'AUTHENTICATION_ONLY';
  if (type === 'ANONYMOUS') {
    if (authentication !== null && !authentication.allowsAnonymous) {
      ctx.issue(`${path}.type`, 'ANONYMOUS needs isAnonymousAccessAllowed: true in the deployment\'s authentication policy');
    }
    return null;
  }
  if (authentication === null) {
    if (cfg !== undefined) ctx.issue(path, `${type} needs requestPolicies.authentication on the deployment`);
    return null;
  }
  if (type === 'ANY_OF') return createAnyOfScopes((cfg as { allowedScope: string[] }).allowedScope, stats, nowMs);
  return authentication.allowsAnonymous ? createAuthenticatedOnly(stats, nowMs) : null;
}

/**
 * State for `GET /admin/auth`: JWKS state per source; introspection endpoints and authorizer
 * functions of the plan in service (calls by result, cache lookups and size, last error); which
 * dynamicAuthentication server and dynamic routing backend requests went to; decisions per
 * deployment; recent failures.
 */
export function authAdminState(ctx: { registry: CompileContext['registry'] }): unknown {
  const now = Date.now();
  const registry = ctx.registry;
  return {
    jwks: registry.list<KeyStore>('jwks:').map((s) => s.adminState(now)),
    introspection: registry.list<IntrospectionAuthenticator>(LIVE_INTROSPECTION).map((p) => p.adminState()),
    authorizers: registry.list<CustomAuthenticator>(LIVE_AUTHORIZERS).map((p) => p.adminState()),
    dynamicAuthentication: dynamicAuthenticationSummary(registry),
    dynamicRouting: dynamicRoutingSummary(registry),
    revocations: revocationSummary(registry),
    decisions: decisionSummary(ctx.registry),
    ...failureSummary(ctx.registry),
  };
}
