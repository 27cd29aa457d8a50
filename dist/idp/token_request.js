/**
 * Parses a token request (RFC 6749 §4.4 as Auth0 accepts it): a JSON or form body, client
 * credentials in the body (`client_secret_post`) or in `Authorization: Basic` (`client_secret_basic`).
 */
import { oauthErrors } from './oauth_error.js';
const STRING_PARAMS = ['grant_type', 'client_id', 'client_secret', 'audience'];
function splitScope(value) {
    const scopes = value.split(' ').filter((s) => s !== '');
    return scopes.length === 0 ? undefined : scopes;
}
function fromJson(body) {
    let doc;
    try {
        doc = JSON.parse(body.toString('utf8'));
    }
    catch {
        return { error: oauthErrors.invalidRequest('Invalid JSON body') };
    }
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
        return { error: oauthErrors.invalidRequest('The request body must be a JSON object') };
    return { params: doc };
}
function fromForm(body) {
    const out = {};
    for (const [name, value] of new URLSearchParams(body.toString('utf8'))) {
        // RFC 6749 §3.2: request parameters must not be included more than once.
        if (Object.hasOwn(out, name))
            return { error: oauthErrors.invalidRequest(`Parameter '${name}' must not be repeated`) };
        out[name] = value;
    }
    return { params: out };
}
function decodeBasic(header) {
    const m = /^basic +([A-Za-z0-9+/=._~-]+) *$/i.exec(header);
    if (m === null)
        return null;
    const decoded = Buffer.from(m[1] ?? '', 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0)
        return null;
    try {
        // RFC 6749 §2.3.1: id and secret are form-urlencoded before base64.
        const unform = (s) => decodeURIComponent(s.replace(/\+/g, ' '));
        return { id: unform(decoded.slice(0, colon)), secret: unform(decoded.slice(colon + 1)) };
    }
    catch {
        return null;
    }
}
/** Parses body and headers into TokenParams, or the Auth0 error to answer. */
export function parseTokenRequest(contentType, body, authorization) {
    const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
    let parsed;
    if (type === 'application/json')
        parsed = fromJson(body);
    else if (type === 'application/x-www-form-urlencoded')
        parsed = fromForm(body);
    else
        return oauthErrors.invalidRequest('Content-Type must be application/json or application/x-www-form-urlencoded');
    if ('error' in parsed)
        return parsed.error;
    const params = parsed.params;
    for (const name of STRING_PARAMS) {
        const v = params[name];
        if (v !== undefined && typeof v !== 'string')
            return oauthErrors.invalidRequest(`Parameter '${name}' must be a string`);
    }
    let scopes;
    const scope = params['scope'];
    if (typeof scope === 'string')
        scopes = splitScope(scope);
    else if (Array.isArray(scope) && scope.every((s) => typeof s === 'string'))
        scopes = splitScope(scope.join(' '));
    else if (scope !== undefined)
        return oauthErrors.invalidScope();
    let clientId = params['client_id'];
    let clientSecret = params['client_secret'];
    if (authorization !== undefined && authorization !== '') {
        const basic = decodeBasic(authorization);
        if (basic === null)
            return oauthErrors.invalidRequest('Invalid Authorization header');
        // RFC 6749 §2.3: a client must not use more than one authentication method.
        if (clientSecret !== undefined)
            return oauthErrors.invalidRequest('Client authentication must use only one method');
        if (clientId !== undefined && clientId !== basic.id)
            return oauthErrors.invalidRequest('client_id does not match the Authorization header');
        clientId = basic.id;
        clientSecret = basic.secret;
    }
    return {
        grantType: params['grant_type'],
        clientId,
        clientSecret,
        audience: params['audience'],
        scopes,
    };
}
export function isOAuthError(v) {
    return 'status' in v;
}
