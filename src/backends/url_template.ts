/**
 * Backend URLs with OCI context variables: `${request.path[id]}`, `${request.query[q]}`,
 * `${request.headers[h]}`, `${request.auth[claim]}`, `${request.host}`, `${request.subdomain[d]}`
 * (parsed by context_vars.ts, which also says how each renders). The URL is split once at compile
 * time into literal parts and lookups, so a request only concatenates.
 *
 * Variables are allowed in the path and query only, never in the scheme, host or port: a client
 * must not be able to choose where the gateway connects (SSRF).
 *
 * A value in the path can never add, remove or climb a segment (issue #11). Values are
 * percent-encoded, but encoding alone is not enough: `..` and `.` survive encodeURIComponent, an
 * empty value turns `/a/${v}/b` into `/a//b`, which many servers merge, and an upstream that
 * decodes once more than it should reads `%2e%2e` or `%2F` as `..` and `/`. So a path value is
 * decoded as often as it decodes (ASCII escapes: the only ones that can spell `.`, `/`, `\`, `;`
 * or NUL) and the request is refused (`pathAndQuery` returns null, the backend answers 400) when
 * the result is empty, `.` or `..` (also before a `;` or NUL, which some servers cut at), or holds
 * a `/` or `\`. A wildcard (`{rest*}`) keeps the segments it matched, each encoded on its own and
 * held to the same rule; it may match no segment only where it ends the path. A value in the query
 * is only encoded. The template's own literal text is the operator's and is trusted.
 */
import type { GatewayRequest } from '../types.ts';
import { parseTemplate } from './context_vars.ts';

/** A lookup returns the encoded value, or null to refuse the request. */
type Part = string | ((ctx: GatewayRequest) => string | null);

export interface UrlTemplate {
  /** `http://host:port`, fixed. */
  readonly origin: string;
  /** Whether the template has its own `?`. */
  readonly hasQuery: boolean;
  /** Path + query for one request; null when a value would change the path's segments (answer 400). */
  pathAndQuery(ctx: GatewayRequest): string | null;
}

/** Percent-escapes of ASCII characters. */
const ASCII_ESCAPE = /%([0-7][0-9a-fA-F])/g;

/** More rounds than any server decodes; a value still changing after them is refused. */
const MAX_DECODE_ROUNDS = 8;

function unescapeAscii(_: string, hex: string): string {
  return String.fromCharCode(parseInt(hex, 16));
}

/**
 * True when `value`, in a path position, stays one segment however often the upstream decodes
 * it: not empty, not `.` or `..` (also before a `;` or NUL), no `/` or `\`.
 */
export function isSafeSegment(value: string): boolean {
  let v = value;
  for (let round = 0; v.includes('%'); round++) {
    const next = v.replace(ASCII_ESCAPE, unescapeAscii);
    if (next === v) break;
    if (round === MAX_DECODE_ROUNDS) return false;
    v = next;
  }
  if (v.includes('/') || v.includes('\\')) return false;
  const cut = v.search(/[;\0]/);
  const head = cut === -1 ? v : v.slice(0, cut);
  return head !== '' && head !== '.' && head !== '..';
}

/**
 * encodeURIComponent, or null for a string it cannot encode (a lone surrogate, from a claim). Also
 * the encoding of query transformations (policies/transform_apply.ts).
 */
export function encodeComponent(v: string): string | null {
  try {
    return encodeURIComponent(v);
  } catch {
    return null;
  }
}

function encodeSegment(v: string): string | null {
  return isSafeSegment(v) ? encodeComponent(v) : null;
}

/** The wildcard's segments, each checked and encoded on its own: a decoded `/` inside one is refused. */
function encodeWildcard(ctx: GatewayRequest, mayBeEmpty: boolean): string | null {
  const segs = ctx.segments;
  const from = ctx.wildcardFrom;
  if (from >= segs.length) return mayBeEmpty ? '' : null;
  let out = '';
  for (let i = from; i < segs.length; i++) {
    const seg = encodeSegment(segs[i] as string);
    if (seg === null) return null;
    out += i === from ? seg : `/${seg}`;
  }
  return out;
}

/**
 * Compiles `url`. `pathParams` are the route's parameters (context_vars.ts routeParameters), so a
 * reference to a parameter the route does not have is a config error. Returns an error string on failure.
 */
export function compileUrlTemplate(url: string, pathParams: ReadonlyMap<string, boolean>): UrlTemplate | string {
  const firstVar = url.search(/\$\{/);
  const fixed = firstVar === -1 ? url : url.slice(0, firstVar);
  let parsed: URL;
  try {
    parsed = new URL(firstVar === -1 ? url : `${fixed}x`);
  } catch {
    return 'must be an absolute http(s) URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'must be an absolute http(s) URL';
  if (parsed.username || parsed.password) return 'must not contain credentials';
  const origin = parsed.origin;
  const afterOrigin = url.slice(url.indexOf('//') + 2);
  const slash = afterOrigin.search(/[/?]/);
  const authority = slash === -1 ? afterOrigin : afterOrigin.slice(0, slash);
  if (authority.includes('${')) return 'context variables are allowed in the path and query only, not in the host';
  let rest = slash === -1 ? '/' : afterOrigin.slice(slash);
  if (rest.startsWith('?')) rest = `/${rest}`;

  const template = parseTemplate(rest, pathParams);
  if (typeof template === 'string') return template;
  const parts: Part[] = [];
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
    if (inPath && /%[0-9a-fA-F]?$/.test(rest.slice(0, at))) return `\${${p.expression}}: must not follow an incomplete percent escape`;
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
        const p = parts[i] as Part;
        if (typeof p === 'string') out += p;
        else {
          const v = p(ctx);
          if (v === null) return null;
          out += v;
        }
      }
      return out;
    },
  };
}
