/**
 * Running a compiled header or query transformation (transforms.ts compiles it). OCI's order
 * (oci-compatibility.md, "Header and query transformations"): set and rename first, then the
 * filter, so an ALLOW filter must list what was set or renamed. Every value is computed from the
 * request as the client sent it: set values render context variables from `ctx.req`, and rename
 * copies the original value of its source, whatever the other steps do.
 *
 * The inputs are never changed: request headers come from `req.rawHeaders` and go out as a new
 * list, the query goes out as a new string; a response header map is edited in place, assigning
 * fresh arrays so a backend may hand over a shallow copy of shared headers.
 */
import type { StringTemplate } from '../backends/context_vars.ts';
import { encodeComponent } from '../backends/url_template.ts';
import type { GatewayRequest } from '../types.ts';

export type IfExists = 'OVERWRITE' | 'APPEND' | 'SKIP';

export interface SetStep {
  /** Name written on a new header line (as configured) or query pair (percent-encoded). */
  readonly name: string;
  /** Lookup key: lower-case for headers, the name itself for query parameters. */
  readonly key: string;
  readonly values: readonly StringTemplate[];
  readonly ifExists: IfExists;
  /** Config path of the item, for the debug line when a value cannot be carried. */
  readonly where: string;
}

export interface RenameStep {
  readonly fromKey: string;
  /** Name written for the renamed header or parameter (query: already percent-encoded). */
  readonly to: string;
  readonly toKey: string;
}

/** One transformation policy, compiled. */
export interface EditProgram {
  readonly set: readonly SetStep[];
  readonly rename: readonly RenameStep[];
  /** null: no filter. */
  readonly filter: { readonly allow: boolean; readonly keys: ReadonlySet<string> } | null;
  /** Keys an OVERWRITE replaces or a rename moves away: dropped from the original whatever happens. */
  readonly dropped: ReadonlySet<string>;
  /** Keys no transformation may touch (protected headers): an ALLOW filter keeps them. */
  readonly alwaysKept: ReadonlySet<string>;
}

/** Characters a header value cannot carry: controls other than HTAB, DEL, and anything above U+00FF. */
const NOT_IN_HEADER = /[^\t\x20-\x7e\x80-\xff]/;

/** True when `value` can be written as a header value as it is. */
export function isHeaderValue(value: string): boolean {
  return !NOT_IN_HEADER.test(value);
}

function keeps(p: EditProgram, key: string): boolean {
  const f = p.filter;
  if (f === null) return true;
  return f.allow ? f.keys.has(key) || p.alwaysKept.has(key) : !f.keys.has(key);
}

/**
 * The values of each set step, rendered from the original request and passed through `accept`
 * (null refuses a value). A step with a refused value is ignored as a whole, as OCI ignores a
 * transformation whose result is invalid; an OVERWRITE still removes the client's copy (`dropped`),
 * so a header the operator meant the gateway to set is never the client's.
 */
function renderSet(p: EditProgram, ctx: GatewayRequest, accept: (v: string) => string | null): (string[] | null)[] {
  return p.set.map((step) => {
    const out: string[] = [];
    for (const t of step.values) {
      const v = accept(t.render(ctx));
      if (v === null) {
        ctx.log.debug({ transformation: step.where }, 'transformation ignored: a value cannot be carried');
        return null;
      }
      out.push(v);
    }
    return out;
  });
}

function acceptHeaderValue(v: string): string | null {
  return isHeaderValue(v) ? v : null;
}

function headerLines(raw: readonly string[], key: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if ((raw[i] as string).toLowerCase() === key) out.push(raw[i + 1] as string);
  return out;
}

