/**
 * The `identityProvider` config section (schema: src/config/schema/idp.ts) with its defaults.
 */
import type { SigningAlg, TokenDialect } from './model.ts';

export interface ApiSection {
  name?: string;
  identifier: string;
  signingAlg?: SigningAlg;
  signingSecret?: string;
  tokenLifetime?: number;
  scopes?: (string | { value: string; description?: string })[];
  tokenDialect?: TokenDialect | 'rfc9068';
}

export interface ApplicationSection {
  name: string;
  clientId?: string;
  clientSecret?: string;
  grantTypes?: string[];
  grants?: { audience: string; scopes?: string[] }[];
}

/** The section as written in gatehouse.yaml, after validation and `${VAR}` interpolation. */
export interface IdentityProviderSection {
  host?: string;
  port?: number;
  issuer?: string;
  database?: string;
  defaultAudience?: string;
  management?: { clientId?: string; clientSecret?: string };
  apis?: ApiSection[];
  applications?: ApplicationSection[];
}

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 4000;
export const DEFAULT_DATABASE = '.gatehouse/idp.sqlite';
/** Auth0's default access-token lifetime, in seconds. */
export const DEFAULT_TOKEN_LIFETIME_SEC = 86_400;
/** Where secrets that the provider generated at first seed are written, relative to the config dir. */
export const GENERATED_SECRETS_FILE = '.gatehouse/idp-secrets.json';

/** `http://localhost:<port>/`, Auth0-style with its trailing slash, when no issuer is configured. */
export function defaultIssuer(port: number): string {
  return `http://localhost:${port}/`;
}

/** The management API's audience, as Auth0's `https://TENANT/api/v2/`. */
export function managementAudience(issuer: string): string {
  return `${issuer}api/v2/`;
}
