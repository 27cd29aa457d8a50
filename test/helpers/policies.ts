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
