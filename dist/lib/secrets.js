/**
 * Resolves an OCI Vault secret OCID (`authenticationSecretId`, `clientSecretId`) through the
 * configuration's `secrets:` map: a string is the secret itself (usually `${VAR}`, interpolated at
 * load); `{ file }` names a file read now, so at load and on every reload. Nothing here logs, and a
 * failure's reason never contains the secret, only the OCID and the file's path.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
/** Looks `ocid` up in `secrets`; a `{ file }` path is relative to `baseDir`. A file's trailing newline is dropped. */
export function resolveSecret(secrets, ocid, baseDir) {
    const entry = secrets !== undefined && Object.hasOwn(secrets, ocid) ? secrets[ocid] : undefined;
    if (entry === undefined)
        return { missing: `secret ${ocid} is not in secrets:` };
    if (typeof entry === 'string')
        return { value: entry };
    const file = typeof entry === 'object' && entry !== null ? entry.file : undefined;
    if (typeof file !== 'string')
        return { missing: `secret ${ocid}: expected a string or { file: path }` };
    const path = resolve(baseDir, file);
    try {
        return { value: readFileSync(path, 'utf8').replace(/\r?\n$/, '') };
    }
    catch (err) {
        const code = err.code ?? 'unreadable';
        return { missing: `secret ${ocid}: cannot read ${path} (${code})` };
    }
}
