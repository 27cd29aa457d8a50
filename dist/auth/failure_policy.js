import { compileStringTemplate } from '../backends/context_vars.js';
import { compileResponseTransform } from '../policies/transforms.js';
const NO_PARAMS = new Map();
const TEXT = 'text/plain; charset=utf-8';
/** A final HTTP status: 1xx answers are interim, so they cannot replace a denial. */
function statusOf(text) {
    if (!/^\d{3}$/.test(text.trim()))
        return null;
    const n = Number(text.trim());
    return n >= 200 && n <= 599 ? n : null;
}
/**
 * Compiles `validationFailurePolicy` (schema-valid, type MODIFY_RESPONSE). Problems go to
 * ctx.issue with their paths; returns null then.
 */
export function compileFailureResponse(cfg, path, ctx) {
    const before = ctx.issues.length;
    let code = null;
    if (cfg.responseCode !== undefined) {
        const t = compileStringTemplate(cfg.responseCode, NO_PARAMS);
        if (typeof t === 'string')
            ctx.issue(`${path}.responseCode`, t);
        else if (t.constant !== null && statusOf(t.constant) === null)
            ctx.issue(`${path}.responseCode`, 'must be an HTTP status code from 200 to 599');
        else
            code = t;
    }
    let headers = null;
    if (cfg.responseHeaderTransformations !== undefined) {
        // The shared compiler names the field headerTransformations; report problems at this policy's own field.
        const from = `${path}.headerTransformations`;
        const to = `${path}.responseHeaderTransformations`;
        const fix = (p) => (p.startsWith(from) ? to + p.slice(from.length) : p);
        const scoped = Object.create(ctx, {
            issue: { value: (p, m) => ctx.issue(fix(p), m) },
            warn: { value: (p, m) => ctx.warn(fix(p), m) },
        });
        headers = compileResponseTransform({ headerTransformations: cfg.responseHeaderTransformations }, path, scoped, NO_PARAMS);
    }
    if (ctx.issues.length > before)
        return null;
    const constantStatus = code === null ? 401 : code.constant === null ? null : statusOf(code.constant);
    const body = Buffer.from(cfg.responseMessage ?? '', 'utf8');
    const log = ctx.log;
    return {
        respond(rc, v) {
            if (v.status !== 401)
                return false;
            const res = rc.res;
            if (res.headersSent) {
                res.destroy();
                return true;
            }
            let status = constantStatus;
            if (status === null) {
                const rendered = code.render(rc);
                status = statusOf(rendered);
                if (status === null) {
                    log.warn({ reqId: rc.requestId, path: `${path}.responseCode` }, 'validationFailurePolicy responseCode did not render to a status code from 200 to 599: answered 401');
                    status = 401;
                }
            }
            const out = {};
            if (v.challenge !== null)
                out['www-authenticate'] = v.challenge;
            if (headers !== null)
                headers.apply(out, rc);
            if (out['content-type'] === undefined)
                out['content-type'] = TEXT;
            for (const name in out)
                res.setHeader(name, out[name]);
            res.setHeader('content-length', body.length);
            res.writeHead(status);
            res.end(body);
            return true;
        },
    };
}
