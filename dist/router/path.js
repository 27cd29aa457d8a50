/**
 * Request-path handling shared by the router and the server: splitting into decoded segments with
 * the guards that keep path tricks from reaching a route they do not match.
 */
/**
 * Splits `/a/b%20c/` into `['a', 'b c']`. Each segment is percent-decoded on its own, so an encoded
 * slash (`%2F`) stays inside its segment and can never create a new one. A trailing slash is
 * ignored. `.` and `..` segments (also when encoded) are refused rather than resolved, so
 * `/public/../admin` cannot be used to walk out of a prefix.
 */
export function splitPath(rawPath) {
    const parts = rawPath.split('/');
    const out = [];
    const last = parts.length - 1;
    for (let i = 1; i <= last; i++) {
        const raw = parts[i];
        if (raw === '' && i === last)
            break;
        let seg = raw;
        if (raw.includes('%')) {
            try {
                seg = decodeURIComponent(raw);
            }
            catch {
                return 'bad_encoding';
            }
        }
        if (seg === '.' || seg === '..')
            return 'dot_segment';
        out.push(seg);
    }
    return out;
}
