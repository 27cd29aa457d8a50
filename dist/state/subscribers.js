/**
 * Usage-plan subscribers managed through the CLI and the admin API (those declared in the config
 * file never come here). They live in the token service's database — SQLite by default, or
 * PostgreSQL — through the same driver and the same SQL on both, in tables prefixed `gw_`. Every
 * write bumps a revision number, which running gateways poll to pick up changes made elsewhere
 * (the CLI, another instance), as the identity provider does with its own.
 *
 * Client tokens are stored as their SHA-256 only, never in clear; a token is shown once, when it is
 * created. A fast hash is right here, unlike for passwords (idp/secret_hash.ts uses scrypt): a
 * generated token carries 256 random bits, so no amount of guessing can invert its hash, and an
 * unsalted hash lets the gateway find a request's subscriber with one lookup instead of a slow
 * check per stored token.
 */
import { createHash, randomBytes } from 'node:crypto';
import { DEFAULT_DATABASE } from '../idp/settings.js';
import { openDriver } from '../idp/store/store.js';
const SCHEMA = [
    'CREATE TABLE IF NOT EXISTS gw_subscriber_revision (id INTEGER PRIMARY KEY, revision BIGINT NOT NULL)',
    `CREATE TABLE IF NOT EXISTS gw_subscribers (id TEXT PRIMARY KEY, display_name TEXT NOT NULL, usage_plans TEXT NOT NULL,
     created_at TEXT NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS gw_subscriber_clients (subscriber_id TEXT NOT NULL, name TEXT NOT NULL,
     token_hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, PRIMARY KEY (subscriber_id, name))`,
    'INSERT INTO gw_subscriber_revision (id, revision) VALUES (1, 0) ON CONFLICT (id) DO NOTHING',
];
/** What generated client tokens start with, so a leaked one is recognisable (secret scanners, logs). */
export const CLIENT_TOKEN_PREFIX = 'ghk_';
/** Random bytes in a generated client token (256 bits). */
const TOKEN_BYTES = 32;
const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,254}$/;
// A client name travels in admin URLs (`/clients/{name}`): no slash, no control characters.
const CLIENT_NAME = /^[^\s/\p{Cc}][^/\p{Cc}]{0,99}$/u;
/** A refused change: `status` is the HTTP status the admin API answers with. */
export class SubscriberError extends Error {
    status;
    constructor(status, message) {
        super(message);
        this.name = 'SubscriberError';
        this.status = status;
    }
}
/** The hex SHA-256 of a client token: what the database and the gateway's index hold. */
export function hashClientToken(token) {
    return createHash('sha256').update(token, 'utf8').digest('hex');
}
/** A new client token: `ghk_` and 32 random bytes in base64url (47 characters). */
export function generateClientToken() {
    return `${CLIENT_TOKEN_PREFIX}${randomBytes(TOKEN_BYTES).toString('base64url')}`;
}
/** The database that holds subscribers: `state.database`, else `identityProvider.database`, else the token service's default. */
export function subscriberDatabase(config) {
    return config.state?.database ?? identityProviderDatabase(config) ?? DEFAULT_DATABASE;
}
/** `identityProvider.database`, when set (the section is validated by its own schema). */
export function identityProviderDatabase(config) {
    const section = config.identityProvider;
    return section?.database;
}
/** Checks a subscriber id; an error message, or null. */
export function badSubscriberId(id) {
    return ID.test(id) ? null : 'a subscriber id is 1-255 letters, digits, ".", "_", ":" or "-", starting with a letter or digit';
}
/** Checks a client name; an error message, or null. */
export function badClientName(name) {
    return CLIENT_NAME.test(name) ? null : 'a client name is 1-100 characters, without "/" or control characters, not starting with a space';
}
const str = (v) => String(v);
export class SubscriberStore {
    #db;
    constructor(db) {
        this.#db = db;
    }
    /** Opens (without migrating) the database named by `database`: a `postgres://` URL or a SQLite path relative to `baseDir`. */
    static open(database, baseDir) {
        return new SubscriberStore(openDriver(database, baseDir));
    }
    /** Where the store is, safe to print (no password). */
    get description() {
        return this.#db.description;
    }
    /** Creates the tables when missing. */
    async migrate() {
        await this.#db.transaction(async (q) => {
            for (const sql of SCHEMA)
                await q(sql);
        });
    }
    async revision() {
        const rows = await this.#db.query('SELECT revision FROM gw_subscriber_revision WHERE id = 1');
        return Number(rows[0]?.['revision'] ?? 0);
    }
    /** Every subscriber with its clients, and the revision they belong to. */
    load() {
        return loadAll(this.#db.query);
    }
    /**
     * Adds a subscriber, with a client and a new token for each of `clients` (names); the tokens are
     * returned here and never again.
     */
    async create(input) {
        const idProblem = badSubscriberId(input.id);
        if (idProblem !== null)
            throw new SubscriberError(400, idProblem);
        if (input.displayName.trim() === '' || input.displayName.length > 255)
            throw new SubscriberError(400, 'displayName must be 1-255 characters');
        if (input.usagePlans.length === 0)
            throw new SubscriberError(400, 'a subscriber needs at least one usage plan');
        const names = input.clients ?? [];
        for (const name of names) {
            const problem = badClientName(name);
            if (problem !== null)
                throw new SubscriberError(400, problem);
        }
        if (new Set(names).size !== names.length)
            throw new SubscriberError(400, 'client names must be unique within a subscriber');
        const createdAt = new Date().toISOString();
        const tokens = names.map((name) => ({ name, token: generateClientToken() }));
        const clients = tokens.map((t) => ({ name: t.name, tokenHash: hashClientToken(t.token), createdAt }));
        const subscriber = { id: input.id, displayName: input.displayName, usagePlans: [...input.usagePlans], clients, createdAt };
        await this.#write(async (q) => {
            if ((await q('SELECT id FROM gw_subscribers WHERE id = $1', [input.id])).length > 0) {
                throw new SubscriberError(409, `subscriber ${input.id} already exists`);
            }
            await q('INSERT INTO gw_subscribers (id, display_name, usage_plans, created_at) VALUES ($1, $2, $3, $4)', [
                input.id,
                input.displayName,
                JSON.stringify(input.usagePlans),
                createdAt,
            ]);
            for (const c of clients)
                await insertClient(q, input.id, c);
        });
        return { subscriber, tokens };
    }
    /** Removes a subscriber and its clients; false when there was none. */
    async delete(id) {
        return this.#write(async (q) => {
            if ((await q('SELECT id FROM gw_subscribers WHERE id = $1', [id])).length === 0)
                return false;
            await q('DELETE FROM gw_subscriber_clients WHERE subscriber_id = $1', [id]);
            await q('DELETE FROM gw_subscribers WHERE id = $1', [id]);
            return true;
        });
    }
    /** Adds a client with a new token; the token is returned here and never again. */
    async addClient(subscriberId, name) {
        const nameProblem = badClientName(name);
        if (nameProblem !== null)
            throw new SubscriberError(400, nameProblem);
        const token = generateClientToken();
        const client = { name, tokenHash: hashClientToken(token), createdAt: new Date().toISOString() };
        await this.#write(async (q) => {
            if ((await q('SELECT id FROM gw_subscribers WHERE id = $1', [subscriberId])).length === 0) {
                throw new SubscriberError(404, `no subscriber ${subscriberId}`);
            }
            if ((await q('SELECT name FROM gw_subscriber_clients WHERE subscriber_id = $1 AND name = $2', [subscriberId, name])).length > 0) {
                throw new SubscriberError(409, `subscriber ${subscriberId} already has a client named ${name}`);
            }
            await insertClient(q, subscriberId, client);
        });
        return { client, token };
    }
    /** Removes one client (its token stops working); false when the subscriber has no such client. */
    async removeClient(subscriberId, name) {
        return this.#write(async (q) => {
            if ((await q('SELECT name FROM gw_subscriber_clients WHERE subscriber_id = $1 AND name = $2', [subscriberId, name])).length === 0)
                return false;
            await q('DELETE FROM gw_subscriber_clients WHERE subscriber_id = $1 AND name = $2', [subscriberId, name]);
            return true;
        });
    }
    close() {
        return this.#db.close();
    }
    /** Runs `fn` in a transaction and bumps the revision when it changed something (returned true or a value). */
    #write(fn) {
        return this.#db.transaction(async (q) => {
            const out = await fn(q);
            if (out !== false)
                await q('UPDATE gw_subscriber_revision SET revision = revision + 1 WHERE id = 1');
            return out;
        });
    }
}
async function insertClient(q, subscriberId, c) {
    await q('INSERT INTO gw_subscriber_clients (subscriber_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4)', [subscriberId, c.name, c.tokenHash, c.createdAt]);
}
async function loadAll(q) {
    const rev = await q('SELECT revision FROM gw_subscriber_revision WHERE id = 1');
    const subs = await q('SELECT * FROM gw_subscribers ORDER BY created_at, id');
    const clients = await q('SELECT * FROM gw_subscriber_clients ORDER BY created_at, name');
    const bySubscriber = new Map();
    for (const r of clients) {
        const id = str(r['subscriber_id']);
        let list = bySubscriber.get(id);
        if (list === undefined)
            bySubscriber.set(id, (list = []));
        list.push({ name: str(r['name']), tokenHash: str(r['token_hash']), createdAt: str(r['created_at']) });
    }
    return {
        revision: Number(rev[0]?.['revision'] ?? 0),
        subscribers: subs.map((r) => ({
            id: str(r['id']),
            displayName: str(r['display_name']),
            usagePlans: JSON.parse(str(r['usage_plans'])),
            clients: bySubscriber.get(str(r['id'])) ?? [],
            createdAt: str(r['created_at']),
        })),
    };
}
