/** Config fragments shared by the end-to-end tests. */

/** An OCI JWT_AUTHENTICATION policy reading `Authorization: Bearer`, keys from `jwksUri`. */
export function jwtPolicy(opts: { issuer: string; audience: string; jwksUri: string } & Record<string, unknown>): Record<string, unknown> {
  const { issuer, audience, jwksUri, ...extra } = opts;
  return {
    type: 'JWT_AUTHENTICATION',
    tokenHeader: 'Authorization',
    tokenAuthScheme: 'Bearer',
    issuers: [issuer],
    audiences: [audience],
    publicKeys: { type: 'REMOTE_JWKS', uri: jwksUri, maxCacheDurationInHours: 1 },
    ...extra,
  };
}

/**
 * An OCI TOKEN_AUTHENTICATION policy reading `Authorization: Bearer`, by REMOTE_DISCOVERY at
 * `discoveryUri`; with `introspectionClient` the gateway introspects tokens (RFC 7662) as that
 * client (secret version 1). `extra` goes on the policy (e.g. isAccessTokenTypeRequired).
 */
export function discoveryPolicy(opts: {
  discoveryUri: string;
  audiences: string[];
  issuers?: string[];
  introspectionClient?: { clientId: string; clientSecretId: string };
} & Record<string, unknown>): Record<string, unknown> {
  const { discoveryUri, audiences, issuers, introspectionClient, ...extra } = opts;
  return {
    type: 'TOKEN_AUTHENTICATION',
    tokenHeader: 'Authorization',
    tokenAuthScheme: 'Bearer',
    ...extra,
    validationPolicy: {
      type: 'REMOTE_DISCOVERY',
      sourceUriDetails: { type: 'DISCOVERY_URI', uri: discoveryUri },
      ...(introspectionClient === undefined ? {} : { clientDetails: { type: 'CUSTOM', ...introspectionClient, clientSecretVersionNumber: 1 } }),
      additionalValidationPolicy: { ...(issuers === undefined ? {} : { issuers }), audiences },
    },
  };
}
