/**
 * Turns what users write, and what OCI exports, into the one shape the schema checks.
 *
 * - `null` means "not configured" (OCI writes nulls for every unset field): such keys are dropped.
 * - The `oci` CLI prints specifications with kebab-case keys (`request-policies`); the REST API,
 *   SDKs, console and Terraform JSON use camelCase. Keys under a specification are camel-cased.
 * - `${VAR}` and `${VAR:-default}` in string values are taken from the environment; `$${` is a
 *   literal `${`. Context variables such as `${request.path[id]}` are not environment names and
 *   are left for the backend to expand.
 */
import type { ConfigIssue } from '../errors.ts';
import { join } from './source_path.ts';

/** Keys whose values are user-named maps: their own keys are data, never camel-cased. */
const MAP_VALUED_KEYS = new Set(['content', 'parameters', 'config']);

function camel(key: string): string {
  return key.includes('-') ? key.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase()) : key;
}

/**
 * How a document was written, where normalising changed it: normalised path (`routes[0].requestPolicies`)
 * → the segment as the file spells it (`request-policies`, or `[1]` when a null before it was
 * dropped). Lets an error name the field the way its author wrote it (issue 11).
 */
export type Spelling = Map<string, string>;

/** Sections in OCI's resource shapes: the `oci` CLI prints them kebab-cased, and they load either way. */
const OCI_SHAPED = new Set(['specification', 'responseCacheDetails', 'usagePlans', 'subscribers']);

/**
 * Drops nulls everywhere and, under `specification` keys and the other OCI-shaped sections
 * (`responseCacheDetails`, `usagePlans`, `subscribers`), converts kebab-case keys to camelCase.
 * `spelling`, when given, records every key or index that changed, by its normalised path.
 */
export function normalizeKeys(value: unknown, camelCase: boolean, spelling?: Spelling, path = ''): unknown {
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    value.forEach((v, i) => {
      if (v === null) return;
      const at = `${path}[${out.length}]`;
      if (spelling !== undefined && out.length !== i) spelling.set(at, `[${i}]`);
      out.push(normalizeKeys(v, camelCase, spelling, at));
    });
    return out;
  }
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [rawKey, v] of Object.entries(value)) {
    if (v === null) continue;
    const key = camelCase ? camel(rawKey) : rawKey;
    const at = join(path, key);
    if (spelling !== undefined && key !== rawKey) spelling.set(at, rawKey);
    if (camelCase && MAP_VALUED_KEYS.has(key) && typeof v === 'object' && !Array.isArray(v)) {
      const map: Record<string, unknown> = {};
      for (const [name, entry] of Object.entries(v)) if (entry !== null) map[name] = normalizeKeys(entry, true, spelling, join(at, name));
      out[key] = map;
    } else {
      out[key] = normalizeKeys(v, camelCase || OCI_SHAPED.has(key), spelling, at);
    }
  }
  return out;
}

const WHOLE_REF = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}$/;

function scalar(text: string): string | number | boolean {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (/^-?(0|[1-9]\d*)(\.\d+)?$/.test(text)) return Number(text);
  return text;
}

const ENV_REF = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Replaces `${VAR}` / `${VAR:-default}` in every string; reports unset variables with their path. */
export function interpolateEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
  path: string,
  issues: ConfigIssue[],
): unknown {
  if (typeof value === 'string') {
    if (!value.includes('${')) return value;
    const replaced = value.replace(ENV_REF, (whole, escaped: string, name: string, fallback: string | undefined) => {
      if (escaped === '$') return whole.slice(1);
      const found = env[name];
      if (found !== undefined && found !== '') return found;
      if (fallback !== undefined) return fallback;
      issues.push({ path, message: `environment variable ${name} is not set (use \${${name}:-default} for a default)` });
      return '';
    });
    // `port: ${PORT}` must give a number: a value that is one whole reference takes a scalar type.
    return WHOLE_REF.test(value) ? scalar(replaced) : replaced;
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolateEnv(v, env, `${path}[${i}]`, issues));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolateEnv(v, env, path ? `${path}.${k}` : k, issues);
    return out;
  }
  return value;
}
