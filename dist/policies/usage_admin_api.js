import { SubscriberError } from '../state/subscribers.js';
import { addSubscriberClient, createSubscriber, deleteSubscriber, liveCatalogInfo, listSubscribers, removeSubscriberClient, } from './usage_admin.js';
import { liveSubscriberIndex } from './usage_subscribers.js';
const PREFIX = '/admin/subscribers';
/** True for the paths these routes own. */
export function isSubscribersPath(path) {
    return path === PREFIX || path.startsWith(`${PREFIX}/`);
}
const error = (status, message) => ({ status, value: { code: status, message } });
class BadInput extends Error {
}
function parseJson(body) {
    let v;
    try {
        v = JSON.parse(body === '' ? 'null' : body);
    }
    catch {
        throw new BadInput('the body is not JSON');
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v))
        throw new BadInput('the body must be a JSON object');
    return v;
}
function onlyFields(o, allowed) {
    const extra = Object.keys(o).filter((k) => !allowed.includes(k));
    if (extra.length > 0)
        throw new BadInput(`unknown field${extra.length > 1 ? 's' : ''}: ${extra.join(', ')} (allowed: ${allowed.join(', ')})`);
}
function text(o, field, required) {
    const v = o[field];
    if (v === undefined && !required)
        return undefined;
    if (typeof v !== 'string' || v === '')
        throw new BadInput(`${field} must be a non-empty string`);
    return v;
}
function texts(v, field) {
    if (!Array.isArray(v) || v.some((e) => typeof e !== 'string' || e === ''))
        throw new BadInput(`${field} must be a list of non-empty strings`);
    return v;
}
function createInput(o) {
    onlyFields(o, ['id', 'displayName', 'usagePlans', 'clients']);
    const id = text(o, 'id', false);
    const clients = o['clients'] === undefined
        ? []
        : (Array.isArray(o['clients']) ? o['clients'] : [o['clients']]).map((c) => {
            // OCI's Subscriber shape lists clients as {name, token}; a token cannot be chosen here.
            if (typeof c === 'string' && c !== '')
                return c;
            if (c !== null && typeof c === 'object' && !Array.isArray(c)) {
                const entry = c;
                if (entry['token'] !== undefined)
                    throw new BadInput('clients[].token cannot be given: the gateway generates each token and answers it once');
                onlyFields(entry, ['name']);
                return text(entry, 'name', true);
            }
            throw new BadInput('clients must be a list of names (or {name} objects)');
        });
    return {
        ...(id === undefined ? {} : { id }),
        displayName: text(o, 'displayName', true),
        usagePlans: texts(o['usagePlans'], 'usagePlans'),
        clients,
    };
}
/** Answers one `/admin/subscribers…` request. */
export async function answerSubscribers(registry, method, path, body) {
    const index = liveSubscriberIndex(registry);
    const info = liveCatalogInfo(registry);
    if (index === null || info === null)
        return error(404, 'usage plans are not configured on this gateway (no usagePlans in the config file)');
    const parts = path.slice(PREFIX.length).split('/').slice(1);
    let segments;
    try {
        segments = parts.map((p) => decodeURIComponent(p));
    }
    catch {
        return error(400, 'malformed percent-encoding in the path');
    }
    const [id, sub, name, ...rest] = segments;
    try {
        const store = index.store;
        let answer = null;
        if (id === undefined) {
            if (method === 'GET' || method === 'HEAD')
                return { status: 200, value: await listSubscribers(store, info) };
            if (method === 'POST')
                answer = { status: 201, value: await createSubscriber(store, info, createInput(parseJson(body))) };
        }
        else if (id !== '' && sub === undefined) {
            if (method === 'DELETE') {
                await deleteSubscriber(store, info, id);
                answer = { status: 204, value: null };
            }
        }
        else if (id !== '' && sub === 'clients' && rest.length === 0) {
            if (name === undefined && method === 'POST') {
                const o = parseJson(body);
                onlyFields(o, ['name']);
                answer = { status: 201, value: await addSubscriberClient(store, info, id, text(o, 'name', true)) };
            }
            else if (name !== undefined && name !== '' && method === 'DELETE') {
                await removeSubscriberClient(store, info, id, name);
                answer = { status: 204, value: null };
            }
        }
        else {
            return error(404, 'Not Found');
        }
        if (answer === null)
            return error(405, `${method} is not allowed on ${path}`);
        // This gateway sees the change before the caller does.
        await index.refresh(true);
        return answer;
    }
    catch (err) {
        if (err instanceof BadInput)
            return error(400, err.message);
        if (err instanceof SubscriberError)
            return error(err.status, err.message);
        throw err;
    }
}
