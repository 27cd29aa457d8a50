import { resolveSecret } from '../../lib/secrets.js';
import { keyUriProblem } from '../jwks/http_fetch.js';
import { OpenIdProvider } from './provider.js';
import { compileSessionKeys } from './session_keys.js';
import { deploymentPath, OAuth2SignIn, SignInMemory } from './sign_in.js';
import { Lru } from '../../lib/lru.js';
import { signInStats } from './stats.js';
/** Compiles the policy at `path` (schema-valid) for the authentication policy `auth`; null when there are problems. */
export function compileOAuth2(cfg, path, auth, ctx, opts) {
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
    let clientId = null;
    let secretId = null;
    if (cfg.clientDetails.type === 'CUSTOM') {
        clientId = cfg.clientDetails.clientId;
        secretId = cfg.clientDetails.clientSecretId;
    }
    else if (vp?.type === 'REMOTE_DISCOVERY' && vp.clientDetails?.type === 'CUSTOM' && vp.clientDetails.clientId !== undefined) {
        clientId = vp.clientDetails.clientId;
        secretId = vp.clientDetails.clientSecretId ?? null;
    }
    else
        ctx.issue(`${path}.clientDetails`, 'VALIDATION_BLOCK needs a REMOTE_DISCOVERY validationPolicy with clientDetails type CUSTOM');
    let uri = null;
    if (cfg.sourceUriDetails.type === 'DISCOVERY_URI')
        uri = cfg.sourceUriDetails.uri;
    else if (vp?.type === 'REMOTE_DISCOVERY' && vp.sourceUriDetails !== undefined)
        uri = vp.sourceUriDetails.uri;
    else
        ctx.issue(`${path}.sourceUriDetails`, 'VALIDATION_BLOCK needs a REMOTE_DISCOVERY validationPolicy');
    if (uri !== null) {
        const problem = keyUriProblem(uri, insecure);
        if (problem !== null)
            ctx.issue(cfg.sourceUriDetails.type === 'DISCOVERY_URI' ? `${path}.sourceUriDetails.uri` : `${path}.sourceUriDetails`, problem);
    }
    if (cfg.loginPath !== undefined && cfg.loginPath === cfg.logoutPath)
        ctx.issue(`${path}.loginPath`, 'must differ from logoutPath');
    const keys = compileSessionKeys(cfg.sessionKeys, cfg.sessionKeyGraceHours, path, ctx, opts.secrets, opts.clock);
    if (ctx.issues.length > before || uri === null || clientId === null || secretId === null || keys === null)
        return null;
    const idTokenKeys = opts.keyStoreFor(uri, insecure, path);
    if (idTokenKeys === null)
        return null;
    const secret = resolveSecret(opts.secrets, secretId, ctx.baseDir);
    if ('missing' in secret)
        ctx.warn(`${path}.clientDetails`, `${secret.missing}: sign-in answers 503 until it resolves`);
    const scopes = cfg.scopes.includes('openid') ? cfg.scopes : ['openid', ...cfg.scopes];
    const at = (p) => (p === undefined ? null : deploymentPath(opts.pathPrefix, p));
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
        opened: ctx.registry.acquire(`oauth2-opened:${opts.deployment}:${keys.id}`, () => new Lru({ maxEntries: 20_000, maxBytes: 64 * 1024 * 1024 }), (c) => c.clear()),
        counters: opts.counters,
        stats: signInStats(ctx.registry, opts.deployment),
        clock: opts.clock,
        clockSkewSec: auth.maxClockSkewInSeconds ?? 0,
        log: ctx.log,
    });
}
