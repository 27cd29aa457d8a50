/**
 * Which stores a configuration uses, taken from the gateway's SharedRegistry so that a reload with
 * the same settings keeps their counts, cached answers and connections:
 *
 *   counters (rate limits, quotas): state.redis → Redis; else the --workers primary's memory
 *            (ctx.localStore); else this process's memory
 *   cache    (response cache):     responseCacheDetails EXTERNAL_RESP_CACHE → that Redis server;
 *            else the same store as the counters (state.cache bounds the memory one)
 *
 * Settings equal → one connection: state.redis and responseCacheDetails naming the same server with
 * the same credentials and timeouts share it. Registry keys hash the settings, so no password sits
 * in one. Every store lives under `shared-state:`, where `/admin/state` and the `gatehouse_state_*`
 * metrics find them.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { resolveSecret } from '../lib/secrets.js';
import { scrapedMetric, useScrapedMetrics } from '../lib/scraped_metrics.js';
import { STATE_DEFAULTS } from './config.js';
import { createMemoryStore } from './memory.js';
import { isObservedStore } from './observed.js';
import { createRedisStore, createUnavailableStore, redisSettingsKey, redisTarget, settingsFromUrl } from './redis.js';
/** Registry key prefix of every store. */
export const STATE_KEY_PREFIX = 'shared-state:';
/** Builds (or takes from ctx.registry, keyed on settings so reloads keep connections) the stores the config names. */
export function sharedStores(config, ctx) {
    useScrapedMetrics(ctx.registry, 'shared-state', () => stateMetrics(ctx.registry));
    const state = config.state ?? {};
    const redis = state.redis !== undefined ? redisSettings(state, ctx) : null;
    const base = redis !== null ? redisStore(redis, ctx) : localStore(state, ctx);
    const details = config.responseCacheDetails;
    const cache = details?.type === 'EXTERNAL_RESP_CACHE' ? externalCacheStore(details, state, config.secrets, ctx) : base;
    return { counters: base, cache };
}
/** The health of every live store (for `/admin/state`). */
export function storesHealth(registry) {
    return registry.list(STATE_KEY_PREFIX).map((s) => s.health());
}
function localStore(state, ctx) {
    if (ctx.localStore !== undefined)
        return ctx.registry.acquire(`${STATE_KEY_PREFIX}local`, ctx.localStore, () => undefined);
    const memory = ctx.registry.acquire(`${STATE_KEY_PREFIX}memory`, () => createMemoryStore(state.cache ?? {}), (s) => s.close());
    memory.configureCache(state.cache ?? {});
    return memory;
}
/** `state.redis` as connection settings; a problem is reported on its path and yields null. */
function redisSettings(state, ctx) {
    const r = state.redis;
    if (r === undefined)
        return null;
    let ca;
    if (r.tls?.caFile !== undefined) {
        const path = resolve(ctx.baseDir, r.tls.caFile);
        try {
            ca = readFileSync(path, 'utf8');
        }
        catch (err) {
            ctx.issue('state.redis.tls.caFile', `cannot read ${path} (${err.code ?? 'unreadable'})`);
            return null;
        }
    }
    const tls = r.tls === undefined ? undefined : { ...(ca !== undefined ? { ca } : {}), rejectUnauthorized: r.tls.isSslVerifyDisabled !== true };
    try {
        return settingsFromUrl(r.url, {
            ...(r.password !== undefined ? { password: r.password } : {}),
            ...(r.connectTimeoutMs !== undefined ? { connectTimeoutMs: r.connectTimeoutMs } : {}),
            ...(r.commandTimeoutMs !== undefined ? { commandTimeoutMs: r.commandTimeoutMs } : {}),
            ...(tls !== undefined ? { tls } : {}),
            ...(state.cache?.maxEntryBytes !== undefined ? { maxEntryBytes: state.cache.maxEntryBytes } : {}),
        });
    }
    catch (err) {
        ctx.issue('state.redis.url', err.message);
        return null;
    }
}
function redisStore(s, ctx) {
    // An offline compile (validate, the --workers primary's banner plan) never connects; its store is
    // kept apart so that a later online compile in the same registry gets a connecting one.
    const key = `${STATE_KEY_PREFIX}redis:${redisSettingsKey(s)}${ctx.offline === true ? ':offline' : ''}`;
    return ctx.registry.acquire(key, () => createRedisStore(s, { log: ctx.log, lazy: ctx.offline === true }), (store) => store.close());
}
/** OCI's secret content: the password itself, or JSON `{"password": "...", "username"?: "..."}`. */
function credentials(secret) {
    if (secret.trimStart().startsWith('{')) {
        try {
            const parsed = JSON.parse(secret);
            if (typeof parsed.password === 'string')
                return { password: parsed.password, ...(typeof parsed.username === 'string' && parsed.username !== '' ? { username: parsed.username } : {}) };
        }
        catch {
            // Not JSON after all: a password that starts with "{".
        }
    }
    return { password: secret };
}
/** The response cache on OCI's external RESP server; a store that always rejects when its secret is missing. */
function externalCacheStore(d, state, secrets, ctx) {
    const server = d.servers[0];
    const tls = d.isSslEnabled === true ? { rejectUnauthorized: d.isSslVerifyDisabled !== true } : null;
    const secret = resolveSecret(secrets, d.authenticationSecretId, ctx.baseDir);
    if ('missing' in secret) {
        const target = redisTarget({ host: server.host, port: server.port, db: 0, tls });
        ctx.warn('responseCacheDetails.authenticationSecretId', `${secret.missing}; the response cache is bypassed`);
        return ctx.registry.acquire(`${STATE_KEY_PREFIX}unavailable:${target}:${d.authenticationSecretId}`, () => createUnavailableStore('redis', target, secret.missing), () => undefined);
    }
    const timeout = Math.max(d.readTimeoutInMs ?? 0, d.sendTimeoutInMs ?? 0);
    return redisStore({
        host: server.host,
        port: server.port,
        db: 0,
        ...credentials(secret.value),
        tls,
        connectTimeoutMs: d.connectTimeoutInMs ?? STATE_DEFAULTS.connectTimeoutMs,
        commandTimeoutMs: timeout > 0 ? timeout : STATE_DEFAULTS.commandTimeoutMs,
        maxEntryBytes: state.cache?.maxEntryBytes ?? STATE_DEFAULTS.cacheMaxEntryBytes,
    }, ctx);
}
const OPS = ['consume', 'get', 'set'];
/**
 * A gauge that a `--workers` primary's /metrics aggregates with `min` instead of summing: a store
 * is up (1) only while every worker reaches it, and never reads 2.
 */
