/**
 * Secrets the gateway generates on first start and keeps beside its configuration (the admin key,
 * the browser-session key), so a restart finds the same one. Several processes may start at once
 * (`--workers`, two gateways on one directory): the file is written whole under a temporary name
 * and linked into place, so one link wins and every process reads that complete file — a file
 * created empty and then written could be read empty in between, and an empty key is one anybody
 * can compute.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
/**
 * The secret in `file` (trimmed), creating it with `make()` when absent (directory 0700, file 0600).
 * Throws when the file cannot be read or written, or holds fewer than `minChars` characters (it is
 * then left alone, for the operator to delete).
 */
export function keptSecret(file, make, minChars) {
    const read = () => {
        let text;
        try {
            text = readFileSync(file, 'utf8').trim();
        }
        catch (err) {
            if (err.code === 'ENOENT')
                return null;
            throw err;
        }
        if (text.length < minChars)
            throw new Error(`${file} holds no key (${text.length} characters): delete it to generate one`);
        return text;
    };
    const found = read();
    if (found !== null)
        return { secret: found, created: false };
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const made = make();
    const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}`;
    writeFileSync(tmp, `${made}\n`, { mode: 0o600, flag: 'wx' });
    try {
        linkSync(tmp, file);
    }
    catch (err) {
        if (err.code !== 'EEXIST')
            throw err;
    }
    finally {
        rmSync(tmp, { force: true });
    }
    const now = read();
    if (now === null)
        throw new Error(`${file} vanished as it was written`);
    return { secret: now, created: now === made };
}
