/**
 * The Redis store (`state.redis`, or OCI's `responseCacheDetails` for the cache): counters are
 * rate-limiter-flexible's RateLimiterRedis (one atomic Lua script per hit: SET NX EX, INCRBY, PTTL),
 * the cache is `SET gatehouse:cache:<key> <value> PX <ttl>` / `GET` as Buffers, the revocation list a
 * sorted set (redis_expiring_set.ts). One ioredis client
 * per distinct settings; index.ts shares it between counters and cache through the registry.
 *
 * Redis trouble must never hold or fail a request (issue 13), so the client is set to fail fast
 * rather than queue: `enableOfflineQueue: false` (a command while disconnected fails at once),
 * `maxRetriesPerRequest: 0` and no resend after a reconnect (an in-flight command fails with the
 * connection), `commandTimeout` (a hung server fails the command), and a retryStrategy that
 * reconnects forever with a backoff capped at 2 s, so recovery needs no restart. Only the very
 * first connection attempt is waited for (bounded), so the requests right after start are counted.
 *
 * Health follows the connection ('ready' → up; 'error'/'close' or a failed command → down) and is
 * logged once per outage: one warning when it starts, one info line when it ends.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { limiterCounters } from './limiters.js';
import { STATE_DEFAULTS } from './config.js';
import { noFailures, totalFailures } from './observed.js';
import { createRedisExpiringSet } from './redis_expiring_set.js';
/** Where the server is, safe to print (no credentials): `redis://10.0.0.5:6379/0`. */
export function redisTarget(s) {
    const host = s.host.includes(':') ? `[${s.host}]` : s.host;
    return `${s.tls === null ? 'redis' : 'rediss'}://${host}:${s.port}/${s.db}`;
}
/** A registry key for these settings: a hash, so the password never sits in the key in clear. */
export function redisSettingsKey(s) {
    return createHash('sha256').update(JSON.stringify(s)).digest('base64url').slice(0, 22);
}
/**
 * Settings from `state.redis`'s URL (`redis[s]://[user[:password]@]host[:port][/db]`) and fields;
 * `password` wins over one in the URL. Throws with a message naming what is wrong (no password in it).
 */
