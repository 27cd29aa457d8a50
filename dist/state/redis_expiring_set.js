/**
 * An ExpiringSet on Redis (the token revocation list shared by every gateway on one server): a
 * sorted set `gatehouse:set:<name>` scored by each member's expiry (Unix seconds), a counter
 * `gatehouse:set:<name>:version` bumped by every change, and `gatehouse:set:<name>:epoch`, a random
 * id the first write after the set was lost creates: a reader polls one MGET (`<epoch>:<count>`)
 * and reads the set again only when it changed. A new epoch tells readers the server lost the set
 * (a restart without persistence), which a counter alone cannot: it starts again from 1. Changes are Lua scripts: the bound check, the write and the
 * version bump happen atomically, whichever gateway makes them. Expired members are dropped by the
 * next add (ZREMRANGEBYSCORE) and skipped by readers, so the set never needs a sweeper of its own.
 */
import { randomUUID } from 'node:crypto';
const PREFIX = 'gatehouse:set:';
// KEYS: set, version, epoch. ARGV: member, expiresAtSec, maxMembers, nowSec, a fresh epoch.
const ADD = `
redis.call('SET', KEYS[3], ARGV[5], 'NX')
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[4])
local had = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not had and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 'full' end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('INCR', KEYS[2])
if had then return 'updated' end
return 'added'`;
// KEYS: set, version. ARGV: member.
const REMOVE = `
local n = redis.call('ZREM', KEYS[1], ARGV[1])
if n == 1 then redis.call('INCR', KEYS[2]) end
return n`;
/** The set `name` on `client`. */
export function createRedisExpiringSet(client, name, hooks) {
    const key = PREFIX + name;
    const versionKey = `${key}:version`;
    const epochKey = `${key}:epoch`;
    /** Sends `command` once the first connection attempt is over; its answer goes through `read`, a failure is counted against `op`. */
    const run = (op, command, read) => {
        const first = hooks.firstAttempt();
        return (first === null ? command() : first.then(command)).then((answer) => (hooks.answered(), read(answer)), (err) => hooks.failed(op, err));
    };
    return {
        add: (member, expiresAtSec, maxMembers, nowSec) => run('set', () => client.eval(ADD, 3, key, versionKey, epochKey, member, Math.ceil(expiresAtSec), maxMembers, Math.floor(nowSec), randomUUID()), (r) => (r === 'full' ? 'full' : r === 'updated' ? 'updated' : 'added')),
        remove: (member) => run('set', () => client.eval(REMOVE, 2, key, versionKey, member), (n) => n === 1),
        version: () => run('get', () => client.mget(epochKey, versionKey), ([epoch, count]) => `${epoch ?? 'none'}:${count ?? '0'}`),
        members: (afterSec, limit) => run('get', () => client.zrangebyscore(key, `(${Math.floor(afterSec)}`, '+inf', 'WITHSCORES', 'LIMIT', 0, limit), (flat) => {
            const out = [];
            for (let i = 0; i + 1 < flat.length; i += 2)
                out.push([flat[i], Number(flat[i + 1])]);
            return out;
        }),
    };
}
