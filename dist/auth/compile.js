/**
 * Compiles OCI authentication and authorization policies into the values the request path calls,
 * once, when a plan is built: a request never parses or checks configuration. Every semantic
 * problem is reported with its config path; key stores come from the shared registry, so one JWKS
 * per URI and settings serves every deployment and survives hot reload.
 */
import { createHash } from 'node:crypto';
import { AUTH_DEFAULTS } from './config.js';
import { coarseClock } from '../lib/clock.js';
import { isHeaderName } from '../lib/header_name.js';
import { createExtractor } from './extract.js';
import { compileClaimChecks } from './claims.js';
import { Authenticator, DEFAULT_MAX_TOKEN_CHARS } from './authenticator.js';
import { createAnyOfScopes, createAuthenticatedOnly } from './authorization.js';
import { DecisionCache } from './decision_cache.js';
import { authStats, decisionSummary, failureSummary, useJwksMetrics } from './stats.js';
import { RemoteJwksStore } from './jwks/remote_jwks.js';
import { StaticKeyStore } from './jwks/static_keys.js';
import { inspectKey } from './jwks/key_import.js';
import { keyUriProblem } from './jwks/http_fetch.js';
import { compileCustomAuthentication } from './custom_compile.js';
import { CustomAuthenticator } from './custom.js';
import { compileFailureResponse } from './failure_policy.js';
import { compileIntrospection, IntrospectionAuthenticator } from './introspection.js';
import { compileOAuth2 } from './oauth2/compile.js';
import { dynamicAuthenticationSummary, LIVE_AUTHORIZERS, LIVE_INTROSPECTION } from './policy_stats.js';
import { dynamicRoutingSummary } from '../backends/dynamic.js';
import { revocationList, revocationSummary } from './revocation_compile.js';
const same = (e) => e;
function envNumber(name) {
    const v = process.env[name];
    return v !== undefined && v !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined;
}
function staticKeyInput(k) {
    if (k.format === 'PEM')
        return { pem: k.key ?? '', kid: k.kid, alg: k.alg };
    const jwk = {};
    for (const [name, value] of Object.entries(k)) {
        if (name === 'format' || name === 'keyOps')
            continue;
        jwk[name] = value;
    }
    if (k.keyOps !== undefined)
        jwk['key_ops'] = k.keyOps;
    return { jwk };
}
function compileKeySource(src, path, ctx, opts) {
    if (src.type === 'STATIC_KEYS') {
        const inputs = [];
        let ok = true;
        src.keys.forEach((k, i) => {
            const input = staticKeyInput(k);
            const problem = inspectKey(input);
            if (typeof problem === 'string') {
                ctx.issue(`${path}.keys[${i}]`, problem);
                ok = false;
            }
            else if (problem.kid === undefined && src.keys.length > 1) {
                ctx.issue(`${path}.keys[${i}].kid`, 'is required when there are several keys');
                ok = false;
            }
            inputs.push(input);
        });
        if (!ok)
            return null;
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
    useJwksMetrics(registry, () => registry.list('jwks:').filter((s) => s instanceof RemoteJwksStore));
    return registry.acquire(`jwks:${uri} ${settings}${ctx.offline === true ? ' offline' : ''}`, () => new RemoteJwksStore({
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
    }), (s) => s.stop());
}
/** validationFailurePolicy OAUTH2 (src/auth/oauth2/): ID tokens are checked with the shared key store of the provider's discovery document. */
function compileSignIn(cfg, path, policy, ctx, deployment, opts) {
    return compileOAuth2(cfg, path, policy, ctx, {
        deployment,
        pathPrefix: opts.pathPrefix ?? '',
        secrets: opts.secrets,
        counters: opts.counters ?? null,
        clock: opts.clock ?? coarseClock,
        timeoutMs: opts.jwksTimeoutMs ?? envNumber('GATEHOUSE_JWKS_TIMEOUT_MS') ?? 5000,
        keyStoreFor: (uri, insecure, at) => compileKeySource({ type: 'REMOTE_DISCOVERY', sourceUriDetails: { type: 'DISCOVERY_URI', uri }, isSslVerifyDisabled: insecure }, at, ctx, opts),
        ...(ctx.fetchDocument !== undefined ? { fetchDocument: ctx.fetchDocument } : {}),
    });
}
/** `deployments[3].specification...` → `deployments[3]`, the metrics label when no name is given. */
function deploymentLabel(path) {
    return /^deployments\[\d+\]/.exec(path)?.[0] ?? path;
}
/**
 * Compiles a deployment's `requestPolicies.authentication` (already schema-valid). Reports problems
 * through ctx.issue and returns null when there are any. `deploymentName` labels metrics and logs.
 */
export function compileAuthentication(policy, path, ctx, deploymentName, opts = {}) {
    const failure = policy.validationFailurePolicy;
    const failurePath = `${path}.validationFailurePolicy`;
    const before = ctx.issues.length;
    // One dispatch on the failure policy's type: OAUTH2 is a sign-in flow, MODIFY_RESPONSE a replacement answer.
    const oauth2 = failure?.type === 'OAUTH2';
    const signIn = oauth2 ? compileSignIn(failure, failurePath, policy, ctx, deploymentName ?? deploymentLabel(path), opts) : null;
    if (oauth2 && signIn === null)
        return null;
    const response = failure !== undefined && !oauth2 ? compileFailureResponse(failure, failurePath, ctx) : null;
    const compiled = compilePolicy(policy, path, ctx, deploymentName, signIn === null ? opts : { ...opts, wrapExtractor: (e) => signIn.wrapExtractor(e) });
    if (compiled === null || ctx.issues.length > before)
        return null;
    if (signIn !== null)
        signIn.attach(compiled);
    if (response !== null)
        compiled.failureResponse = response;
    return compiled;
}
function compilePolicy(policy, path, ctx, deploymentName, opts = {}) {
    if (policy.type === 'CUSTOM_AUTHENTICATION') {
        return compileCustomAuthentication(policy, path, ctx, deploymentName ?? deploymentLabel(path), {
            clock: opts.clock ?? coarseClock,
            functions: opts.functions,
            ...(opts.decisionCacheMaxEntries !== undefined ? { maxEntries: opts.decisionCacheMaxEntries } : {}),
        });
    }
    const cfg = policy;
    const before = ctx.issues.length;
    const keysPath = cfg.type === 'JWT_AUTHENTICATION' ? `${path}.publicKeys` : `${path}.validationPolicy`;
    const source = cfg.type === 'JWT_AUTHENTICATION' ? cfg.publicKeys : cfg.validationPolicy;
    // OCI's AdditionalValidationPolicy is a field of the validation policy (TokenAuthenticationValidationPolicy).
    const extra = cfg.type === 'TOKEN_AUTHENTICATION' ? cfg.validationPolicy.additionalValidationPolicy : undefined;
    const extraPath = `${keysPath}.additionalValidationPolicy`;
    const issuers = cfg.type === 'JWT_AUTHENTICATION' ? cfg.issuers : extra?.issuers;
    const audiences = cfg.type === 'JWT_AUTHENTICATION' ? cfg.audiences : extra?.audiences;
    const verifyClaims = cfg.type === 'JWT_AUTHENTICATION' ? cfg.verifyClaims : extra?.verifyClaims;
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
    const scheme = header === null ? null : (cfg.tokenAuthScheme ?? (header.toLowerCase() === 'authorization' ? AUTH_DEFAULTS.tokenAuthScheme : null));
    if (scheme !== null && /\s/.test(scheme))
        ctx.issue(`${path}.tokenAuthScheme`, 'must be one word');
    const issuerFromDiscovery = issuers === undefined && source.type === 'REMOTE_DISCOVERY';
    // OCI loads these; they deserve a look, so `validate`, `serve` and /admin/auth show them.
    if (issuers === undefined && !issuerFromDiscovery) {
        ctx.warn(`${extraPath}.issuers`, 'no issuers: the iss claim is not checked, so a token from any issuer these keys sign for is accepted');
    }
    if (audiences === undefined) {
        ctx.warn(`${extraPath}.audiences`, 'no audiences: the aud claim is not checked, so a token the issuer made for any other API is accepted');
    }
    const clientDetails = source.type === 'REMOTE_DISCOVERY' ? source.clientDetails : undefined;
    if (source.type === 'REMOTE_DISCOVERY' && clientDetails !== undefined) {
        // RFC 7662 introspection instead of keys (src/auth/introspection.ts).
        if (!('secrets' in opts))
            ctx.issue(`${keysPath}.clientDetails`, 'not supported yet: token introspection needs the secrets: map');
        if (cfg.allowedAlgorithms !== undefined)
            ctx.issue(`${path}.allowedAlgorithms`, 'does not apply with clientDetails: introspection checks no signature');
        if (cfg.isAccessTokenTypeRequired !== undefined)
            ctx.issue(`${path}.isAccessTokenTypeRequired`, 'does not apply with clientDetails: introspection reads no JOSE header');
        if (ctx.issues.length > before)
            return null;
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
    if (store === null || ctx.issues.length > before)
        return null;
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
        cache: ctx.registry.acquire(`authcache:${label} ${createHash('sha256').update(JSON.stringify([policy, opts.decisionCacheMaxEntries, opts.decisionCacheCapMs])).digest('base64url')}`, () => new DecisionCache({
            ...(opts.decisionCacheMaxEntries !== undefined ? { maxEntries: opts.decisionCacheMaxEntries } : {}),
            ...(opts.decisionCacheCapMs !== undefined ? { capMs: opts.decisionCacheCapMs } : {}),
        }), (c) => c.clear()),
        clock,
        stats: authStats(ctx.registry, label),
    });
}
/**
 * Compiles a route's `requestPolicies.authorization` (undefined → AUTHENTICATION_ONLY when the
 * deployment authenticates). Returns null when there is nothing to check.
 */