function minAcrossWorkers(m) {
    return Object.assign(Object.create(null), m, {
        aggregator: 'min',
        get: async () => ({ ...(await m.get()), aggregator: 'min' }),
    });
}
/** `gatehouse_state_up{store}` and `gatehouse_state_failures_total{store,op}`, labelled by target (never a credential). */
function stateMetrics(registry) {
    /** Stores by target: two stores on one target (different timeouts, say) make one series. */
    const byTarget = () => {
        const out = new Map();
        for (const s of registry.list(STATE_KEY_PREFIX)) {
            const h = s.health();
            const row = out.get(h.target) ?? { up: true, failures: { consume: 0, get: 0, set: 0 } };
            row.up &&= h.up;
            if (isObservedStore(s))
                for (const op of OPS)
                    row.failures[op] += s.failuresByOp[op];
            out.set(h.target, row);
        }
        return out;
    };
    return [
        minAcrossWorkers(scrapedMetric('gatehouse_state_up', 'Whether each shared-state store (memory, the --workers primary, a Redis server) can be reached: 1 up, 0 down.', 'gauge', () => {
            const out = [];
            for (const [store, row] of byTarget())
                out.push({ labels: { store }, value: row.up ? 1 : 0 });
            return out;
        })),
        scrapedMetric('gatehouse_state_failures_total', 'Shared-state operations that failed (store unreachable or too slow), by store and operation; limits let those requests through, the cache is bypassed.', 'counter', () => {
            const out = [];
            for (const [store, row] of byTarget())
                for (const op of OPS)
                    out.push({ labels: { store, op }, value: row.failures[op] });
            return out;
        }),
    ];
}
