/**
 * The answer of an OCI authorizer function (CUSTOM_AUTHENTICATION), checked strictly: anything that
 * is not exactly the documented contract is refused, so a buggy function can never let a request in
 * (docs/token-validation.md, "Authorizer functions"). Fields outside the contract are ignored, as
 * OCI's samples may carry their own. The contract, from Oracle's samples:
 * `{"active":true,"principal":"...","scope":[...],"clientId":"...","expiresAt":"<ISO-8601>","context":{...}}`
 * or `{"active":false,"wwwAuthenticate":"..."}`.
 */
/** ISO-8601 date-time with an explicit offset (`Z` or `±hh:mm`), as OCI's samples send it. */
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})$/;
function isPlainObject(v) {
    return typeof v === 'object' && v !== null && !Array.isArray(v);
}
/**
 * Parses and checks the function's body. Returns the answer, or a message saying what is wrong
 * (for the log; it never quotes values, which may be credentials).
 */
export function parseAuthorizerAnswer(body, nowMs) {
    let v;
    try {
        v = JSON.parse(body);
    }
    catch {
        return 'answer is not JSON';
    }
    if (!isPlainObject(v))
        return 'answer is not a JSON object';
    if (typeof v['active'] !== 'boolean')
        return 'active must be a boolean';
    if (v['active'] === false) {
        const www = v['wwwAuthenticate'];
        if (www === undefined || www === null)
            return { active: false, wwwAuthenticate: undefined };
        // A header value the function chose: CR, LF or NUL would split the response head, and any other
        // control or non-ASCII character makes Node refuse the header (a 500 instead of this 502).
        if (typeof www !== 'string' || www === '' || /[^\t\x20-\x7e]/.test(www))
            return 'wwwAuthenticate must be a non-empty string without CR, LF, NUL, other control characters or non-ASCII ones';
        return { active: false, wwwAuthenticate: www };
    }
    const principal = v['principal'];
    if (typeof principal !== 'string' || principal === '')
        return 'principal must be a non-empty string';
    const expiresAt = v['expiresAt'];
    if (typeof expiresAt !== 'string' || !ISO_WITH_OFFSET.test(expiresAt))
        return 'expiresAt must be an ISO-8601 date-time with an offset';
    const expiresAtMs = Date.parse(expiresAt);
    if (!Number.isFinite(expiresAtMs))
        return 'expiresAt is not a valid date';
    if (expiresAtMs <= nowMs)
        return 'expiresAt is in the past';
    let scopes = [];
    const scope = v['scope'];
    if (typeof scope === 'string')
        scopes = scope.split(' ').filter((s) => s !== '');
    else if (Array.isArray(scope)) {
        if (!scope.every((s) => typeof s === 'string'))
            return 'scope must be an array of strings or a space-separated string';
        scopes = scope;
    }
    else if (scope !== undefined && scope !== null)
        return 'scope must be an array of strings or a space-separated string';
    const clientId = v['clientId'];
    if (clientId !== undefined && clientId !== null && typeof clientId !== 'string')
        return 'clientId must be a string';
    const context = v['context'];
    const ctx = Object.create(null);
    if (context !== undefined && context !== null) {
        if (!isPlainObject(context))
            return 'context must be an object';
        for (const [k, value] of Object.entries(context)) {
            if (typeof value !== 'string' && typeof value !== 'boolean' && !(typeof value === 'number' && Number.isFinite(value))) {
                return `context.${k.slice(0, 64)} must be a string, number or boolean`;
            }
            ctx[k] = value;
        }
    }
    if (v['wwwAuthenticate'] !== undefined && v['wwwAuthenticate'] !== null)
        return 'wwwAuthenticate is only allowed with active: false';
    return {
        active: true,
        principal,
        scopes,
        clientId: typeof clientId === 'string' ? clientId : undefined,
        expiresAtMs,
        context: Object.freeze(ctx),
    };
}
