/**
 * Serves the operator console's static bundle (issue 18): `GET /console` is its index.html,
 * `GET /console/<file>` one of its files, from `dist/console/ui/` of the package (built by esbuild from
 * src/console/ui/). The directory is found from this file's own place, so it is the same from
 * src/console/ (tsx) and from dist/console/ (compiled); `GATEHOUSE_CONSOLE_DIR` overrides it.
 *
 * Files are answered with their content type and a strong ETag (`304` on If-None-Match), and
 * revalidated on each use (`Cache-Control: no-cache`), so a rebuilt bundle is seen at once. A path
 * that is not a plain file inside the directory — `..` segments (encoded or not), backslashes, NUL,
 * dot files, directories — is a 404, as is a file that does not exist. Files are read at most once
 * per change (size and mtime), so serving costs a stat.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
/** The path prefix the console is served under. */
export const CONSOLE_PATH = '/console';
const TYPES = {
    '.html': 'text/html; charset=utf-8',
    '.js': 'text/javascript; charset=utf-8',
    '.mjs': 'text/javascript; charset=utf-8',
    '.css': 'text/css; charset=utf-8',
    '.json': 'application/json',
    '.map': 'application/json',
    '.svg': 'image/svg+xml',
    '.png': 'image/png',
    '.ico': 'image/x-icon',
    '.woff2': 'font/woff2',
    '.txt': 'text/plain; charset=utf-8',
};
/** The bundle directory: `GATEHOUSE_CONSOLE_DIR`, else `dist/console/ui/` of the package. */
export function defaultConsoleDir(env = process.env) {
    const forced = env['GATEHOUSE_CONSOLE_DIR'];
    if (forced !== undefined && forced !== '')
        return resolve(forced);
    // src/console/serve.ts and dist/console/serve.js both sit two levels below the package root.
    return fileURLToPath(new URL('../../dist/console/ui/', import.meta.url));
}
/** True for `/console` and everything under `/console/`. */
export function isConsolePath(path) {
    return path === CONSOLE_PATH || path.startsWith(`${CONSOLE_PATH}/`);
}
/** The file a console path names, inside `dir`, or null when the path is not one we serve. */
export function consoleFile(dir, path) {
    let rel = path === CONSOLE_PATH || path === `${CONSOLE_PATH}/` ? 'index.html' : path.slice(CONSOLE_PATH.length + 1);
    try {
        rel = decodeURIComponent(rel);
    }
    catch {
        return null;
    }
    if (rel === '' || rel.includes('\0') || rel.includes('\\'))
        return null;
    const segments = rel.split('/');
    if (segments.some((s) => s === '' || s === '.' || s === '..' || s.startsWith('.')))
        return null;
    const root = resolve(dir);
    const file = resolve(root, ...segments);
    return file.startsWith(root + sep) ? file : null;
}
/** A server of one bundle directory. */
export function createConsoleServer(dir = defaultConsoleDir()) {
    const cache = new Map();
    function load(file) {
        let st;
        try {
            st = statSync(file);
        }
        catch {
            return null;
        }
        if (!st.isFile())
            return null;
        const hit = cache.get(file);
        if (hit !== undefined && hit.mtimeMs === st.mtimeMs && hit.size === st.size)
            return hit;
        let body;
        try {
            body = readFileSync(file);
        }
        catch {
            return null;
        }
        const entry = { mtimeMs: st.mtimeMs, size: st.size, body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
        cache.set(file, entry);
        return entry;
    }
    function notFound(res, message) {
        const body = JSON.stringify({ code: 404, message });
        res.writeHead(404, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
        res.end(body);
    }
    return {
        dir,
        /** Answers a GET or HEAD of a console path (other methods: 405). */
        serve(req, res, path) {
            if (req.method !== 'GET' && req.method !== 'HEAD') {
                const body = JSON.stringify({ code: 405, message: 'Method Not Allowed' });
                res.writeHead(405, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), allow: 'GET, HEAD' });
                res.end(body);
                return;
            }
            const file = consoleFile(dir, path);
            if (file === null)
                return notFound(res, 'Not Found');
            const f = load(file);
            if (f === null) {
                const index = consoleFile(dir, CONSOLE_PATH);
                return notFound(res, file === index ? 'the console is not built: run `npm run build`' : 'Not Found');
            }
            const headers = { etag: f.etag, 'cache-control': 'no-cache', 'content-type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream' };
            if (req.headers['if-none-match'] === f.etag) {
                res.writeHead(304, headers);
                res.end();
                return;
            }
            res.writeHead(200, { ...headers, 'content-length': f.body.length });
            res.end(req.method === 'HEAD' ? undefined : f.body);
        },
    };
}