/** Request headers: `raw` is node's `rawHeaders`; returns the list to forward. */
export function editRawHeaders(raw: readonly string[], p: EditProgram, ctx: GatewayRequest): string[] {
  const rendered = renderSet(p, ctx, acceptHeaderValue);
  const moved = p.rename.map((r) => headerLines(raw, r.fromKey));
  const replaced = p.rename.filter((_r, i) => (moved[i] as string[]).length > 0).map((r) => r.toKey);
  const present = new Set<string>();
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const key = name.toLowerCase();
    present.add(key);
    if (p.dropped.has(key) || replaced.includes(key) || !keeps(p, key)) continue;
    out.push(name, raw[i + 1] as string);
  }
  p.set.forEach((step, i) => {
    const values = rendered[i] as string[] | null;
    if (values === null || (step.ifExists === 'SKIP' && present.has(step.key)) || !keeps(p, step.key)) return;
    for (const v of values) out.push(step.name, v);
  });
  p.rename.forEach((r, i) => {
    if (!keeps(p, r.toKey)) return;
    for (const v of moved[i] as string[]) out.push(r.to, v);
  });
  return out;
}

/** Response headers: `headers` has lower-case names; edited in place. */
export function editHeaderMap(headers: Record<string, string | string[]>, p: EditProgram, ctx: GatewayRequest): void {
  const rendered = renderSet(p, ctx, acceptHeaderValue);
  const moved = p.rename.map((r) => headers[r.fromKey]);
  p.set.forEach((step, i) => {
    const values = rendered[i] as string[] | null;
    const current = headers[step.key];
    if (values === null) {
      if (step.ifExists === 'OVERWRITE') delete headers[step.key];
      return;
    }
    if (current !== undefined && step.ifExists === 'SKIP') return;
    if (current !== undefined && step.ifExists === 'APPEND') headers[step.key] = [...(Array.isArray(current) ? current : [current]), ...values];
    else headers[step.key] = values.length === 1 ? (values[0] as string) : values;
  });
  p.rename.forEach((r, i) => {
    const v = moved[i];
    if (v === undefined) return;
    delete headers[r.fromKey];
    headers[r.toKey] = v;
  });
  if (p.filter !== null) for (const key of Object.keys(headers)) if (!keeps(p, key)) delete headers[key];
}

/** A pair's name as URLSearchParams reads it (`+` is a space, percent-escapes decoded). */
function pairName(rawName: string): string {
  if (!rawName.includes('%') && !rawName.includes('+')) return rawName;
  try {
    return decodeURIComponent(rawName.replace(/\+/g, ' '));
  } catch {
    // URLSearchParams keeps a malformed escape as it is; so does request.query[].
    return new URLSearchParams(`${rawName}=`).keys().next().value ?? rawName;
  }
}

/**
 * Query: `search` is the client's (`?a=1&b` or `''`); returns the query to forward, `''` for none.
 * Untouched pairs keep their bytes; set values are percent-encoded; a rename keeps the value's bytes.
 */
export function editSearch(search: string, p: EditProgram, ctx: GatewayRequest): string {
  const rendered = renderSet(p, ctx, encodeComponent);
  const pairs = search.length > 1 ? search.slice(1).split('&') : [];
  const names = pairs.map((pair) => {
    const eq = pair.indexOf('=');
    return pairName(eq === -1 ? pair : pair.slice(0, eq));
  });
  const replaced = p.rename.filter((r) => names.includes(r.fromKey)).map((r) => r.toKey);
  const out: string[] = [];
  pairs.forEach((pair, i) => {
    const key = names[i] as string;
    if (pair === '' || p.dropped.has(key) || replaced.includes(key) || !keeps(p, key)) return;
    out.push(pair);
  });
  p.set.forEach((step, i) => {
    const values = rendered[i] as string[] | null;
    if (values === null || (step.ifExists === 'SKIP' && names.includes(step.key)) || !keeps(p, step.key)) return;
    for (const v of values) out.push(`${step.name}=${v}`);
  });
  for (const r of p.rename) {
    if (!keeps(p, r.toKey)) continue;
    pairs.forEach((pair, i) => {
      if (names[i] !== r.fromKey || pair === '') return;
      const eq = pair.indexOf('=');
      out.push(eq === -1 ? r.to : r.to + pair.slice(eq));
    });
  }
  return out.length === 0 ? '' : `?${out.join('&')}`;
}
