import { encodeComponent } from '../backends/url_template.js';
/**
 * Builds the program the runners below take from the compiled steps, with everything that does not
 * depend on the request worked out here: which results the filter removes, and the lookup tables.
 */
export function editProgram(set, rename, filter, dropped, alwaysKept) {
    const p = { filter, alwaysKept };
    return {
        set: set.map((s) => ({ ...s, kept: keeps(p, s.key) })),
        rename: rename.map((r) => ({ ...r, kept: keeps(p, r.toKey) })),
        filter,
        dropped,
        alwaysKept,
        renameFrom: new Map(rename.map((r, i) => [r.fromKey, i])),
        renameTo: new Map(rename.map((r, i) => [r.toKey, i])),
        skip: new Set(set.filter((s) => s.ifExists === 'SKIP').map((s) => s.key)),
    };
}
/** Characters a header value cannot carry: controls other than HTAB, DEL, and anything above U+00FF. */
const NOT_IN_HEADER = /[^\t\x20-\x7e\x80-\xff]/;
/** True when `value` can be written as a header value as it is. */
export function isHeaderValue(value) {
    return !NOT_IN_HEADER.test(value);
}
function keeps(p, key) {
    const f = p.filter;
    if (f === null)
        return true;
    return f.allow ? f.keys.has(key) || p.alwaysKept.has(key) : !f.keys.has(key);
}
/**
 * The values of a set step, rendered from the original request and passed through `accept` (null
 * refuses a value). A step with a refused value is ignored as a whole (null), as OCI ignores a
 * transformation whose result is invalid; an OVERWRITE still removes the client's copy (`dropped`),
 * so a header the operator meant the gateway to set is never the client's. Only steps whose result
 * is sent are rendered.
 */
function render(step, ctx, accept) {
    const out = [];
    for (const t of step.values) {
        const v = accept(t.render(ctx));
        if (v === null) {
            ctx.log.debug({ transformation: step.where }, 'transformation ignored: a value cannot be carried');
            return null;
        }
        out.push(v);
    }
    return out;
}
function acceptHeaderValue(v) {
    return isHeaderValue(v) ? v : null;
}
/**
 * One pass over the original entries (`keyAt(i)` the key of the i-th): what each rename moves
 * (`tailAt(i)`: the value, or for a query pair what follows its name) and which SKIP keys are there.
 */
function collect(count, keyAt, tailAt, p) {
    const keys = new Array(count);
    const moved = [];
    let present = null;
    for (let i = 0; i < count; i++) {
        const key = keyAt(i);
        keys[i] = key;
        const r = p.renameFrom.get(key);
        if (r !== undefined)
            (moved[r] ??= []).push(tailAt(i));
        if (p.skip.has(key))
            (present ??= new Set()).add(key);
    }
    return { keys, moved, present };
}
/** Whether the original entry with `key` goes out unchanged. */
function passes(p, key, moved) {
    if (p.dropped.has(key) || !keeps(p, key))
        return false;
    // A rename whose source is there replaces its target.
    const r = p.renameTo.get(key);
    return r === undefined || moved[r] === undefined;
}
/** Request headers: `raw` is node's `rawHeaders`; returns the list to forward. */
export function editRawHeaders(raw, p, ctx) {
    const { keys, moved, present } = collect(raw.length / 2, (i) => raw[2 * i].toLowerCase(), (i) => raw[2 * i + 1], p);
    const out = [];
    for (let i = 0; i < keys.length; i++)
        if (passes(p, keys[i], moved))
            out.push(raw[2 * i], raw[2 * i + 1]);
    for (const step of p.set) {
        if (!step.kept || (step.ifExists === 'SKIP' && present?.has(step.key) === true))
            continue;
        const values = render(step, ctx, acceptHeaderValue);
        if (values !== null)
            for (const v of values)
                out.push(step.name, v);
    }
    p.rename.forEach((r, i) => {
        if (r.kept)
            for (const v of moved[i] ?? [])
                out.push(r.to, v);
    });
    return out;
}
/** Response headers: `headers` has lower-case names; edited in place. */
export function editHeaderMap(headers, p, ctx) {
    // Set and rename keys are distinct (names are unique across a policy), so the steps cannot read
    // each other's results and each rename reads its source as the backend sent it.
    for (const step of p.set) {
        const current = headers[step.key];
        if (current !== undefined && step.ifExists === 'SKIP')
            continue;
        const values = step.kept ? render(step, ctx, acceptHeaderValue) : null;
        if (values === null) {
            if (step.ifExists === 'OVERWRITE')
                delete headers[step.key];
            continue;
        }
        if (current !== undefined && step.ifExists === 'APPEND')
            headers[step.key] = [...(Array.isArray(current) ? current : [current]), ...values];
        else
            headers[step.key] = values.length === 1 ? values[0] : values;
    }
    for (const r of p.rename) {
        const v = headers[r.fromKey];
        if (v === undefined)
            continue;
        delete headers[r.fromKey];
        if (r.kept)
            headers[r.toKey] = v;
    }
    if (p.filter !== null)
        for (const key of Object.keys(headers))
            if (!keeps(p, key))
                delete headers[key];
}
/** A pair's name as URLSearchParams reads it (`+` is a space, percent-escapes decoded). */
function pairName(rawName) {
    if (!rawName.includes('%') && !rawName.includes('+'))
        return rawName;
    try {
        return decodeURIComponent(rawName.replace(/\+/g, ' '));
    }
    catch {
        // URLSearchParams keeps a malformed escape as it is; so does request.query[].
        return new URLSearchParams(`${rawName}=`).keys().next().value ?? rawName;
    }
}
/**
 * Query: `search` is the client's (`?a=1&b` or `''`); returns the query to forward, `''` for none.
 * Untouched pairs keep their bytes; set values are percent-encoded; a rename keeps the value's bytes.
 */
export function editSearch(search, p, ctx) {
    const pairs = search.length > 1 ? search.slice(1).split('&') : [];
    const { keys, moved, present } = collect(pairs.length, (i) => {
        const pair = pairs[i];
        const eq = pair.indexOf('=');
        return pairName(eq === -1 ? pair : pair.slice(0, eq));
    }, (i) => {
        const pair = pairs[i];
        const eq = pair.indexOf('=');
        return eq === -1 ? '' : pair.slice(eq);
    }, p);
    const out = [];
    pairs.forEach((pair, i) => {
        if (pair !== '' && passes(p, keys[i], moved))
            out.push(pair);
    });
    for (const step of p.set) {
        if (!step.kept || (step.ifExists === 'SKIP' && present?.has(step.key) === true))
            continue;
        const values = render(step, ctx, encodeComponent);
        if (values !== null)
            for (const v of values)
                out.push(`${step.name}=${v}`);
    }
    p.rename.forEach((r, i) => {
        if (r.kept)
            for (const tail of moved[i] ?? [])
                out.push(r.to + tail);
    });
    return out.length === 0 ? '' : `?${out.join('&')}`;
}
