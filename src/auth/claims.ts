/**
 * Claim checks (docs/token-validation.md, "What is checked") and the identity handed downstream.
 * Each check returns a reason or null; none throws.
 */
import type { AuthContext } from '../types.ts';
import type { AuthReason } from './types.ts';
import type { VerifyClaimConfig } from './config.ts';

/** `exp` required; `nbf` honoured; `iat`, when present, must be a number (as jose). Times in seconds. */
export function checkTimes(payload: Record<string, unknown>, nowSec: number, skewSec: number): AuthReason | null {
  const exp = payload['exp'];
  if (exp === undefined) return 'exp_missing';
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return 'token_malformed';
  const nbf = payload['nbf'];
  if (nbf !== undefined && (typeof nbf !== 'number' || !Number.isFinite(nbf))) return 'token_malformed';
  const iat = payload['iat'];
  if (iat !== undefined && (typeof iat !== 'number' || !Number.isFinite(iat))) return 'token_malformed';
  if (exp <= nowSec - skewSec) return 'expired';
  if (nbf !== undefined && (nbf as number) > nowSec + skewSec) return 'not_yet_valid';
  return null;
}

/** `iss` compared byte for byte against the list: no trailing-slash normalisation (Auth0 issuers end in a slash, Okta's do not). */
export function issuerAllowed(payload: Record<string, unknown>, issuers: readonly string[]): boolean {
  const iss = payload['iss'];
  return typeof iss === 'string' && issuers.includes(iss);
}

/** `aud` as a string or an array; passes when any element is configured (RFC 7519 §4.1.3). */
export function audienceAllowed(payload: Record<string, unknown>, audiences: readonly string[]): boolean {
  const aud = payload['aud'];
  if (typeof aud === 'string') return audiences.includes(aud);
  if (!Array.isArray(aud)) return false;
  for (const a of aud) if (typeof a === 'string' && audiences.includes(a)) return true;
  return false;
}

export interface ClaimCheck {
  readonly key: string;
  /** Allowed values; null means any value (presence only). */
  readonly values: ReadonlySet<string> | null;
  readonly required: boolean;
}

export function compileClaimChecks(list: readonly VerifyClaimConfig[] | undefined): ClaimCheck[] {
  return (list ?? []).map((c) => ({
    key: c.key,
    values: c.values !== undefined && c.values.length > 0 ? new Set(c.values) : null,
    required: c.isRequired === true,
  }));
}

function claimValueAllowed(value: unknown, values: ReadonlySet<string>): boolean {
  if (typeof value === 'string') return values.has(value);
  if (typeof value === 'number' || typeof value === 'boolean') return values.has(String(value));
  if (Array.isArray(value)) {
    for (const v of value) if ((typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') && values.has(String(v))) return true;
  }
  return false;
}

/** OCI verifyClaims: a required claim must be present; a present claim must have an allowed value (any-of). */
export function claimsAllowed(payload: Record<string, unknown>, checks: readonly ClaimCheck[]): boolean {
  for (let i = 0; i < checks.length; i++) {
    const c = checks[i] as ClaimCheck;
    const value = payload[c.key];
    if (value === undefined || value === null) {
      if (c.required) return false;
      continue;
    }
    if (c.values !== null && !claimValueAllowed(value, c.values)) return false;
  }
  return true;
}

function addWords(out: Set<string>, value: unknown): void {
  if (typeof value === 'string') {
    for (const w of value.split(' ')) if (w !== '') out.add(w);
  } else if (Array.isArray(value)) {
    for (const v of value) if (typeof v === 'string' && v !== '') out.add(v);
  }
}

/**
 * Granted scopes: `scope` (space-separated; Auth0, Keycloak, oidc-provider) ∪ `scp` (array: Okta,
 * Azure; or string) ∪ `permissions` (array: Auth0 RBAC).
 */
export function grantedScopes(payload: Record<string, unknown>): Set<string> {
  const out = new Set<string>();
  addWords(out, payload['scope']);
  addWords(out, payload['scp']);
  addWords(out, payload['permissions']);
  return out;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** The identity handed downstream; built once per verified token. */
export function buildAuthContext(payload: Record<string, unknown>): AuthContext {
  return Object.freeze({
    claims: Object.freeze(payload),
    scopes: grantedScopes(payload),
    subject: str(payload['sub']),
    // azp (Auth0, Keycloak) ?? client_id (RFC 9068) ?? cid (Okta) ?? clientId (old Keycloak).
    clientId: str(payload['azp']) ?? str(payload['client_id']) ?? str(payload['cid']) ?? str(payload['clientId']),
  });
}
