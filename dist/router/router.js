/**
 * Path router built once per plan: a tree of path segments with static children, one parameter
 * child (`{id}`) and one wildcard (`{rest*}`, last segment only) per node. Matching prefers static
 * over parameter over wildcard and backtracks, so `/items/new` beats `/items/{id}`.
 *
 *   /v1 ─┬─ hello                     (GET → route A)
 *        ├─ items ─┬─ new             (POST → route B)
 *        │         └─ {·} ─ details   (ANY → route C; names per route: id)
 *        └─ files ─ {*}               (GET → route D; name: rest)
 *
 * Parameter names belong to the route, not the node, so `/a/{id}` and `/a/{key}/b` can coexist.
 */
class Node {
    statics = new Map();
    param = null;
    wildcard = null;
    leaf = null;
}
function newLeaf() {
    return { byMethod: new Map(), any: null, names: new Map(), allowed: [] };
}
/** Thrown by `add` for an invalid pattern or an overlap; the compiler attaches the config path. */
export class RouteConflict extends Error {
}
const PARAM = /^\{([A-Za-z_][A-Za-z0-9_.-]*)(\*)?\}$/;
export class Router {
    #root = new Node();
    /**
     * Adds `pattern` (e.g. `/v1/items/{id}`) for `methods` (`['ANY']` for all).
     * Throws RouteConflict when the pattern is malformed or a method is already taken.
     */
    add(pattern, methods, value) {
        if (!pattern.startsWith('/'))
            throw new RouteConflict('must start with /');
        const segs = pattern.split('/').slice(1);
        if (segs.length > 0 && segs[segs.length - 1] === '')
            segs.pop();
        let node = this.#root;
        const names = [];
        let leaf = null;
        for (let i = 0; i < segs.length; i++) {
            const seg = segs[i];
            if (seg === '')
                throw new RouteConflict('must not contain an empty segment (//)');
            const m = PARAM.exec(seg);
            if (m === null) {
                if (seg.includes('{') || seg.includes('}'))
                    throw new RouteConflict(`"${seg}": a parameter must be a whole segment, {name} or {name*}`);
                let next = node.statics.get(seg);
                if (next === undefined)
                    node.statics.set(seg, (next = new Node()));
                node = next;
                continue;
            }
            const name = m[1];
            if (names.includes(name))
                throw new RouteConflict(`parameter {${name}} appears twice`);
            names.push(name);
            if (m[2] === '*') {
                if (i !== segs.length - 1)
                    throw new RouteConflict(`wildcard {${name}*} must be the last segment`);
                leaf = node.wildcard ??= newLeaf();
                break;
            }
            node = node.param ??= new Node();
        }
        leaf ??= node.leaf ??= newLeaf();
        for (const method of methods) {
            if (method === 'ANY') {
                if (leaf.any !== null || leaf.byMethod.size > 0)
                    throw new RouteConflict('overlaps another route with the same path and methods');
                leaf.any = value;
            }
            else {
                if (leaf.any !== null || leaf.byMethod.has(method))
                    throw new RouteConflict(`overlaps another route with the same path and method ${method}`);
                leaf.byMethod.set(method, value);
                leaf.allowed.push(method);
            }
        }
        leaf.names.set(value, names);
    }
    /** Matches decoded path segments and a method; returns null when no path matches (404). */
    match(segments, method) {
        const values = [];
        const found = this.#walk(this.#root, segments, 0, values);
        if (found === null)
            return null;
        const { leaf } = found;
        let value = leaf.byMethod.get(method) ?? leaf.any;
        if (value === null && method === 'HEAD')
            value = leaf.byMethod.get('GET') ?? null;
        if (value === null)
            return { value: null, params: {}, allowed: leaf.allowed, wildcardFrom: -1 };
        const names = leaf.names.get(value);
        const params = {};
        for (let i = 0; i < names.length; i++)
            params[names[i]] = found.values[i];
        return { value, params, allowed: leaf.allowed, wildcardFrom: found.wildcardFrom };
    }
    #walk(node, segs, i, values) {
        if (i === segs.length) {
            if (node.leaf !== null)
                return { leaf: node.leaf, values, wildcardFrom: -1 };
            if (node.wildcard !== null)
                return { leaf: node.wildcard, values: [...values, ''], wildcardFrom: i };
            return null;
        }
        const seg = segs[i];
        const stat = node.statics.get(seg);
        if (stat !== undefined) {
            const r = this.#walk(stat, segs, i + 1, values);
            if (r !== null)
                return r;
        }
        if (node.param !== null) {
            values.push(seg);
            const r = this.#walk(node.param, segs, i + 1, values);
            if (r !== null)
                return r;
            values.pop();
        }
        if (node.wildcard !== null)
            return { leaf: node.wildcard, values: [...values, segs.slice(i).join('/')], wildcardFrom: i };
        return null;
    }
}