export function settingsFromUrl(url, extra) {
    let u;
    try {
        u = new URL(url);
    }
    catch {
        throw new Error('must be a redis:// or rediss:// URL');
    }
    if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
        throw new Error('must be a redis:// or rediss:// URL');
    if (u.hostname === '')
        throw new Error('has no host');
    const dbText = u.pathname.replace(/^\//, '');
    if (dbText !== '' && !/^\d+$/.test(dbText))
        throw new Error('the path must be a database number (redis://host:6379/0)');
    const secure = u.protocol === 'rediss:';
    const username = decodeURIComponent(u.username);
    const urlPassword = decodeURIComponent(u.password);
    const password = extra.password ?? (urlPassword !== '' ? urlPassword : undefined);
    return {
        host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: u.port === '' ? 6379 : Number(u.port),
        db: dbText === '' ? 0 : Number(dbText),
        ...(username !== '' ? { username } : {}),
        ...(password !== undefined && password !== '' ? { password } : {}),
        tls: secure || extra.tls !== undefined ? (extra.tls ?? { rejectUnauthorized: true }) : null,
        connectTimeoutMs: extra.connectTimeoutMs ?? STATE_DEFAULTS.connectTimeoutMs,
        commandTimeoutMs: extra.commandTimeoutMs ?? STATE_DEFAULTS.commandTimeoutMs,
        maxEntryBytes: extra.maxEntryBytes ?? STATE_DEFAULTS.cacheMaxEntryBytes,
    };
}
/** Reconnect delay after `attempt` failed attempts: 100 ms doubling, capped at 2 s; never gives up. */
export function reconnectDelayMs(attempt) {
    return Math.min(100 * 2 ** Math.min(Math.max(attempt - 1, 0), 5), 2000);
}
/** An error's message without anything that could be a credential (ioredis puts none in; be sure). */
function safeMessage(err) {
    const m = err instanceof Error ? err.message : String(err);
    return m.replace(/\/\/[^@\s/]*@/g, '//[redacted]@').slice(0, 300);
}
const CACHE_PREFIX = 'gatehouse:cache:';
const LIMIT_PREFIX = 'gatehouse:limit:';
// ioredis costs ~60 ms and ~23 MB to load: only a configuration that names a Redis pays for it.
const require = createRequire(import.meta.url);
const loadRedis = () => require('ioredis').Redis;
const loadRateLimiterRedis = () => require('rate-limiter-flexible').RateLimiterRedis;
/** A store on the Redis server `s` names. */
export function createRedisStore(s, opts) {
    const target = redisTarget(s);
    const log = opts.log.child({ component: 'state', store: target });
    const options = {
        host: s.host,
        port: s.port,
        db: s.db,
        ...(s.username !== undefined ? { username: s.username } : {}),
        ...(s.password !== undefined ? { password: s.password } : {}),
        ...(s.tls !== null ? { tls: { rejectUnauthorized: s.tls.rejectUnauthorized, ...(s.tls.ca !== undefined ? { ca: s.tls.ca } : {}) } } : {}),
        // RESP2: every RESP server speaks it (OCI's external cache may be KeyDB or an older Redis).
        protocol: 2,
        connectTimeout: s.connectTimeoutMs,
        commandTimeout: s.commandTimeoutMs,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        autoResendUnfulfilledCommands: false,
        autoResubscribe: false,
        retryStrategy: reconnectDelayMs,
        lazyConnect: opts.lazy === true,
        connectionName: 'gatehouse',
    };
    const client = new (loadRedis())(options);
    let up = false;
    let downSince = new Date().toISOString();
    let lastError = null;
    let outageLogged = false;
    const failuresByOp = noFailures();
    let closed = false;
    function markDown(reason) {
        lastError = reason;
        if (up) {
            up = false;
            downSince = new Date().toISOString();
        }
        if (!outageLogged && !closed) {
            outageLogged = true;
            log.warn({ err: reason }, 'shared-state store unreachable: limits let requests through and the cache is bypassed until it is back');
        }
    }
    function markUp() {
        if (up)
            return;
        up = true;
        downSince = null;
        lastError = null;
        if (outageLogged) {
            outageLogged = false;
            log.info('shared-state store reachable again');
        }
    }
    /**
     * Until the first connection attempt has ended, one way or the other, operations wait for it:
     * requests right after start would otherwise all go uncounted and uncached while the socket opens.
     * Bounded by connectTimeoutMs + commandTimeoutMs; null afterwards, and from then on nothing waits.
     */
    let firstAttempt = null;
    if (opts.lazy !== true) {
        firstAttempt = new Promise((resolve) => {
            // A server that accepts the connection and then says nothing must not hold requests either.
            const timer = setTimeout(() => settle(), s.connectTimeoutMs + s.commandTimeoutMs);
            timer.unref();
            const settle = () => {
                clearTimeout(timer);
                firstAttempt = null;
                resolve();
            };
            client.once('ready', settle);
            client.once('error', settle);
            client.once('close', settle);
        });
    }
    client.on('ready', markUp);
    client.on('error', (err) => markDown(safeMessage(err)));
    client.on('close', () => {
        if (!closed)
            markDown(lastError ?? 'connection closed');
    });
    function recordFailure(op, err) {
        failuresByOp[op]++;
        // Disconnected, a command fails with ioredis's "Stream isn't writeable..."; the connection's own
        // error (ECONNREFUSED, WRONGPASS...) says more, so it stays the one shown.
        markDown(client.status === 'ready' ? safeMessage(err) : (lastError ?? 'not connected'));
    }
    function failed(op, err) {
        recordFailure(op, err);
        throw err instanceof Error ? err : new Error(String(err));
    }
    /** A command answered: the server is there, whatever the events said. */
    function answered() {
        if (!up && client.status === 'ready')
            markUp();
    }
    const sets = new Map();
    const direct = limiterCounters((spec) => new (loadRateLimiterRedis())({
        storeClient: client,
        keyPrefix: `${LIMIT_PREFIX}${spec.name}`,
        points: spec.points,
        duration: spec.windowSeconds,
        // Fail at once while disconnected instead of sending into a closed connection.
        rejectIfRedisNotReady: true,
    }), { answered, failed: (err) => recordFailure('consume', err) });
    const counters = {
        consume: (spec, key, windowSeconds) => (firstAttempt === null ? direct.consume(spec, key, windowSeconds) : firstAttempt.then(() => direct.consume(spec, key, windowSeconds))),
    };
    const get = (key) => client.getBuffer(CACHE_PREFIX + key).then((v) => (answered(), v), (err) => failed('get', err));
    const set = (key, value, ttlMs) => client.set(CACHE_PREFIX + key, value, 'PX', Math.ceil(ttlMs)).then(() => answered(), (err) => failed('set', err));
    return {
        counters,
        cache: {
            get(key) {
                return firstAttempt === null ? get(key) : firstAttempt.then(() => get(key));
            },
            set(key, value, ttlMs) {
                if (value.length > s.maxEntryBytes || ttlMs <= 0)
                    return Promise.resolve();
                return firstAttempt === null ? set(key, value, ttlMs) : firstAttempt.then(() => set(key, value, ttlMs));
            },
        },
        // One object per name: the revocation list asks again on every compile.
        expiringSet: (name) => sets.get(name) ?? sets.set(name, createRedisExpiringSet(client, name, { answered, failed, firstAttempt: () => firstAttempt })).get(name),
        failuresByOp,
        health() {
            return { kind: 'redis', target, up, lastError, downSince: up ? null : downSince, failures: totalFailures(failuresByOp) };
        },
        async close() {
            closed = true;
            if (client.status === 'ready') {
                const quit = client.quit().catch(() => undefined);
                const timer = new Promise((r) => setTimeout(r, s.commandTimeoutMs).unref());
                await Promise.race([quit, timer]);
            }
            client.disconnect();
        },
    };
}
/**
 * A store that cannot be used (its password's secret is missing, say): every operation rejects, so
 * limits let requests through and the cache is bypassed, and `/admin/state` shows why.
 */
export function createUnavailableStore(kind, target, reason) {
    const failuresByOp = noFailures();
    const since = new Date().toISOString();
    const fail = (op) => {
        failuresByOp[op]++;
        return Promise.reject(new Error(reason));
    };
    return {
        counters: { consume: () => fail('consume') },
        cache: { get: () => fail('get'), set: () => fail('set') },
        failuresByOp,
        health: () => ({ kind, target, up: false, lastError: reason, downSince: since, failures: totalFailures(failuresByOp) }),
        close: () => Promise.resolve(),
    };
}
