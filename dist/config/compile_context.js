/** A fresh context for compiling `loaded`; read `issues` and `warnings` once it is done. */
export function createCompileContext(loaded, registry, log, opts = {}) {
    const issues = [];
    const warnings = [];
    return {
        registry,
        log,
        baseDir: loaded.baseDir,
        issues,
        issue: (path, message) => void issues.push({ path: loaded.sourcePath(path), message }),
        warnings,
        warn: (path, message) => void warnings.push({ path: loaded.sourcePath(path), message }),
        offline: opts.offline === true,
        ...(opts.fetchDocument !== undefined ? { fetchDocument: opts.fetchDocument } : {}),
        ...(opts.localStore !== undefined ? { localStore: opts.localStore } : {}),
    };
}
