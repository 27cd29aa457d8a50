export const TOKEN_MISSING = 0;
export const TOKEN_MALFORMED = 1;
/** True when `value` starts with `scheme` (lowercase ASCII) in any case, then one space. */
function hasScheme(value, schemeLower) {
    const n = schemeLower.length;
    if (value.length <= n + 1 || value.charCodeAt(n) !== 32)
        return false;
    for (let i = 0; i < n; i++) {
        let c = value.charCodeAt(i);
        if (c >= 65 && c <= 90)
            c += 32;
        if (c !== schemeLower.charCodeAt(i))
            return false;
    }
    return true;
}
/** ASCII case-insensitive `a === lower`, without allocating a lowercased copy. */
function equalsLower(a, lower) {
    if (a.length !== lower.length)
        return false;
    for (let i = 0; i < a.length; i++) {
        let c = a.charCodeAt(i);
        if (c >= 65 && c <= 90)
            c += 32;
        if (c !== lower.charCodeAt(i))
            return false;
    }
    return true;
}
/** Node keeps only the first `Authorization` (and joins other duplicates): count the raw lines. */
function occurrences(rawHeaders, nameLower) {
    let n = 0;
    for (let i = 0; i < rawHeaders.length; i += 2)
        if (equalsLower(rawHeaders[i], nameLower))
            n++;
    return n;
}
export function createExtractor(opts) {
    const header = opts.header?.toLowerCase() ?? null;
    const scheme = opts.scheme?.toLowerCase() ?? null;
    const skip = scheme === null ? 0 : scheme.length + 1;
    const queryParam = opts.queryParam;
    function fromQuery(ctx) {
        if (queryParam === null || ctx.search === '')
            return TOKEN_MISSING;
        const all = ctx.query().getAll(queryParam);
        if (all.length === 0)
            return TOKEN_MISSING;
        const token = all[0];
        return all.length > 1 || token === '' ? TOKEN_MALFORMED : token;
    }
    return function extractToken(ctx) {
        if (header === null)
            return fromQuery(ctx);
        const value = ctx.req.headers[header];
        if (value === undefined)
            return fromQuery(ctx);
        // RFC 6750 §2: a client must not use more than one method, or repeat the header.
        if (typeof value !== 'string' || occurrences(ctx.req.rawHeaders, header) !== 1)
            return TOKEN_MALFORMED;
        if (queryParam !== null && ctx.search !== '' && ctx.query().has(queryParam))
            return TOKEN_MALFORMED;
        if (scheme !== null && !hasScheme(value, scheme))
            return TOKEN_MALFORMED;
        const token = skip === 0 ? value : value.slice(skip);
        return token === '' || token.charCodeAt(0) === 32 ? TOKEN_MALFORMED : token;
    };
}
