/**
 * `routes` + `[0]` → `routes[0]`, `routes[0]` + `path` → `routes[0].path`: how every normalised
 * path is built (normalize.ts records spellings under it, validate.ts names problems with it), so
 * the paths this file looks up are spelled the same way.
 */
export function join(path, segment) {
    return segment.startsWith('[') || path === '' ? `${path}${segment}` : `${path}.${segment}`;
}
/** `requestPolicies` → `request-policies`, as the `oci` CLI prints keys. */
export function kebab(key) {
    return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
/**
 * Splits a path against the document it points into. Keys may contain dots (`content` maps are
 * keyed by media type), so at each object the longest key that fits is taken.
 */
function tokenize(doc, path) {
    const tokens = [];
    let node = doc;
    let rest = path;
    while (rest !== '') {
        const index = /^\[(\d+)\]/.exec(rest);
        if (index !== null) {
            const i = Number(index[1]);
            const present = Array.isArray(node) && i < node.length;
            tokens.push({ text: index[0], index: true, present });
            node = present ? node[i] : undefined;
            rest = rest.slice(index[0].length);
            continue;
        }
        if (tokens.length > 0 && rest.startsWith('.'))
            rest = rest.slice(1);
        let key;
        if (node !== null && typeof node === 'object' && !Array.isArray(node)) {
            for (const k of Object.keys(node)) {
                const fits = rest.startsWith(k) && (rest.length === k.length || rest[k.length] === '.' || rest[k.length] === '[');
                if (fits && (key === undefined || k.length > key.length))
                    key = k;
            }
        }
        const present = key !== undefined;
        if (key === undefined)
            key = /^[^.[]+/.exec(rest)?.[0] ?? rest;
        tokens.push({ text: key, index: false, present });
        node = present ? node[key] : undefined;
        rest = rest.slice(key.length);
    }
    return tokens;
}
/** Rebuilds `tokens` in the file's spelling; a missing key is kebab-cased when the file is. */
function spell(tokens, spelling, base, kebabCase) {
    let normalised = base;
    let out = '';
    for (const t of tokens) {
        normalised = join(normalised, t.text);
        const written = spelling.get(normalised) ?? (!t.present && !t.index && kebabCase ? kebab(t.text) : t.text);
        out = join(out, written);
    }
    return out;
}
/** True when some key under `root` was renamed from kebab-case (index shifts do not count). */
function usesKebab(spelling, root) {
    for (const [path, written] of spelling) {
        if (!written.startsWith('[') && (root === '' || path.startsWith(root)))
            return true;
    }
    return false;
}
/** Turns a normalised path (`deployments[0].specification.routes[0].requestPolicies`) into where it is written. */
export function locate(doc, map, path) {
    const tokens = tokenize(doc, path);
    const [first, second, third] = tokens;
    const inSpecification = first?.text === 'deployments' && second?.index === true && third?.text === 'specification';
    if (!inSpecification)
        return { where: spell(tokens, map.spelling, '', false), kebab: false };
    const i = Number(second.text.slice(1, -1));
    const source = map.specifications.get(i);
    if (source === undefined) {
        const root = `deployments[${i}].specification`;
        const kebabCase = usesKebab(map.spelling, root);
        return { where: spell(tokens, map.spelling, '', kebabCase), kebab: kebabCase };
    }
    const kebabCase = usesKebab(source.spelling, '');
    const inner = spell(tokens.slice(3), source.spelling, '', kebabCase);
    const inFile = inner === '' ? source.prefix : source.prefix === '' ? inner : join(source.prefix, inner);
    return { where: inFile === '' ? source.file : `${source.file}: ${inFile}`, kebab: kebabCase };
}
