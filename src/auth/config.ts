/**
 * TypeScript view of the authentication and authorization policies after the schema
 * (config/schema/auth.ts) accepted them. Field names and enum values are OCI's.
 */

export interface VerifyClaimConfig {
  key: string;
  values?: string[];
  isRequired?: boolean;
}

/** A key written inline: a JWK (OCI `JSON_WEB_KEY`) or a PEM public key / certificate. */
export interface StaticKeyConfig {
  format: 'JSON_WEB_KEY' | 'PEM';
  kid?: string;
  key?: string;
  kty?: string;
  use?: string;
  keyOps?: string[];
  key_ops?: string[];
  alg?: string;
  n?: string;
  e?: string;
  crv?: string;
  x?: string;
  y?: string;
  [member: string]: unknown;
}

/** OCI's AdditionalValidationPolicy: a field of every TOKEN_AUTHENTICATION validation policy. */
export interface AdditionalValidationPolicyConfig {
  issuers?: string[];
  audiences?: string[];
  verifyClaims?: VerifyClaimConfig[];
}

export interface RemoteJwksConfig {
  type: 'REMOTE_JWKS';
  uri: string;
  maxCacheDurationInHours?: number;
  isSslVerifyDisabled?: boolean;
}

export interface StaticKeysConfig {
  type: 'STATIC_KEYS';
  keys: StaticKeyConfig[];
}

export interface RemoteDiscoveryConfig {
  type: 'REMOTE_DISCOVERY';
  sourceUriDetails: { type: 'DISCOVERY_URI'; uri: string };
  maxCacheDurationInHours?: number;
  isSslVerifyDisabled?: boolean;
}

export type KeySourceConfig = RemoteJwksConfig | StaticKeysConfig | RemoteDiscoveryConfig;

interface TokenLocation {
  tokenHeader?: string;
  tokenAuthScheme?: string;
  tokenQueryParam?: string;
  isAnonymousAccessAllowed?: boolean;
  maxClockSkewInSeconds?: number;
  /** Gatehouse extension: longest token, in bytes. Default: bounded only by server.maxHeaderBytes. */
  maxTokenSizeInBytes?: number;
  /** Gatehouse extension: the only `alg` values accepted (RFC 8725 §3.1). Default: what the key allows. */
  allowedAlgorithms?: string[];
  /** Gatehouse extension: the JOSE header `typ` must be `at+jwt` (RFC 9068 §4). Default false. */
  isAccessTokenTypeRequired?: boolean;
}

export interface JwtAuthenticationConfig extends TokenLocation {
  type: 'JWT_AUTHENTICATION';
  issuers: string[];
  audiences: string[];
  publicKeys: RemoteJwksConfig | StaticKeysConfig;
  verifyClaims?: VerifyClaimConfig[];
}

export interface TokenAuthenticationConfig extends TokenLocation {
  type: 'TOKEN_AUTHENTICATION';
  /** With OCI's additionalValidationPolicy inside it (TokenAuthenticationValidationPolicy). */
  validationPolicy: KeySourceConfig & { additionalValidationPolicy?: AdditionalValidationPolicyConfig };
  /** Not an OCI field here: the schema lets it through so compile can say where it belongs. */
  additionalValidationPolicy?: unknown;
}

export type AuthenticationConfig = JwtAuthenticationConfig | TokenAuthenticationConfig;

export type AuthorizationConfig =
  | { type: 'ANONYMOUS' }
  | { type: 'AUTHENTICATION_ONLY' }
  | { type: 'ANY_OF'; allowedScope: string[] };

/** Defaults applied at compile time (the schema documents them). */
export const AUTH_DEFAULTS = {
  tokenHeader: 'Authorization',
  tokenAuthScheme: 'Bearer',
  maxClockSkewInSeconds: 0,
  maxCacheDurationInHours: 1,
} as const;
