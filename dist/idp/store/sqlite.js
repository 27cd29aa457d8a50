/**
 * SQLite driver (better-sqlite3, synchronous). WAL lets the CLI write while `gatehouse serve`
 * reads; `BEGIN IMMEDIATE` plus a busy timeout serialise writers across processes, and a promise
 * chain serialises transactions inside this process.
 *
 * better-sqlite3 (a native addon) is required when a database is opened, not when this module is
 * imported: a gateway with no token service and no usage-plan store never loads it (issue 15). A
 * synchronous require keeps openSqlite synchronous, so a file that cannot be opened still fails here.
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
const require = createRequire(import.meta.url);
export function openSqlite(file) {
    mkdirSync(dirname(file), { recursive: true });
    const BetterSqlite3 = require('better-sqlite3');
    const db = new BetterSqlite3(file);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    const statements = new Map();
    function prepare(sql) {
        let st = statements.get(sql);
        if (st === undefined) {
            st = db.prepare(sql.replace(/\$\d+/g, '?'));
            statements.set(sql, st);
        }
        return st;
    }
    const query = async (sql, params = []) => {
        const st = prepare(sql);
        const args = params.map((p) => (typeof p === 'boolean' ? Number(p) : p));
        if (st.reader)
            return st.all(...args);
        st.run(...args);
        return [];
    };
    let chain = Promise.resolve();
    return {
        kind: 'sqlite',
        description: `sqlite:${file}`,
        query,
        transaction(fn) {
            const run = chain.then(async () => {
                db.exec('BEGIN IMMEDIATE');
                try {
                    const out = await fn(query);
                    db.exec('COMMIT');
                    return out;
                }
                catch (err) {
                    db.exec('ROLLBACK');
                    throw err;
                }
            });
            chain = run.catch(() => undefined);
            return run;
        },
        async close() {
            await chain;
            db.close();
        },
    };
}
