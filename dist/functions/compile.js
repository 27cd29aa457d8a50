/**
 * Compiles the top-level `functions` map (docs/functions.md): reads and checks each local function's
 * func.yaml, precomputes how its containers start (argv, environment, limits), and takes its pool
 * from the shared registry, keyed by all of that, so an unchanged function keeps its warm
 * containers across a hot reload and a changed or removed one is stopped when the new plan commits.
 * Pools are lazy: nothing starts until the first call.
 */
import { statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { DEFAULT_START_TIMEOUT_MS } from './container.js';
import { readFuncYaml } from './func_yaml.js';
import { FunctionPool } from './pool.js';
import { RemoteFunction } from './remote.js';
import { functionMetrics } from './metrics.js';
export const DEFAULT_MAX_CONCURRENCY = 4;
export const DEFAULT_MAX_QUEUE = 64;
export const DEFAULT_QUEUE_TIMEOUT_MS = 10_000;
/** Host variables a native runtime needs; nothing else of the gateway's environment (its secrets) leaks. */
const INHERITED_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'SYSTEMROOT'];
/** `functions.hello`, or `functions["ocid1.fnfunc.oc1..."]` for keys that are not identifiers. */
export function entryPath(path, id) {
    return /^[A-Za-z_$][\w$-]*$/.test(id) ? `${path}.${id}` : `${path}[${JSON.stringify(id)}]`;
}
function isNodeRuntime(spec) {
    return spec.runtime.startsWith('node') || basename(spec.entrypoint[0] ?? '') === 'node';
}
/** How the containers of a local function start: everything a cold start needs, computed once. */
export function containerSpec(functionId, dir, spec, entry) {
    const env = {};
    for (const name of INHERITED_ENV) {
        const v = process.env[name];
        if (v !== undefined)
            env[name] = v;
    }
    // Config: func.yaml's, then the gateway's (as `fn config function` overrides a deployed func.yaml).
    Object.assign(env, spec.config);
    for (const [k, v] of Object.entries(entry.config ?? {}))
        env[k] = String(v);
    const appName = entry.appName ?? 'gatehouse';
    Object.assign(env, {
        FN_FORMAT: 'http-stream',
        FN_APP_ID: entry.appId ?? appName,
        FN_FN_ID: functionId,
        FN_APP_NAME: appName,
        FN_FN_NAME: spec.name,
        FN_MEMORY: String(spec.memoryMb),
        FN_TYPE: 'sync',
    });
    const argv = [...spec.entrypoint];
    if (isNodeRuntime(spec)) {
        // Run with this gateway's Node (no PATH lookup) and let V8 fail early, before the RSS watch
        // has to kill (memory_watch.ts): the heap gets 3/4 of `memory`, the rest is Node's baseline.
        if (argv[0] === 'node')
            argv[0] = process.execPath;
        const heapMb = Math.max(16, Math.floor(spec.memoryMb * 0.75));
        env['NODE_OPTIONS'] = `${env['NODE_OPTIONS'] ?? ''} --max-old-space-size=${heapMb}`.trim();
    }
    return {
        functionId,
        dir,
        argv,
        env,
        memoryMb: spec.memoryMb,
        timeoutMs: spec.timeoutMs,
        startTimeoutMs: DEFAULT_START_TIMEOUT_MS,
    };
}
function compileLocal(id, entry, at, ctx) {
    const dir = resolve(ctx.baseDir, entry.path);
    let isDir = false;
    try {
        isDir = statSync(dir).isDirectory();
    }
    catch {
        isDir = false;
    }
    if (!isDir) {
        ctx.issue(`${at}.path`, `${dir} is not a directory`);
        return null;
    }
    const { file, result } = readFuncYaml(dir);
    if (!result.ok) {
        for (const p of result.problems)
            ctx.issue(`${at}.path`, `${file}: ${p}`);
        return null;
    }
    const spec = containerSpec(id, dir, result.spec, entry);
    const opts = {
        maxConcurrency: entry.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY,
        maxQueue: entry.maxQueue ?? DEFAULT_MAX_QUEUE,
        queueTimeoutMs: (entry.queueTimeoutInSeconds ?? DEFAULT_QUEUE_TIMEOUT_MS / 1000) * 1000,
        idleTimeoutMs: result.spec.idleTimeoutMs,
    };
    const key = `function:${id}:${JSON.stringify({ spec, opts })}`;
    const metrics = functionMetrics(ctx.registry, id);
    return ctx.registry.acquire(key, () => new FunctionPool(spec, opts, ctx.log, metrics), (p) => p.close());
}
function compileRemote(id, entry, ctx) {
    const endpoint = entry.invokeEndpoint;
    const timeoutMs = (entry.timeoutInSeconds ?? 30) * 1000;
    const connections = entry.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY;
    const key = `function:${id}:${JSON.stringify({ endpoint, timeoutMs, connections })}`;
    const metrics = functionMetrics(ctx.registry, id);
    return ctx.registry.acquire(key, () => new RemoteFunction(id, endpoint, timeoutMs, connections, metrics), (r) => r.close());
}
export function compileFunctions(section, path, ctx) {
    const invokers = new Map();
    const known = new Set();
    if (section !== undefined && section !== null) {
        for (const [id, raw] of Object.entries(section)) {
            known.add(id);
            const at = entryPath(path, id);
            const entry = raw ?? {};
            const hasPath = entry.path !== undefined;
            const hasRemote = entry.invokeEndpoint !== undefined;
            if (hasPath === hasRemote) {
                ctx.issue(at, 'needs exactly one of path (a directory with func.yaml) or invokeEndpoint (a remote Fn server)');
                continue;
            }
            if (hasRemote && entry.config !== undefined)
                ctx.issue(`${at}.config`, 'only applies to local functions (path)');
            const invoker = hasPath ? compileLocal(id, entry, at, ctx) : compileRemote(id, entry, ctx);
            if (invoker !== null)
                invokers.set(id, invoker);
        }
    }
    return {
        // A function whose func.yaml is broken is still "known": its route reports no second error.
        has: (id) => known.has(id),
        get: (id) => invokers.get(id),
        ids: () => [...known],
    };
}
