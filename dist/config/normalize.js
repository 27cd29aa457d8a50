import { join } from './source_path.js';
/** Keys whose values are user-named maps: their own keys are data, never camel-cased. */
const MAP_VALUED_KEYS = new Set(['content', 'parameters', 'config']);
function camel(key) {
    return key.includes('-') ? key.replace(/-([a-z0-9])/g, (_m, c) => c.toUpperCase()) : key;
}
/** Sections in OCI's resource shapes: the `oci` CLI prints them kebab-cased, and they load either way. */
const OCI_SHAPED = new Set(['specification', 'responseCacheDetails', 'usagePlans', 'subscribers']);
/**
 * Drops nulls everywhere and, under `specification` keys and the other OCI-shaped sections
 * (`responseCacheDetails`, `usagePlans`, `subscribers`), converts kebab-case keys to camelCase.
 * `spelling`, when given, records every key or index that changed, by its normalised path.
 */
export function normalizeKeys(value, camelCase, spelling, path = '') {
    if (Array.isArray(value)) {
        const out = [];
        value.forEach((v, i) => {
            if (v === null)
                return;
            const at = `${path}[${out.length}]`;
            if (spelling !== undefined && out.length !== i)
                spelling.set(at, `[${i}]`);
            out.push(normalizeKeys(v, camelCase, spelling, at));
        });
        return out;
    }
    if (value === null || typeof value !== 'object')
        return value;
    const out = {};
    for (const [rawKey, v] of Object.entries(value)) {
        if (v === null)
            continue;
        const key = camelCase ? camel(rawKey) : rawKey;
        const at = join(path, key);
        if (spelling !== undefined && key !== rawKey)
            spelling.set(at, rawKey);
        if (camelCase && MAP_VALUED_KEYS.has(key) && typeof v === 'object' && !Array.isArray(v)) {
            const map = {};
            for (const [name, entry] of Object.entries(v))
                if (entry !== null)
                    map[name] = normalizeKeys(entry, true, spelling, join(at, name));
            out[key] = map;
        }
        else {
            out[key] = normalizeKeys(v, camelCase || OCI_SHAPED.has(key), spelling, at);
        }
    }
    return out;
}
const WHOLE_REF = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}$/;
function scalar(text) {
    if (text === 'true')
        return true;
    if (text === 'false')
        return false;
    if (/^-?(0|[1-9]\d*)(\.\d+)?$/.test(text))
        return Number(text);
    return text;
}
const ENV_REF = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
/** Replaces `${VAR}` / `${VAR:-default}` in every string; reports unset variables with their path. */
export function interpolateEnv(value, env, path, issues) {
    if (typeof value === 'string') {
        if (!value.includes('${'))
            return value;
        const replaced = value.replace(ENV_REF, (whole, escaped, name, fallback) => {
            if (escaped === '$')
                return whole.slice(1);
            const found = env[name];
            if (found !== undefined && found !== '')
                return found;
            if (fallback !== undefined)
                return fallback;
            issues.push({ path, message: `environment variable ${name} is not set (use \${${name}:-default} for a default)` });
            return '';
        });
        // `port: ${PORT}` must give a number: a value that is one whole reference takes a scalar type.
        return WHOLE_REF.test(value) ? scalar(replaced) : replaced;
    }
    if (Array.isArray(value))
        return value.map((v, i) => interpolateEnv(v, env, `${path}[${i}]`, issues));
    if (value !== null && typeof value === 'object') {
        const out = {};
        for (const [k, v] of Object.entries(value))
            out[k] = interpolateEnv(v, env, path ? `${path}.${k}` : k, issues);
        return out;
    }
    return value;
}
