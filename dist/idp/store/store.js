/**
 * The identity provider's persistent state on SQLite or PostgreSQL (same SQL on both). Every write
 * bumps a revision number, which running providers poll to pick up changes made elsewhere (the
 * CLI, another instance). Private keys and HS256 secrets are sealed by the envelope at rest.
 */
import { isAbsolute, resolve } from 'node:path';
import { isSealed } from '../key_envelope.js';
import { openPostgres } from './postgres.js';
import { openSqlite } from './sqlite.js';
const SCHEMA = [
    'CREATE TABLE IF NOT EXISTS idp_revision (id INTEGER PRIMARY KEY, revision BIGINT NOT NULL)',
    `CREATE TABLE IF NOT EXISTS idp_apis (id TEXT PRIMARY KEY, identifier TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
     signing_alg TEXT NOT NULL, signing_secret TEXT, token_lifetime INTEGER NOT NULL, scopes TEXT NOT NULL,
     token_dialect TEXT NOT NULL, origin TEXT NOT NULL, created_at TEXT NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS idp_clients (client_id TEXT PRIMARY KEY, name TEXT NOT NULL, secret_hash TEXT NOT NULL,
     grant_types TEXT NOT NULL, origin TEXT NOT NULL, created_at TEXT NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS idp_grants (id TEXT PRIMARY KEY, client_id TEXT NOT NULL, api_id TEXT NOT NULL,
     scopes TEXT NOT NULL, UNIQUE (client_id, api_id))`,
    `CREATE TABLE IF NOT EXISTS idp_keys (kid TEXT PRIMARY KEY, alg TEXT NOT NULL, state TEXT NOT NULL,
     private_key TEXT NOT NULL, public_jwk TEXT NOT NULL, cert TEXT NOT NULL, created_at TEXT NOT NULL,
     current_since TEXT, current_until TEXT, revoked_at TEXT)`,
    'INSERT INTO idp_revision (id, revision) VALUES (1, 0) ON CONFLICT (id) DO NOTHING',
];
const str = (v) => String(v);
const strOrNull = (v) => (v === null || v === undefined ? null : String(v));
/** Opens the database named by `database` (a `postgres://` URL, or a SQLite path relative to `baseDir`). */
export function openDriver(database, baseDir) {
    if (/^postgres(ql)?:\/\//.test(database))
        return openPostgres(database);
    return openSqlite(isAbsolute(database) ? database : resolve(baseDir, database));
}
export class IdpStore {
    #db;
    #envelope;
    constructor(db, envelope) {
        this.#db = db;
        this.#envelope = envelope;
    }
    get description() {
        return this.#db.description;
    }
    async migrate() {
        await this.#db.transaction(async (q) => {
            for (const sql of SCHEMA)
                await q(sql);
        });
    }
    async revision() {
        const rows = await this.#db.query('SELECT revision FROM idp_revision WHERE id = 1');
        return Number(rows[0]?.['revision'] ?? 0);
    }
    load() {
        return loadContents(this.#db.query, this.#envelope);
    }
    /** Runs several writes atomically (reading inside the same transaction) and bumps the revision once. */
    async write(fn) {
        return this.#db.transaction(async (q) => {
            const out = await fn(new StoreWriter(q, this.#envelope));
            await q('UPDATE idp_revision SET revision = revision + 1 WHERE id = 1');
            return out;
        });
    }
    /** Seals values stored in clear before a master key was set; returns how many. */
    async sealClearValues() {
        if (!this.#envelope.encrypting)
            return 0;
        let count = 0;
        await this.#db.transaction(async (q) => {
            for (const r of await q('SELECT kid, private_key FROM idp_keys')) {
                if (isSealed(str(r['private_key'])))
                    continue;
                await q('UPDATE idp_keys SET private_key = $1 WHERE kid = $2', [this.#envelope.seal(str(r['private_key'])), r['kid']]);
                count++;
            }
            for (const r of await q('SELECT id, signing_secret FROM idp_apis WHERE signing_secret IS NOT NULL')) {
                if (isSealed(str(r['signing_secret'])))
                    continue;
                await q('UPDATE idp_apis SET signing_secret = $1 WHERE id = $2', [this.#envelope.seal(str(r['signing_secret'])), r['id']]);
                count++;
            }
        });
        return count;
    }
    close() {
        return this.#db.close();
    }
}
async function loadContents(q, envelope) {
    const rev = await q('SELECT revision FROM idp_revision WHERE id = 1');
    const apis = await q('SELECT * FROM idp_apis ORDER BY created_at, id');
    const clients = await q('SELECT * FROM idp_clients ORDER BY created_at, client_id');
    const grants = await q('SELECT * FROM idp_grants ORDER BY id');
    const keys = await q('SELECT * FROM idp_keys ORDER BY created_at, kid');
    return {
        revision: Number(rev[0]?.['revision'] ?? 0),
        apis: apis.map((r) => rowToApi(r, envelope)),
        clients: clients.map(rowToClient),
        grants: grants.map(rowToGrant),
        keys: keys.map((r) => rowToKey(r, envelope)),
    };
}
function rowToApi(r, envelope) {
    const secret = strOrNull(r['signing_secret']);
    return {
        id: str(r['id']),
        identifier: str(r['identifier']),
        name: str(r['name']),
        signingAlg: str(r['signing_alg']),
        signingSecret: secret === null ? null : envelope.open(secret, `the HS256 secret of API ${str(r['identifier'])}`),
        tokenLifetimeSec: Number(r['token_lifetime']),
        scopes: JSON.parse(str(r['scopes'])),
        tokenDialect: str(r['token_dialect']),
        origin: str(r['origin']),
        createdAt: str(r['created_at']),
    };
}
function rowToKey(r, envelope) {
    return {
        kid: str(r['kid']),
        alg: str(r['alg']),
        state: str(r['state']),
        privateKey: envelope.open(str(r['private_key']), `signing key ${str(r['kid'])}`),
        publicJwk: JSON.parse(str(r['public_jwk'])),
        certDer: str(r['cert']),
        createdAt: str(r['created_at']),
        currentSince: strOrNull(r['current_since']),
        currentUntil: strOrNull(r['current_until']),
        revokedAt: strOrNull(r['revoked_at']),
    };
}
function rowToClient(r) {
    return {
        clientId: str(r['client_id']),
        name: str(r['name']),
        secretHash: str(r['secret_hash']),
        grantTypes: JSON.parse(str(r['grant_types'])),
        origin: str(r['origin']),
        createdAt: str(r['created_at']),
    };
}
function rowToGrant(r) {
    return { id: str(r['id']), clientId: str(r['client_id']), apiId: str(r['api_id']), scopes: JSON.parse(str(r['scopes'])) };
}
/** Writes inside one transaction (IdpStore.write). */
export class StoreWriter {
    #q;
    #envelope;
    constructor(q, envelope) {
        this.#q = q;
        this.#envelope = envelope;
    }
    /** Everything as it is inside this transaction. */
    contents() {
        return loadContents(this.#q, this.#envelope);
    }
    async putApi(a) {
        await this.#q(`INSERT INTO idp_apis (id, identifier, name, signing_alg, signing_secret, token_lifetime, scopes, token_dialect, origin, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (id) DO UPDATE SET identifier = excluded.identifier, name = excluded.name, signing_alg = excluded.signing_alg,
         signing_secret = excluded.signing_secret, token_lifetime = excluded.token_lifetime, scopes = excluded.scopes,
         token_dialect = excluded.token_dialect, origin = excluded.origin`, [a.id, a.identifier, a.name, a.signingAlg, a.signingSecret === null ? null : this.#envelope.seal(a.signingSecret),
            a.tokenLifetimeSec, JSON.stringify(a.scopes), a.tokenDialect, a.origin, a.createdAt]);
    }
    async deleteApi(id) {
        await this.#q('DELETE FROM idp_grants WHERE api_id = $1', [id]);
        await this.#q('DELETE FROM idp_apis WHERE id = $1', [id]);
    }
    async putClient(c) {
        await this.#q(`INSERT INTO idp_clients (client_id, name, secret_hash, grant_types, origin, created_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (client_id) DO UPDATE SET name = excluded.name, secret_hash = excluded.secret_hash,
         grant_types = excluded.grant_types, origin = excluded.origin`, [c.clientId, c.name, c.secretHash, JSON.stringify(c.grantTypes), c.origin, c.createdAt]);
    }
    async deleteClient(clientId) {
        await this.#q('DELETE FROM idp_grants WHERE client_id = $1', [clientId]);
        await this.#q('DELETE FROM idp_clients WHERE client_id = $1', [clientId]);
    }
    async putGrant(g) {
        await this.#q(`INSERT INTO idp_grants (id, client_id, api_id, scopes) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) DO UPDATE SET scopes = excluded.scopes`, [g.id, g.clientId, g.apiId, JSON.stringify(g.scopes)]);
    }
    async deleteGrant(id) {
        await this.#q('DELETE FROM idp_grants WHERE id = $1', [id]);
    }
    async putKey(k) {
        await this.#q(`INSERT INTO idp_keys (kid, alg, state, private_key, public_jwk, cert, created_at, current_since, current_until, revoked_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (kid) DO UPDATE SET state = excluded.state, private_key = excluded.private_key,
         current_since = excluded.current_since, current_until = excluded.current_until, revoked_at = excluded.revoked_at`, [k.kid, k.alg, k.state, this.#envelope.seal(k.privateKey), JSON.stringify(k.publicJwk), k.certDer, k.createdAt,
            k.currentSince, k.currentUntil, k.revokedAt]);
    }
}
