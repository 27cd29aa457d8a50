/**
 * Request-path handling shared by the router and the server: splitting into decoded segments with
 * the guards that keep path tricks from reaching a route they do not match.
 */

/** Why a path cannot be routed: answered with 400. */
export type PathError = 'bad_encoding' | 'dot_segment';

/**
 * Splits `/a/b%20c/` into `['a', 'b c']`. Each segment is percent-decoded on its own, so an encoded
 * slash (`%2F`) stays inside its segment and can never create a new one. A trailing slash is
 * ignored. `.` and `..` segments (also when encoded) are refused rather than resolved, so
 * `/public/../admin` cannot be used to walk out of a prefix.
 */
export function splitPath(rawPath: string): string[] | PathError {
  const parts = rawPath.split('/');
  const out: string[] = [];
  const last = parts.length - 1;
  for (let i = 1; i <= last; i++) {
    const raw = parts[i] as string;
    if (raw === '' && i === last) break;
    let seg = raw;
    if (raw.includes('%')) {
      try {
        seg = decodeURIComponent(raw);
      } catch {
        return 'bad_encoding';
      }
    }
    if (seg === '.' || seg === '..') return 'dot_segment';
    out.push(seg);
  }
  return out;
}
