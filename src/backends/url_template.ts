/**
 * Backend URLs with OCI context variables: `${request.path[id]}`, `${request.query[q]}`,
 * `${request.headers[h]}`, `${request.auth[claim]}`, `${request.host}`. The URL is split once at
 * compile time into literal parts and lookups, so a request only concatenates.
 *
 * Variables are allowed in the path and query only, never in the scheme, host or port: a client
 * must not be able to choose where the gateway connects (SSRF). Values are percent-encoded, so a
 * value cannot add path segments or query parameters; a wildcard value keeps its slashes.
 */
import type { GatewayRequest } from '../types.ts';

type Part = string | ((ctx: GatewayRequest) => string);

export interface UrlTemplate {
  /** `http://host:port`, fixed. */
  readonly origin: string;
  /** Builds path + query for one request; `hasQuery` says whether the template has its own `?`. */
  readonly hasQuery: boolean;
  readonly isStatic: boolean;
  pathAndQuery(ctx: GatewayRequest): string;
}

const VAR = /\$\{request\.(path|query|headers|auth)\[([^\]]+)\]\}|\$\{request\.host\}/g;

/** The wildcard's segments, each encoded on its own: a decoded `/` inside a segment stays `%2F`. */
function encodeWildcard(ctx: GatewayRequest): string {
  const segs = ctx.segments;
  let out = '';
  for (let i = ctx.wildcardFrom; i < segs.length; i++) out += (i === ctx.wildcardFrom ? '' : '/') + encodeURIComponent(segs[i] as string);
  return out;
}

function stringify(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(stringify).join(',');
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/**
 * Compiles `url`. `pathParams` are the route's parameter names (wildcards marked with `*`), so a
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

  const parts: Part[] = [];
  let last = 0;
  let error: string | null = null;
  const queryStart = rest.indexOf('?');
  for (const m of rest.matchAll(VAR)) {
    const at = m.index;
    if (at > last) parts.push(rest.slice(last, at));
    last = at + m[0].length;
    const inQuery = queryStart !== -1 && at > queryStart;
    const kind = m[1];
    const name = m[2] as string;
    if (kind === undefined) {
      parts.push(function host(ctx) {
        return encodeURIComponent(ctx.req.headers.host ?? '');
      });
    } else if (kind === 'path') {
      const wildcard = pathParams.get(name);
      if (wildcard === undefined) {
        error = `\${request.path[${name}]}: the route has no parameter {${name}}`;
        continue;
      }
      const keepSlashes = wildcard && !inQuery;
      parts.push(function pathParam(ctx) {
        if (keepSlashes && ctx.wildcardFrom >= 0) return encodeWildcard(ctx);
        return encodeURIComponent(ctx.params[name] ?? '');
      });
    } else if (kind === 'query') {
      parts.push(function queryParam(ctx) {
        return encodeURIComponent(ctx.query().get(name) ?? '');
      });
    } else if (kind === 'headers') {
      const lower = name.toLowerCase();
      parts.push(function headerValue(ctx) {
        return encodeURIComponent(stringify(ctx.req.headers[lower]));
      });
    } else {
      parts.push(function authClaim(ctx) {
        return encodeURIComponent(stringify(ctx.auth?.claims[name]));
      });
    }
  }
  if (error !== null) return error;
  if (/\$\{/.test(rest.replace(VAR, ''))) return 'unknown context variable (use request.path[], request.query[], request.headers[], request.auth[] or request.host)';
  if (last < rest.length) parts.push(rest.slice(last));
  const isStatic = parts.every((p) => typeof p === 'string');
  const constant = isStatic ? parts.join('') : '';
  return {
    origin,
    hasQuery: queryStart !== -1,
    isStatic,
    pathAndQuery: isStatic
      ? () => constant
      : (ctx) => {
          let out = '';
          for (let i = 0; i < parts.length; i++) {
            const p = parts[i] as Part;
            out += typeof p === 'string' ? p : p(ctx);
          }
          return out;
        },
  };
}
