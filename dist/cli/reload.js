/**
 * `gatehouse reload [--config FILE] [--admin-url URL]`: asks a running gateway to reload its
 * configuration (`POST /admin/reload`), with the admin credential found where `serve` keeps it:
 * the first of `admin.keys`, else the generated key in `.gatehouse/admin-key` beside the config
 * (issue 18, docs/admin-api.md). `GATEHOUSE_ADMIN_KEY` overrides both. The key is never printed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfigFile } from '../config/load.js';
import { ADMIN_KEY_FILE, configuredAdminKeys } from '../server/admin_access.js';
import { commandFailed, parseWithHelp } from './args.js';
const USAGE = `Usage: gatehouse reload [--config FILE] [--admin-url URL] [--json]

Asks the running gateway to reload its configuration (POST /admin/reload). The admin key is the
first of admin.keys, else the one serve generated into .gatehouse/admin-key beside the config;
GATEHOUSE_ADMIN_KEY overrides both.
  --config FILE      the gateway's gatehouse.yaml (default gatehouse.yaml)
  --admin-url URL    the admin plane (default: http://admin.host:admin.port of the config)
  --json             print the gateway's answer as JSON`;
/** The admin plane's URL from the config: a wildcard bind address is reached on loopback. */
function adminUrlOf(section) {
    const host = section?.host ?? '127.0.0.1';
    const reach = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
    return `http://${reach}:${section?.port ?? 9080}`;
}
export async function run(argv) {
    const parsed = parseWithHelp({
        options: {
            config: { type: 'string', default: 'gatehouse.yaml' },
            'admin-url': { type: 'string' },
            json: { type: 'boolean', default: false },
            help: { type: 'boolean', short: 'h', default: false },
        },
    }, argv, USAGE);
    if (typeof parsed === 'number')
        return parsed;
    const v = parsed.values;
    try {
        const loaded = loadConfigFile(v.config);
        const section = loaded.config.admin;
        let key = process.env['GATEHOUSE_ADMIN_KEY'] ?? configuredAdminKeys(section, loaded.config.secrets, loaded.baseDir)[0];
        if (key === undefined) {
            const file = resolve(loaded.baseDir, ADMIN_KEY_FILE);
            if (!existsSync(file))
                throw new Error(`no admin key: ${file} does not exist (has serve started with this config?) and admin.keys is not set`);
            key = readFileSync(file, 'utf8').trim();
        }
        const url = `${(v['admin-url'] ?? adminUrlOf(section)).replace(/\/+$/, '')}/admin/reload`;
        let res;
        try {
            res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${key}` }, signal: AbortSignal.timeout(30_000) });
        }
        catch (err) {
            throw new Error(`cannot reach ${url}: ${err.cause?.message ?? err.message}`);
        }
        const text = await res.text();
        let body = {};
        try {
            body = JSON.parse(text);
        }
        catch {
            // not JSON: reported by status below
        }
        if (v.json)
            process.stdout.write(`${text.trim()}\n`);
        if (res.status === 200) {
            if (!v.json)
                process.stdout.write('configuration reloaded\n');
            return 0;
        }
        if (res.status === 422) {
            if (!v.json)
                process.stderr.write(`gatehouse reload: rejected, the previous configuration keeps serving:\n${(body.errors ?? []).map((e) => `  ${e}`).join('\n')}\n`);
            return 1;
        }
        throw new Error(`${url} answered ${res.status}${res.status === 401 || res.status === 403 ? ' (the admin key is not the gateway\'s)' : ''}`);
    }
    catch (err) {
        return commandFailed('reload', USAGE, v.config, err);
    }
}
