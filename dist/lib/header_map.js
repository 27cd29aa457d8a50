/**
 * Adds one header line to `out`: a name already there becomes (or grows) an array. `constructor`
 * and `__proto__`, the only all-lower-case names an object inherits, are read and written as own
 * properties, so they are headers like any other: an upstream's `constructor` header was doubled
 * with Object itself (issue 16). A prototype-less map would avoid the check but is about three
 * times slower to fill and walk.
 */
export function addHeader(out, name, value) {
    const inherited = name === 'constructor' || name === '__proto__';
    const prev = inherited ? (Object.hasOwn(out, name) ? out[name] : undefined) : out[name];
    const next = prev === undefined ? value : Array.isArray(prev) ? (prev.push(value), prev) : [prev, value];
    if (inherited)
        Object.defineProperty(out, name, { value: next, enumerable: true, writable: true, configurable: true });
    else if (next !== prev)
        out[name] = next;
}
