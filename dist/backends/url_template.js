import { parseTemplate } from './context_vars.js';
/** Percent-escapes of ASCII characters. */
const ASCII_ESCAPE = /%([0-7][0-9a-fA-F])/g;
/** More rounds than any server decodes; a value still changing after them is refused. */
const MAX_DECODE_ROUNDS = 8;
function unescapeAscii(_, hex) {
    return String.fromCharCode(parseInt(hex, 16));
}
/**
 * True when `value`, in a path position, stays one segment however often the upstream decodes
 * it: not empty, not `.` or `..` (also before a `;` or NUL), no `/` or `\`.
 */
export function isSafeSegment(value) {
    let v = value;
    for (let round = 0; v.includes('%'); round++) {
        const next = v.replace(ASCII_ESCAPE, unescapeAscii);
        if (next === v)
            break;
        if (round === MAX_DECODE_ROUNDS)
            return false;
        v = next;
    }
    if (v.includes('/') || v.includes('\\'))
        return false;
    const cut = v.search(/[;\0]/);
    const head = cut === -1 ? v : v.slice(0, cut);
    return head !== '' && head !== '.' && head !== '..';
}
/**
 * encodeURIComponent, or null for a string it cannot encode (a lone surrogate, from a claim). Also
 * the encoding of query transformations (policies/transform_apply.ts).
 */
export function encodeComponent(v) {
    try {
        return encodeURIComponent(v);
    }
    catch {
        return null;
    }
}
function encodeSegment(v) {
    return isSafeSegment(v) ? encodeComponent(v) : null;
}
/** The wildcard's segments, each checked and encoded on its own: a decoded `/` inside one is refused. */
function encodeWildcard(ctx, mayBeEmpty) {
    const segs = ctx.segments;
    const from = ctx.wildcardFrom;
    if (from >= segs.length)
        return mayBeEmpty ? '' : null;
    let out = '';
    for (let i = from; i < segs.length; i++) {
        const seg = encodeSegment(segs[i]);
        if (seg === null)
            return null;
        out += i === from ? seg : `/${seg}`;
    }
    return out;
}
/**
 * Compiles `url`. `pathParams` are the route's parameters (context_vars.ts routeParameters), so a
 * reference to a parameter the route does not have is a config error. Returns an error string on failure.
 */
export function compileUrlTemplate(url, pathParams) {
    const firstVar = url.search(/\$\{/);
    const fixed = firstVar === -1 ? url : url.slice(0, firstVar);
    let parsed;
    try {
        parsed = new URL(firstVar === -1 ? url : `${fixed}x`);
    }
    catch {
        return 'must be an absolute http(s) URL';
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
        return 'must be an absolute http(s) URL';
    if (parsed.username || parsed.password)
        return 'must not contain credentials';
    const origin = parsed.origin;
    const afterOrigin = url.slice(url.indexOf('//') + 2);
    const slash = afterOrigin.search(/[/?]/);
    const authority = slash === -1 ? afterOrigin : afterOrigin.slice(0, slash);
    if (authority.includes('${'))
        return 'context variables are allowed in the path and query only, not in the host';
    let rest = slash === -1 ? '/' : afterOrigin.slice(slash);
    if (rest.startsWith('?'))
        rest = `/${rest}`;
    const template = parseTemplate(rest, pathParams);
    if (typeof template === 'string')
        return template;
    const parts = [];
    const queryStart = rest.indexOf('?');
    const pathEnd = queryStart === -1 ? rest.length : queryStart;
    let offset = 0;
    for (const p of template) {
        if (typeof p === 'string') {
            parts.push(p);
            offset += p.length;
            continue;
        }
        const at = offset;
        offset += p.expression.length + 3; // `${` … `}`
        const inPath = at < pathEnd;
        // A value completing an escape the template started (`%2${v}`) would bypass the segment check.
        if (inPath && /%[0-9a-fA-F]?$/.test(rest.slice(0, at)))
            return `\${${p.expression}}: must not follow an incomplete percent escape`;
        if (p.param !== null && p.param.wildcard && inPath) {
            const name = p.param.name;
            const mayBeEmpty = offset === pathEnd;
            parts.push(function wildcardSegments(ctx) {
                return ctx.wildcardFrom >= 0 ? encodeWildcard(ctx, mayBeEmpty) : encodeSegment(ctx.params[name] ?? '');
            });
            continue;
        }
        const text = p.text;
        parts.push(inPath ? (ctx) => encodeSegment(text(ctx)) : (ctx) => encodeComponent(text(ctx)));
    }
    if (parts.every((p) => typeof p === 'string')) {
        const constant = parts.join('');
        return { origin, hasQuery: queryStart !== -1, pathAndQuery: () => constant };
    }
    return {
        origin,
        hasQuery: queryStart !== -1,
        pathAndQuery(ctx) {
            let out = '';
            for (let i = 0; i < parts.length; i++) {
                const p = parts[i];
                if (typeof p === 'string')
                    out += p;
                else {
                    const v = p(ctx);
                    if (v === null)
                        return null;
                    out += v;
                }
            }
            return out;
        },
    };
}
