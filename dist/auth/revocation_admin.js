import { JTI_MAX_CHARS, RETAIN_AFTER_EXP_SEC } from './revocation.js';
import { liveRevocationList } from './revocation_compile.js';
const PREFIX = '/admin/revocations';
/** Largest batch in one bulk POST. */
const MAX_BATCH = 10_000;
/** The admin plane's body limit on these paths: a full batch of UUID-sized jtis is about 640 KB; 256-character ones fit too. */
export const REVOCATIONS_BODY_MAX_BYTES = 4 * 1024 * 1024;
/** A `exp` past this is in milliseconds, not seconds (year 5138 in seconds). */
const EXP_MAX_SEC = 1e11;
/** True for the paths these routes own. */
export function isRevocationsPath(path) {
    return path === PREFIX || path.startsWith(`${PREFIX}/`);
}
const error = (status, message) => ({ status, value: { code: status, message } });
const UNSHARED = 'the shared store (state.redis) could not be reached: the change applies on this gateway now and is sent to the store when it is back';
const FULL = 'the revocation list is full';
/** A well-formed entry, or the reason it is not. */
function entry(v, at) {
    if (typeof v !== 'object' || v === null || Array.isArray(v))
        return `${at} must be an object {"jti": "...", "exp": <Unix seconds>}`;
    const o = v;
    for (const k of Object.keys(o))
        if (k !== 'jti' && k !== 'exp')
            return `${at}.${k} is not a field (jti and exp are)`;
    const { jti, exp } = o;
    if (typeof jti !== 'string' || jti === '')
        return `${at}.jti must be a non-empty string (the token's jti claim)`;
    if (jti.length > JTI_MAX_CHARS)
        return `${at}.jti is longer than ${JTI_MAX_CHARS} characters`;
    if (typeof exp !== 'number' || !Number.isInteger(exp) || exp < 0)
        return `${at}.exp must be the token's exp claim: an integer, Unix seconds`;
    if (exp > EXP_MAX_SEC)
        return `${at}.exp must be in seconds since the epoch (${exp} looks like milliseconds)`;
    return { jti, exp };
}
/** The token is refused as expired by every policy: there is nothing left to revoke. */
const outlived = (exp, nowSec) => exp + RETAIN_AFTER_EXP_SEC <= nowSec;
function listAnswer(list) {
    const entries = list.list();
    return {
        status: 200,
        value: {
            count: entries.length,
            max: list.maxEntries,
            shared: list.syncState(),
            revocations: entries.map((e) => ({ jti: e.jti, exp: e.exp, expiresAt: new Date(e.exp * 1000).toISOString() })),
        },
    };
}
async function revokeOne(list, e) {
    const r = await list.revoke(e.jti, e.exp);
    if (r.result === 'full')
        return error(507, `${FULL} (${list.maxEntries} entries); entries leave it an hour after their token's exp`);
    const value = { jti: e.jti, exp: e.exp, shared: r.shared };
    if (r.shared === false)
        value['warning'] = UNSHARED;
    return { status: r.result === 'added' ? 201 : 200, value };
}
async function revokeBatch(list, items, nowSec) {
    if (items.length > MAX_BATCH)
        return error(400, `revocations holds at most ${MAX_BATCH} entries`);
    const valid = [];
    for (let i = 0; i < items.length; i++) {
        const e = entry(items[i], `revocations[${i}]`);
        if (typeof e === 'string')
            return error(400, e);
        valid.push(e);
    }
    // A replay (cluster_revocations.ts) may carry entries whose time ran out on the way: skipped, not an error.
    const kept = valid.filter((e) => !outlived(e.exp, nowSec));
    const skipped = valid.length - kept.length;
    let added = 0;
    let updated = 0;
    let shared = null;
    for (const e of kept) {
        const r = await list.revoke(e.jti, e.exp);
        if (r.result === 'full')
            return error(507, `${FULL} (${list.maxEntries} entries) after ${added} added and ${updated} updated`);
        if (r.result === 'added')
            added++;
        else
            updated++;
        shared = shared === false ? false : r.shared;
    }
    return { status: 200, value: { added, updated, skipped, shared, ...(shared === false ? { warning: UNSHARED } : {}) } };
}
/** Answers one `/admin/revocations…` request. */
export async function answerRevocations(registry, method, path, body, nowMs = Date.now()) {
    const list = liveRevocationList(registry);
    if (list === null)
        return error(503, 'no configuration loaded yet');
    const nowSec = Math.floor(nowMs / 1000);
    if (path === PREFIX) {
        if (method === 'GET' || method === 'HEAD')
            return listAnswer(list);
        if (method !== 'POST')
            return error(405, `${method} is not allowed on ${PREFIX}`);
        let parsed;
        try {
            parsed = JSON.parse(body);
        }
        catch {
            return error(400, 'the body must be JSON: {"jti": "...", "exp": <Unix seconds>}');
        }
        const batch = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed.revocations : undefined;
        if (batch !== undefined) {
            if (!Array.isArray(batch) || Object.keys(parsed).length !== 1)
                return error(400, 'a batch is {"revocations": [{"jti": "...", "exp": <Unix seconds>}, ...]} and nothing else');
            return revokeBatch(list, batch, nowSec);
        }
        const e = entry(parsed, 'body');
        if (typeof e === 'string')
            return error(400, e);
        if (outlived(e.exp, nowSec))
            return error(400, `body.exp is more than ${RETAIN_AFTER_EXP_SEC} s in the past: the token is refused as expired already`);
        return revokeOne(list, e);
    }
    const rest = path.slice(PREFIX.length + 1);
    if (rest === '' || rest.includes('/'))
        return error(404, 'Not Found');
    let jti;
    try {
        jti = decodeURIComponent(rest);
    }
    catch {
        return error(400, 'malformed percent-encoding in the path');
    }
    if (method !== 'DELETE')
        return error(405, `${method} is not allowed on ${PREFIX}/<jti>`);
    const r = await list.unrevoke(jti);
    if (!r.result)
        return error(404, 'this jti is not on the revocation list');
    return r.shared === false ? { status: 200, value: { jti, shared: false, warning: UNSHARED } } : { status: 204, value: null };
}
