/**
 * Config fragments shared by the browser sign-in tests (issue 17), so each test states only what
 * differs: the gateway's TOKEN_AUTHENTICATION policy whose validationFailurePolicy is OAUTH2, the
 * OAUTH2_LOGIN_BACKEND route, and the oidc-provider setup for the web application (client `web`,
 * JWT access tokens for one API so the gateway can check them with the provider's keys).
 */
import type { StartOidcProviderOptions } from './oidc_provider.ts';

/** The web application's client id, at the provider and in the gateway's clientDetails. */
export const WEB_CLIENT_ID = 'web';

export interface SignInPolicyOptions {
  discoveryUri: string;
  /** The API the access tokens are for (additionalValidationPolicy.audiences). */
  audience: string;
  /** Vault OCID of the client secret (resolved through `secrets:`). */
  clientSecretId: string;
  clientSecretVersionNumber?: number;
  scopes: string[];
  /** The rest of the OAUTH2 validationFailurePolicy (usePkce, loginPath, cookies, sessionKeys, ...). */
  failure?: Record<string, unknown>;
}

/** TOKEN_AUTHENTICATION by REMOTE_DISCOVERY whose failure sends a browser to sign in (OAUTH2, code flow). */
export function signInPolicy(o: SignInPolicyOptions): Record<string, unknown> {
  return {
    type: 'TOKEN_AUTHENTICATION',
    validationPolicy: {
      type: 'REMOTE_DISCOVERY',
      sourceUriDetails: { type: 'DISCOVERY_URI', uri: o.discoveryUri },
      additionalValidationPolicy: { audiences: [o.audience] },
    },
    validationFailurePolicy: {
      type: 'OAUTH2',
      clientDetails: {
        type: 'CUSTOM',
        clientId: WEB_CLIENT_ID,
        clientSecretId: o.clientSecretId,
        ...(o.clientSecretVersionNumber === undefined ? {} : { clientSecretVersionNumber: o.clientSecretVersionNumber }),
      },
      sourceUriDetails: { type: 'VALIDATION_BLOCK' },
      scopes: o.scopes,
      responseType: 'CODE',
      ...o.failure,
    },
  };
}

/** The route the provider sends the browser back to (loginPath '/callback'). */
export const loginRoute = { path: '/callback', methods: ['GET'], backend: { type: 'OAUTH2_LOGIN_BACKEND' } };

export interface WebAppProviderOptions {
  /** The API (resource indicator and audience) the provider issues JWT access tokens for, scope `read`. */
  api: string;
  clientSecret: string;
  redirectUris: string[];
  /** Scopes the provider knows besides openid and offline_access (default ['read']). */
  scopes?: string[];
  /** More client metadata, over the defaults (code flow, authorization_code grant). */
  client?: Record<string, unknown>;
  /** Life of an access token, seconds (default 600). */
  accessTokenTtlSec?: number;
  /** Claims besides `sub` for a signed-in account. */
  claims?: (sub: string) => Record<string, unknown>;
  /** Merged over the configuration (findAccount). */
  configuration?: Record<string, unknown>;
}

/** startOidcProvider options for the web application: one client `web`, JWT access tokens for `api`. */
export function webAppProvider(o: WebAppProviderOptions): StartOidcProviderOptions {
  return {
    scopes: o.scopes ?? ['read'],
    clients: [
      {
        client_id: WEB_CLIENT_ID,
        client_secret: o.clientSecret,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: o.redirectUris,
        ...o.client,
      },
    ],
    features: {
      // JWT access tokens for the API, so the gateway's TOKEN policy checks them with the provider's keys.
      resourceIndicators: {
        enabled: true,
        defaultResource: () => o.api,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({ scope: 'read', audience: o.api, accessTokenFormat: 'jwt', accessTokenTTL: o.accessTokenTtlSec ?? 600 }),
      },
    },
    configuration: {
      findAccount: (_ctx: unknown, sub: string) => ({ accountId: sub, claims: () => ({ sub, ...o.claims?.(sub) }) }),
      ...o.configuration,
    },
  };
}

/** The deployment at /app named `web` (its cookies are gatehouse_web*), behind `authentication`. */
export function webDeployment(d: { authentication: Record<string, unknown>; routes: Record<string, unknown>[] }): Record<string, unknown> {
  return { name: 'web', pathPrefix: '/app', specification: { requestPolicies: { authentication: d.authentication }, routes: d.routes } };
}
