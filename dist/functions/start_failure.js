/**
 * Explains a container that did not start: the cause (the first meaningful line the function wrote,
 * e.g. `Error: Cannot find module '@fnproject/fdk'`) and, when it is a known one, the fix. A failed
 * start used to log every line of Node's stack trace and end with a bare "exited before listening"
 * (issue #11); now the container keeps its first lines until it listens and a failure is one error
 * that says what went wrong and what to do.
 */
/** Lines kept until the container listens; later ones during the start are counted, not kept. */
export const START_OUTPUT_LINES = 20;
/** Error lines of the runtimes Fn ships FDKs for: `Error: ...`, `Error [ERR_X]: ...`, `ModuleNotFoundError: ...`, `Exception in thread ...`. */
const ERROR_LINE = /^\s*(?:[A-Z]\w*)?(?:Error|Exception)\b/;
/** Lines that carry no cause: stack frames, source excerpts, carets, runtime banners. */
const NOISE = /^\s*(?:$|at\s|\^+\s*$|throw\b|node:internal\/|Node\.js v|[{}[\]]|Require stack:|- \/|Traceback \(most recent call last\):|File ")/;
/** The line that names the cause: the first error line, else the first stderr line that is not noise, else the first such stdout line. */
export function startCause(output) {
    const err = output.filter((o) => o.stream === 'stderr').map((o) => o.line);
    const out = output.filter((o) => o.stream === 'stdout').map((o) => o.line);
    const cause = err.find((l) => ERROR_LINE.test(l)) ?? err.find((l) => !NOISE.test(l)) ?? out.find((l) => ERROR_LINE.test(l) || !NOISE.test(l));
    return cause === undefined ? null : cause.trim();
}
/** What to do about `cause`, for the causes we recognise; null otherwise. */
export function startFix(cause, dir, command) {
    if (cause === null)
        return null;
    const missing = /Cannot find (?:module|package) '([^']+)'/.exec(cause);
    if (missing !== null) {
        const name = missing[1];
        if (name.startsWith('.') || name.startsWith('/'))
            return `check that ${name} exists (the function directory is ${dir})`;
        return `run "npm install" in ${dir}`;
    }
    if (/No module named '([^']+)'/.test(cause))
        return `install the function's dependencies (pip install -r requirements.txt) in ${dir}`;
    if (/\bENOENT\b/.test(cause))
        return `"${command}" was not found: install it, or fix the entrypoint in ${dir}/func.yaml`;
    if (/\bEACCES\b/.test(cause))
        return `"${command}" is not executable: fix its permissions, or the entrypoint in ${dir}/func.yaml`;
    return null;
}
/** A container that did not start; `message` names the cause and the fix when known. */
export class StartFailure extends Error {
    /** The first lines the function wrote (at most START_OUTPUT_LINES), for the one log record of the failure. */
    output;
    constructor(reason, output, dir, command) {
        const cause = startCause(output) ?? (/\b(ENOENT|EACCES)\b/.test(reason) ? reason : null);
        const fix = startFix(cause, dir, command);
        let message = reason;
        if (cause !== null && cause !== reason)
            message += `: ${cause}`;
        if (fix !== null)
            message += ` (fix: ${fix})`;
        super(message);
        this.output = output;
    }
}
