/**
 * Managing subscribers: what `gatehouse subscribers` and the admin API (`/admin/subscribers`) do,
 * in one place. Subscribers declared in the config file are listed but never changed here (the file
 * is their source of truth); API-managed ones go to the subscriber store. Plan references are
 * checked against the configuration's usage plans and stored as plan ids.
 */
import { randomBytes } from 'node:crypto';
import { SubscriberError } from '../state/subscribers.js';
export function planDirectory(plans) {
    const ids = new Set(plans.map((p) => p.id));
    const byName = new Map();
    for (const p of plans) {
        if (p.displayName === undefined)
            continue;
        const list = byName.get(p.displayName) ?? [];
        list.push(p.id);
        byName.set(p.displayName, list);
    }
    return {
        plans: plans.map((p) => ({ id: p.id, displayName: p.displayName ?? null })),
        resolve(ref) {
            if (ids.has(ref))
                return { id: ref };
            const named = byName.get(ref);
            if (named === undefined)
                return { problem: `no usage plan has the id or displayName ${JSON.stringify(ref)}` };
            if (named.length > 1)
                return { problem: `${named.length} usage plans have the displayName ${JSON.stringify(ref)}: name one by its id (${named.join(', ')})` };
            return { id: named[0] };
        },
    };
}
/** The config's usage plans and subscribers as the management operations see them (schema-valid input). */
export function catalogInfo(config) {
    const plans = (config.usagePlans ?? []);
    const subs = (config.subscribers ?? []);
    const directory = planDirectory(plans);
    return {
        directory,
        configSubscribers: subs.map((s) => ({
            id: s.id,
            displayName: s.displayName ?? s.id,
            usagePlans: s.usagePlans.map((ref) => {
                const r = directory.resolve(ref);
                return 'id' in r ? r.id : ref;
            }),
            clients: s.clients.map((c) => ({ name: c.name })),
            origin: 'config',
        })),
    };
}
const INFO_PREFIX = 'usage:catalog:';
let compiled = 0;
/** Registers `info` as the current plan's (a compile that is rejected takes it away again). */
export function publishCatalogInfo(registry, info) {
    compiled++;
    registry.acquire(`${INFO_PREFIX}${compiled}`, () => info, () => undefined);
}
/** The live plan's usage-plan catalog, or null when its config has no usage plans. */
export function liveCatalogInfo(registry) {
    const all = registry.list(INFO_PREFIX);
    return all[all.length - 1] ?? null;
}
function view(s) {
    return {
        id: s.id,
        displayName: s.displayName,
        usagePlans: [...s.usagePlans],
        clients: s.clients.map((c) => ({ name: c.name, timeCreated: c.createdAt })),
        origin: 'api',
        timeCreated: s.createdAt,
    };
}
/** Config-declared subscribers, then the store's. */
export async function listSubscribers(store, info) {
    const { subscribers } = await store.load();
    return [...info.configSubscribers, ...subscribers.map(view)];
}
function notInConfig(info, id) {
    if (info.configSubscribers.some((s) => s.id === id)) {
        throw new SubscriberError(409, `subscriber ${id} is declared in the config file: change it there`);
    }
}
export async function createSubscriber(store, info, input) {
    const id = input.id ?? `sub_${randomBytes(12).toString('hex')}`;
    notInConfig(info, id);
    const planIds = input.usagePlans.map((ref) => {
        const r = info.directory.resolve(ref);
        if ('problem' in r)
            throw new SubscriberError(400, r.problem);
        return r.id;
    });
    const { subscriber, tokens } = await store.create({ id, displayName: input.displayName, usagePlans: planIds, clients: input.clients ?? [] });
    return { subscriber: view(subscriber), tokens };
}
export async function deleteSubscriber(store, info, id) {
    notInConfig(info, id);
    if (!(await store.delete(id)))
        throw new SubscriberError(404, `no subscriber ${id}`);
}
export async function addSubscriberClient(store, info, id, name) {
    notInConfig(info, id);
    const { token } = await store.addClient(id, name);
    return { name, token };
}
export async function removeSubscriberClient(store, info, id, name) {
    notInConfig(info, id);
    if (!(await store.removeClient(id, name)))
        throw new SubscriberError(404, `subscriber ${id} has no client named ${name}`);
}
