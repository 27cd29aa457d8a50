/**
 * Enforces each container's `memory` (MB). One shared timer for all containers (undici's habit: a
 * coarse shared timer rather than one per resource) reads the resident set size of every watched
 * process from /proc/<pid>/statm and calls `onExceed` once when it passes the limit; the container
 * then kills the process. Without cgroups (which need privileges the gateway should not require)
 * this is the portable way to bound a child on Linux: RLIMIT_AS cannot be used because V8 reserves
 * far more virtual address space than it touches. For node runtimes the container also caps V8's
 * heap (--max-old-space-size) so most overruns fail inside the function before the poll sees them.
 * Limits: the poll interval (default 50 ms) bounds how far a fast allocator can overshoot, and only
 * the entrypoint process is measured, not processes it spawns.
 */
import { readFileSync } from 'node:fs';
export const DEFAULT_MEMORY_POLL_MS = 50;
// Linux pages are 4 KiB on the machines we run on (x86-64, arm64 default kernels).
const PAGE_BYTES = 4096;
const watched = new Map();
let timer = null;
const pollMs = DEFAULT_MEMORY_POLL_MS;
/** Resident set size of `pid` in bytes, or null when the process is gone or /proc is unavailable. */
export function readRssBytes(pid) {
    try {
        const statm = readFileSync(`/proc/${pid}/statm`, 'latin1');
        const resident = Number(statm.split(' ')[1]);
        return Number.isFinite(resident) ? resident * PAGE_BYTES : null;
    }
    catch {
        return null;
    }
}
function poll() {
    for (const w of watched.values()) {
        const rss = readRssBytes(w.pid);
        if (rss !== null && rss > w.limitBytes) {
            watched.delete(w.pid);
            w.onExceed(rss);
        }
    }
    if (watched.size === 0 && timer !== null) {
        clearInterval(timer);
        timer = null;
    }
}
/** Watches `pid`; returns the function that stops watching it. */
export function watchMemory(pid, limitBytes, onExceed) {
    watched.set(pid, { pid, limitBytes, onExceed });
    if (timer === null) {
        timer = setInterval(poll, pollMs);
        timer.unref();
    }
    return () => {
        watched.delete(pid);
    };
}
