/** `exp` required; `nbf` honoured; `iat`, when present, must be a number (as jose). Times in seconds. */
export function checkTimes(payload, nowSec, skewSec) {
    const exp = payload['exp'];
    if (exp === undefined)
        return 'exp_missing';
    if (typeof exp !== 'number' || !Number.isFinite(exp))
        return 'token_malformed';
    const nbf = payload['nbf'];
    if (nbf !== undefined && (typeof nbf !== 'number' || !Number.isFinite(nbf)))
        return 'token_malformed';
    const iat = payload['iat'];
    if (iat !== undefined && (typeof iat !== 'number' || !Number.isFinite(iat)))
        return 'token_malformed';
    if (exp <= nowSec - skewSec)
        return 'expired';
    if (nbf !== undefined && nbf > nowSec + skewSec)
        return 'not_yet_valid';
    return null;
}
/** `iss` compared byte for byte against the list: no trailing-slash normalisation (Auth0 issuers end in a slash, Okta's do not). */
export function issuerAllowed(payload, issuers) {
    const iss = payload['iss'];
    return typeof iss === 'string' && issuers.includes(iss);
}
/** `aud` as a string or an array; passes when any element is configured (RFC 7519 §4.1.3). */
export function audienceAllowed(payload, audiences) {
    const aud = payload['aud'];
    if (typeof aud === 'string')
        return audiences.includes(aud);
    if (!Array.isArray(aud))
        return false;
    for (const a of aud)
        if (typeof a === 'string' && audiences.includes(a))
            return true;
    return false;
}
export function compileClaimChecks(list) {
    return (list ?? []).map((c) => ({
        key: c.key,
        values: c.values !== undefined && c.values.length > 0 ? new Set(c.values) : null,
        required: c.isRequired === true,
    }));
}
function claimValueAllowed(value, values) {
    if (typeof value === 'string')
        return values.has(value);
    if (typeof value === 'number' || typeof value === 'boolean')
        return values.has(String(value));
    if (Array.isArray(value)) {
        for (const v of value)
            if ((typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') && values.has(String(v)))
                return true;
    }
    return false;
}
/** OCI verifyClaims: a required claim must be present; a present claim must have an allowed value (any-of). */
export function claimsAllowed(payload, checks) {
    for (let i = 0; i < checks.length; i++) {
        const c = checks[i];
        const value = payload[c.key];
        if (value === undefined || value === null) {
            if (c.required)
                return false;
            continue;
        }
        if (c.values !== null && !claimValueAllowed(value, c.values))
            return false;
    }
    return true;
}
function addWords(out, value) {
    if (typeof value === 'string') {
        for (const w of value.split(' '))
            if (w !== '')
                out.add(w);
    }
    else if (Array.isArray(value)) {
        for (const v of value)
            if (typeof v === 'string' && v !== '')
                out.add(v);
    }
}
/**
 * Granted scopes: `scope` (space-separated; Auth0, Keycloak, oidc-provider) ∪ `scp` (array: Okta,
 * Azure; or string) ∪ `permissions` (array: Auth0 RBAC).
 */
export function grantedScopes(payload) {
    const out = new Set();
    addWords(out, payload['scope']);
    addWords(out, payload['scp']);
    addWords(out, payload['permissions']);
    return out;
}
function str(v) {
    return typeof v === 'string' ? v : undefined;
}
/** The identity handed downstream; built once per verified token. */
export function buildAuthContext(payload) {
    return Object.freeze({
        claims: Object.freeze(payload),
        scopes: grantedScopes(payload),
        subject: str(payload['sub']),
        // azp (Auth0, Keycloak) ?? client_id (RFC 9068) ?? cid (Okta) ?? clientId (old Keycloak).
        clientId: str(payload['azp']) ?? str(payload['client_id']) ?? str(payload['cid']) ?? str(payload['clientId']),
    });
}
