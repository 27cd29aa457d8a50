/**
 * The shapes of the admin API answers the console reads (docs/troubleshooting.md and
 * docs/admin-api.md describe them). Only the fields the console shows are declared; everything is
 * read defensively, since an older or newer gateway may answer with more or fewer.
 */

export interface PlanPath {
  path: string;
  methods: string[];
  backend: string;
  authenticated: boolean;
}

export interface PlanDeployment {
  name: string;
  pathPrefix: string;
  routes: number;
  paths: PlanPath[];
}

/** GET /admin/plan */
export interface AdminPlan {
  deployments: PlanDeployment[];
  warnings: unknown[];
  /** The configuration as loaded, secrets redacted. */
  config: Record<string, unknown>;
}

/** A key of a key store; older gateways say `type`/`algs`, the documented shape `kty`/`alg`. */
export interface JwksKey {
  kid: string | null;
  type?: string;
  kty?: string;
  algs?: string[];
  alg?: string;
  bits?: number;
}

export interface KeyStoreState {
  source: string;
  type: string;
  jwksUri?: string | null;
  issuer?: string | null;
  usable: boolean;
  keys: JwksKey[];
  refused?: unknown[];
  ageSeconds: number | null;
  lastGoodFetch?: string | null;
  nextRefresh?: string | null;
  lastError?: string | null;
  lastErrorAt?: string | null;
  consecutiveFailures?: number;
  fetches?: number;
  failures?: number;
}

export interface AuthFailure {
  at: string;
  deployment: string;
  reason: string;
  route?: string;
}

/** GET /admin/auth */
export interface AdminAuth {
  jwks: KeyStoreState[];
  decisions: Record<string, { reasons: Record<string, number>; cacheHits: number; cacheMisses: number }>;
  recentFailures: AuthFailure[];
  failuresByReason: Record<string, number>;
  warnings: unknown[];
}

export interface LastReload {
  at: string;
  result: 'applied' | 'rejected';
  errors: string[];
}

/** GET /admin/info */
export interface AdminInfo {
  dataUrl: string;
  adminUrl: string;
  idpUrl: string | null;
  startedAt: string;
  lastReload: LastReload | null;
  inFlight: number;
  pid: number;
}

/** GET /health/ready (200 or 503, both with this body) */
export interface Readiness {
  status: string;
  reasons: { deployment?: string; keySource?: string; reason: string }[];
}

/** GET /admin/functions: one pool per function (remote functions have null counts). */
export type { FunctionState } from '../../lib/function_state.ts';

/** GET /admin/whoami */
export interface WhoAmI {
  authenticated: boolean;
  via: 'key' | 'token';
  subject: string;
  clientId?: string;
  scopes: string[];
  expiresAt: string | null;
  openReads: boolean;
}

/** POST /admin/reload */
export interface ReloadAnswer {
  applied: boolean;
  errors: string[];
}

/** GET /admin/idp */
export interface IdpInfo {
  issuer: string;
  url: string;
  tokenUrl: string;
  jwksUri: string;
  managementAudience: string;
  adminScope: string;
}

export interface IdpApi {
  id: string;
  name: string;
  identifier: string;
  scopes: { value: string; description?: string }[];
  signing_alg: string;
  token_lifetime: number;
  token_dialect: string;
  is_system: boolean;
  origin: string;
  created_at?: string;
}

export interface IdpApplication {
  client_id: string;
  name: string;
  app_type: string;
  grant_types: string[];
  origin: string;
  created_at?: string;
  /** Only in the answer that created it. */
  client_secret?: string;
}

export interface IdpGrant {
  id: string;
  client_id: string;
  audience: string;
  scope: string[];
}

export interface IdpKey {
  kid: string;
  alg: string;
  state: 'next' | 'current' | 'previous' | 'revoked';
  created_at?: string;
  current_since?: string;
  current_until?: string;
  revoked_at?: string;
  fingerprint?: string;
}

/** POST /admin/idp/test-token */
export interface TestToken {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope?: string;
  route: { deployment: string; method: string; url: string } | null;
  curl: string;
}
