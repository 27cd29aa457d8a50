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
import type { Redis } from 'ioredis';
import type { StoreOp } from './observed.ts';
import type { ExpiringSet } from './types.ts';

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

/** How the store hears about each command's outcome (its health and failure counts). */
export interface CommandHooks {
  answered(): void;
  /** Records the failure against `op` and rethrows it. */
  failed(op: StoreOp, err: unknown): never;
}

/** The set `name` on `client`. */
export function createRedisExpiringSet(client: Redis, name: string, hooks: CommandHooks): ExpiringSet {
  const key = PREFIX + name;
  const versionKey = `${key}:version`;
  const epochKey = `${key}:epoch`;
  const ok = <T>(v: T): T => (hooks.answered(), v);
  return {
    add: (member, expiresAtSec, maxMembers, nowSec) =>
      client.eval(ADD, 3, key, versionKey, epochKey, member, Math.ceil(expiresAtSec), maxMembers, Math.floor(nowSec), randomUUID()).then(
        (r) => ok(r === 'full' ? 'full' : r === 'updated' ? 'updated' : 'added'),
        (err: unknown) => hooks.failed('set', err),
      ),
    remove: (member) =>
      client.eval(REMOVE, 2, key, versionKey, member).then(
        (n) => ok(n === 1),
        (err: unknown) => hooks.failed('set', err),
      ),
    version: () =>
      client.mget(epochKey, versionKey).then(
        ([epoch, count]) => ok(`${epoch ?? 'none'}:${count ?? '0'}`),
        (err: unknown) => hooks.failed('get', err),
      ),
    members: (afterSec, limit) =>
      client.zrangebyscore(key, `(${Math.floor(afterSec)}`, '+inf', 'WITHSCORES', 'LIMIT', 0, limit).then(
        (flat) => {
          const out: [string, number][] = [];
          for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i]!, Number(flat[i + 1])]);
          return ok(out);
        },
        (err: unknown) => hooks.failed('get', err),
      ),
  };
}