export function compileAuthorization(policy, path, ctx, authentication) {
    const cfg = policy;
    const stats = authentication instanceof Authenticator || authentication instanceof CustomAuthenticator || authentication instanceof IntrospectionAuthenticator
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
        if (cfg !== undefined)
            ctx.issue(path, `${type} needs requestPolicies.authentication on the deployment`);
        return null;
    }
    if (type === 'ANY_OF')
        return createAnyOfScopes(cfg.allowedScope, stats, nowMs);
    return authentication.allowsAnonymous ? createAuthenticatedOnly(stats, nowMs) : null;
}
/**
 * State for `GET /admin/auth`: JWKS state per source; introspection endpoints and authorizer
 * functions of the plan in service (calls by result, cache lookups and size, last error); which
 * dynamicAuthentication server and dynamic routing backend requests went to; decisions per
 * deployment; recent failures.
 */
export function authAdminState(ctx) {
    const now = Date.now();
    const registry = ctx.registry;
    return {
        jwks: registry.list('jwks:').map((s) => s.adminState(now)),
        introspection: registry.list(LIVE_INTROSPECTION).map((p) => p.adminState()),
        authorizers: registry.list(LIVE_AUTHORIZERS).map((p) => p.adminState()),
        dynamicAuthentication: dynamicAuthenticationSummary(registry),
        dynamicRouting: dynamicRoutingSummary(registry),
        revocations: revocationSummary(registry),
        decisions: decisionSummary(ctx.registry),
        ...failureSummary(ctx.registry),
    };
}
