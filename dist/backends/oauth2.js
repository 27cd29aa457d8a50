import { compileStringTemplate } from './context_vars.js';
import { sendError } from '../lib/respond.js';
import { nonEmptyString, object } from '../lib/json_schema.js';
export const logoutBackendSchema = object({
    type: { const: 'OAUTH2_LOGOUT_BACKEND' },
    allowedPostLogoutUris: {
        type: 'array',
        items: nonEmptyString,
        description: 'URLs the client may name in ?postLogoutUrl= (absolute http(s) URLs or paths on the gateway; context variables allowed), compared exactly. ' +
            'Empty or absent: only paths on the gateway (OCI allows any URL then; Gatehouse refuses absolute URLs, so the route is no open redirect).',
    },
    postLogoutState: { type: 'string', description: 'Sent as the state query parameter to the post-logout URL (or to the provider\'s end_session_endpoint); context variables such as ${request.query[state]}.' },
}, ['type']);
export const loginBackendSchema = object({ type: { const: 'OAUTH2_LOGIN_BACKEND' } }, ['type']);
/** A path on this gateway that cannot be read as another host (`//evil`, `/\evil`). */
export function isLocalPath(url) {
    return url.startsWith('/') && !url.startsWith('//') && !url.startsWith('/\\') && !/[\0-\x1f\x7f]/.test(url);
}
function absoluteHttpUrl(url) {
    try {
        const u = new URL(url);
        return (u.protocol === 'https:' || u.protocol === 'http:') && u.username === '' && u.password === '';
    }
    catch {
        return false;
    }
}
function missing(path, type, ctx) {
    ctx.issue(`${path}.type`, `${type} needs the deployment's authentication to have validationFailurePolicy type OAUTH2`);
    return null;
}
export function createLoginBackend(path, ctx, signIn) {
    if (signIn === null)
        return missing(path, 'OAUTH2_LOGIN_BACKEND', ctx);
    return { type: 'OAUTH2_LOGIN_BACKEND', handle: (rc) => signIn.login(rc) };
}
export function createLogoutBackend(config, path, ctx, params, signIn) {
    const before = ctx.issues.length;
    const allowed = [];
    (config.allowedPostLogoutUris ?? []).forEach((uri, i) => {
        const t = compileStringTemplate(uri, params);
        if (typeof t === 'string')
            return ctx.issue(`${path}.allowedPostLogoutUris[${i}]`, t);
        if (t.constant !== null && !isLocalPath(t.constant) && !absoluteHttpUrl(t.constant)) {
            return ctx.issue(`${path}.allowedPostLogoutUris[${i}]`, 'must be an absolute http(s) URL or a path starting with /');
        }
        allowed.push(t);
    });
    let state = null;
    if (config.postLogoutState !== undefined) {
        const t = compileStringTemplate(config.postLogoutState, params);
        if (typeof t === 'string')
            ctx.issue(`${path}.postLogoutState`, t);
        else
            state = t;
    }
    if (signIn === null)
        return missing(path, 'OAUTH2_LOGOUT_BACKEND', ctx);
    if (ctx.issues.length > before)
        return null;
    /** The URL to go to after logout, null for none, or false when the client asked for one that is not allowed. */
    function target(rc) {
        const asked = rc.search === '' ? null : rc.query().get('postLogoutUrl');
        if (asked === null || asked === '')
            return null;
        if (allowed.length === 0)
            return isLocalPath(asked) ? asked : false;
        for (const t of allowed) {
            const value = t.render(rc);
            if (value === asked && (isLocalPath(value) || absoluteHttpUrl(value)))
                return asked;
        }
        return false;
    }
    return {
        type: 'OAUTH2_LOGOUT_BACKEND',
        handle(rc) {
            const url = target(rc);
            if (url === false) {
                rc.log.warn({ reqId: rc.requestId }, 'logout refused: postLogoutUrl is not in allowedPostLogoutUris');
                return sendError(rc.res, 400, 'postLogoutUrl is not allowed');
            }
            const s = state === null ? null : state.render(rc);
            return signIn.logout(rc, url, s === '' ? null : s);
        },
    };
}
