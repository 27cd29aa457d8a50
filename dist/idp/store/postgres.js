/**
 * PostgreSQL driver (pg). Transactions take an advisory lock so that concurrent writers (several
 * gateway instances, the CLI) apply their changes one at a time.
 *
 * pg is required when a database is opened, not when this module is imported: a gateway with no
 * token service and no usage-plan store never loads it (issue 15). A synchronous require keeps
 * openPostgres synchronous for its callers.
 */
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const WRITE_LOCK = 4_424_242; // advisory lock key of the identity provider's writers
export function openPostgres(url) {
    const { Pool } = require('pg');
    const pool = new Pool({ connectionString: url, max: 4 });
    // An idle client that loses its connection emits 'error'; the pool replaces it.
    pool.on('error', () => undefined);
    const safe = new URL(url);
    safe.password = '';
    const query = async (sql, params = []) => (await pool.query(sql, params)).rows;
    return {
        kind: 'postgres',
        description: safe.toString(),
        query,
        async transaction(fn) {
            const client = await pool.connect();
            try {
                await client.query('BEGIN');
                await client.query('SELECT pg_advisory_xact_lock($1)', [WRITE_LOCK]);
                const out = await fn(async (sql, params = []) => (await client.query(sql, params)).rows);
                await client.query('COMMIT');
                return out;
            }
            catch (err) {
                await client.query('ROLLBACK').catch(() => undefined);
                throw err;
            }
            finally {
                client.release();
            }
        },
        close: () => pool.end(),
    };
}
