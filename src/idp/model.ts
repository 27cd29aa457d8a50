/**
 * The identity provider's records, shaped after Auth0's object model (docs/token-service.md): APIs
 * (resource servers), applications (clients), client grants and signing keys.
 */

export type SigningAlg = 'RS256' | 'PS256' | 'ES256' | 'EdDSA' | 'HS256';
export type AsymmetricAlg = Exclude<SigningAlg, 'HS256'>;
export const SIGNING_ALGS: readonly SigningAlg[] = ['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256'];

/**
 * Auth0's `token_dialect` values. `*_authz` adds `permissions` (the granted scopes). `opaque` is
 * ours: an access token only introspection can read (opaque_token.ts).
 */
export type TokenDialect = 'access_token' | 'access_token_authz' | 'rfc9068_profile' | 'rfc9068_profile_authz' | 'opaque';
export const TOKEN_DIALECTS: readonly TokenDialect[] = ['access_token', 'access_token_authz', 'rfc9068_profile', 'rfc9068_profile_authz', 'opaque'];

/** Where a record came from: the config seed, the management plane (API/CLI), or the provider itself. */
export type Origin = 'config' | 'managed' | 'system';

export interface ScopeDef {
  value: string;
  description: string;
}

/** An API (Auth0 resource server). `identifier` is the audience, compared byte for byte. */
export interface ApiRecord {
  id: string;
  name: string;
  identifier: string;
  signingAlg: SigningAlg;
  /** HS256 only: the shared secret, in clear in memory (encrypted at rest with a master key). */
  signingSecret: string | null;
  tokenLifetimeSec: number;
  scopes: ScopeDef[];
  tokenDialect: TokenDialect;
  origin: Origin;
  createdAt: string;
}

/** An application (Auth0 client); only the secret's hash is kept. */
export interface ClientRecord {
  clientId: string;
  name: string;
  /** `scrypt$...` (see secret_hash.ts). */
  secretHash: string;
  grantTypes: string[];
  origin: Origin;
  createdAt: string;
}

/** A client grant: one per (application, API) pair. It names the API by id, so it survives an issuer change. */
export interface GrantRecord {
  id: string;
  clientId: string;
  apiId: string;
  scopes: string[];
}

export type KeyState = 'next' | 'current' | 'previous' | 'revoked';

/** A signing key of one algorithm family; each family has one current and one next key. */
export interface KeyRecord {
  kid: string;
  alg: AsymmetricAlg;
  state: KeyState;
  /** PKCS#8 PEM in memory; the store seals it with the master key at rest (key_envelope.ts). */
  privateKey: string;
  /** Public JWK members only (kty, n/e or crv/x/y). */
  publicJwk: Record<string, string>;
  /** Base64 DER of the self-signed certificate published as `x5c`. */
  certDer: string;
  createdAt: string;
  currentSince: string | null;
  currentUntil: string | null;
  revokedAt: string | null;
}

/** Everything the store holds, as loaded in one go. */
export interface StoreContents {
  apis: ApiRecord[];
  clients: ClientRecord[];
  grants: GrantRecord[];
  keys: KeyRecord[];
}
