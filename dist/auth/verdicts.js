/** RFC 6750 §3.1: a request without any token gets a bare challenge, with no error code. */
export const CHALLENGE_MISSING = 'Bearer';
/** RFC 6750 §3.1: the token is expired, revoked, malformed or invalid for other reasons. */
export const CHALLENGE_INVALID = 'Bearer error="invalid_token"';
/** RFC 6750 §3.1: the token lacks the scope the route requires. */
export const CHALLENGE_SCOPE = 'Bearer error="insufficient_scope"';
function verdict(status, reason, auth, challenge) {
    return Object.freeze({ status, reason, auth, challenge });
}
const DENIALS = new Map();
/** The shared 401/403/503 verdict for `reason`. */
export function denial(reason) {
    let v = DENIALS.get(reason);
    if (v === undefined) {
        if (reason === 'keys_unavailable' || reason === 'introspection_unavailable')
            v = verdict(503, reason, null, null);
        else if (reason === 'scope_insufficient')
            v = verdict(403, reason, null, CHALLENGE_SCOPE);
        else if (reason === 'token_missing')
            v = verdict(401, reason, null, CHALLENGE_MISSING);
        else
            v = verdict(401, reason, null, CHALLENGE_INVALID);
        DENIALS.set(reason, v);
    }
    return v;
}
/** Anonymous access allowed and no token sent. */
export const ANONYMOUS = verdict(0, 'anonymous', null, null);
/** The verdict of a verified token; built once per token and then served from the decision cache. */
export function allowed(auth) {
    return verdict(0, 'ok', auth, null);
}
/**
 * Every reason, in a fixed order: the one list AuthReason is derived from (types.ts). Metrics and
 * the admin API index counters by position, and stats.ts relies on 0 = ok and 1 = anonymous (the
 * allowed outcomes), so new reasons go at the end.
 */
export const ALL_REASONS = [
    'ok',
    'anonymous',
    'token_missing',
    'token_malformed',
    'token_too_large',
    'alg_not_allowed',
    'header_forbidden',
    'crit_unsupported',
    'kid_unknown',
    'key_unusable',
    'signature_invalid',
    'expired',
    'not_yet_valid',
    'exp_missing',
    'issuer_invalid',
    'audience_invalid',
    'claim_invalid',
    'scope_insufficient',
    'keys_unavailable',
    'authorizer_denied',
    'authorizer_invalid_response',
    'authorizer_failed',
    'authorizer_timeout',
    'server_unmatched',
    'token_inactive',
    'introspection_unavailable',
    'sign_in_callback',
    'token_type_invalid',
    'token_revoked',
];
