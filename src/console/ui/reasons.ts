/**
 * What each authentication failure reason means, in a line, for the failures table (the full
 * table with fixes is docs/troubleshooting.md). Unknown reasons are shown as they are.
 */
const REASONS: Record<string, string> = {
  token_missing: 'No token where the policy looks (header and scheme, or query parameter).',
  token_malformed: 'Not a JWT: not three base64url parts of JSON, several Authorization headers, or a wrong scheme.',
  token_too_large: 'The token is over the size limit.',
  alg_not_allowed: 'The token is signed with an algorithm that is not allowed (none, HMAC, or one the key lacks).',
  header_forbidden: 'The token carries jku, x5u or jwk, which the gateway never follows.',
  crit_unsupported: 'A crit header names an extension the gateway does not know.',
  kid_unknown: 'No key in the key set has the token\u2019s kid, even after a refetch.',
  key_unusable: 'The key exists but cannot verify this token.',
  signature_invalid: 'The signature does not match: the token was altered or signed by another key.',
  expired: 'The token\u2019s exp is in the past (beyond the allowed clock skew).',
  not_yet_valid: 'The token\u2019s nbf is in the future.',
  exp_missing: 'The token has no exp claim.',
  issuer_invalid: 'iss is not one of the configured issuers (compared exactly, trailing slash included).',
  audience_invalid: 'No aud value is one of the configured audiences.',
  claim_invalid: 'A verifyClaims entry failed (missing, or a value not listed).',
  scope_insufficient: 'Authenticated, but none of the allowed scopes is granted.',
  server_unmatched: 'dynamicAuthentication: no authentication server matches and there is no default.',
  keys_unavailable: 'The gateway has no usable keys for this deployment (the key set could not be fetched).',
  token_inactive: 'The introspection endpoint says the token is not active.',
  introspection_unavailable: 'The introspection endpoint could not be asked.',
  authorizer_denied: 'The authorizer function denied the request.',
  authorizer_failed: 'The authorizer function failed or answered something malformed.',
  authorizer_timeout: 'The authorizer function did not answer in time.',
  token_type_invalid: 'RFC 9068 mode: the token\u2019s typ header is not at+jwt (an ID token, or another profile).',
  token_revoked: 'The token\u2019s jti is on the revocation list (/admin/revocations).',
};

/** A sentence for `reason`, or null when the console does not know it. */
export function explainReason(reason: string): string | null {
  return REASONS[reason] ?? null;
}
