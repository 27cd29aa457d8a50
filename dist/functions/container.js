/**
 * One warm container: a child process started from func.yaml's `entrypoint`, listening on a unix
 * socket in a fresh directory, called over one persistent keep-alive connection, one call at a
 * time (docs/functions.md, "Containers"). The pool decides when to start, reuse and stop
 * containers; this file knows the process, the socket handshake, the call protocol, and what the
 * process writes (each line capped: log_lines.ts; held until it listens: start_failure.ts).
 */
import { spawn } from 'node:child_process';
import { lstatSync, mkdtempSync, readlinkSync, rmSync, statSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from 'undici';
import { gatheredCall } from '../lib/gathered_call.js';
import { MAX_RESPONSE_BYTES, decodeCallResult } from './call_codec.js';
import { splitLines } from './log_lines.js';
import { watchMemory } from './memory_watch.js';
import { START_OUTPUT_LINES, StartFailure } from './start_failure.js';
/** Fn's rule: the function must be listening within 5 s of start (docs/functions.md). */
export const DEFAULT_START_TIMEOUT_MS = 5000;
/** After a failed start's exit, how long its last output may take to arrive, ms. */
const OUTPUT_GRACE_MS = 500;
const live = new Set();
// A last line of defence: if the gateway exits without closing its pools, take the children along.
process.once('exit', () => {
    for (const child of live)
        killGroup(child, 'SIGKILL');
});
function killGroup(child, signal) {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null)
        return;
    try {
        process.kill(-child.pid, signal); // the whole group: entrypoints may be shell scripts
    }
    catch {
        child.kill(signal);
    }
}
/** Socket directory base; FN_LISTENER's path must stay under 108 bytes (sun_path). */
function socketBase() {
    const base = tmpdir();
    return base.length <= 60 ? base : '/tmp';
}
/** The C2 check: `lsnr.sock` is a relative symlink (or the socket itself) to a socket. */
function checkListener(file) {
    let st;
    try {
        st = lstatSync(file);
    }
    catch {
        return 'absent';
    }
    if (st.isSymbolicLink()) {
        if (dirname(readlinkSync(file)) !== '.')
            return 'symlinks must be relative within the unix socket directory';
        try {
            st = statSync(file);
        }
        catch {
            return 'absent';
        }
    }
    return st.isSocket() ? 'ready' : 'lsnr.sock is not a socket';
}
export class Container {
    spec;
    pid;
    #child;
    #dir;
    #log;
    #client = null;
    #dead = false;
    #deathReason = null;
    #unwatch = () => { };
    #exited;
    /** The call in progress, for tagging the function's log lines. */
    #callId;
    #lastCallId;
    /**
     * What the function wrote before it listened (the first START_OUTPUT_LINES lines), null once it
     * listens: a failed start is reported once, with its cause, rather than line by line.
     */
    #startOutput = [];
    #startOutputDropped = 0;
    /** Called once when the container stops, for any reason. */
    onDeath = () => { };
    /** When the container last finished a call (ms since epoch); the pool reaps idle ones. */
    lastUsedMs = Date.now();
    constructor(spec, log) {
        this.spec = spec;
        this.#log = log;
        this.#dir = mkdtempSync(join(socketBase(), 'gh-fn-'));
        const [cmd, ...args] = spec.argv;
        this.#child = spawn(cmd, args, {
            cwd: spec.dir,
            env: { ...spec.env, FN_LISTENER: `unix:${join(this.#dir, 'lsnr.sock')}` },
            stdio: ['ignore', 'pipe', 'pipe'],
            detached: true,
        });
        this.pid = this.#child.pid ?? -1;
        live.add(this.#child);
        this.#exited = new Promise((resolve) => {
            this.#child.once('exit', (code, signal) => {
                live.delete(this.#child);
                if (!this.#dead) {
                    // An exit during the start is reported by start()'s error, with its cause.
                    if (this.#startOutput === null)
                        this.#log.warn({ fnId: spec.functionId, callId: this.#callId, code, signal }, 'function container exited');
                    this.#die('crash');
                }
                this.#cleanup();
                resolve();
            });
            this.#child.once('error', () => {
                // Reported by start()'s error (#awaitListener listens for it too).
                live.delete(this.#child);
                this.#die('start_failed');
                this.#cleanup();
                resolve();
            });
        });
        this.#pipeLines(this.#child.stdout, 'stdout');
        this.#pipeLines(this.#child.stderr, 'stderr');
    }
    /** The start succeeded: what the function wrote meanwhile goes to the log as it would have. */
    #flushStartOutput() {
        const kept = this.#startOutput ?? [];
        this.#startOutput = null;
        for (const o of kept)
            this.#logLine(o.stream, o.line, o.truncated);
        if (this.#startOutputDropped > 0) {
            this.#log.info({ fnId: this.spec.functionId, lines: this.#startOutputDropped }, 'function output during its start not logged (too many lines)');
        }
    }
    /** Starts a container; resolves when its socket is ready, rejects after `startTimeoutMs`. */
    static async start(spec, log) {
        const c = new Container(spec, log);
        try {
            await c.#awaitListener();
        }
        catch (err) {
            c.kill('start_failed');
            throw new StartFailure(err.message, c.#startOutput ?? [], spec.dir, spec.argv[0] ?? '');
        }
        c.#flushStartOutput();
        if (spec.memoryMb > 0 && c.pid > 0) {
            c.#unwatch = watchMemory(c.pid, spec.memoryMb * 1024 * 1024, (rssBytes) => {
                c.#log.warn({ fnId: spec.functionId, callId: c.#callId, rssMb: Math.round(rssBytes / 1048576), memoryMb: spec.memoryMb }, 'function exceeded its memory; killed');
                c.kill('memory');
            });
        }
        return c;
    }
    get dead() {
        return this.#dead;
    }
    #pipeLines(stream, name) {
        if (stream === null)
            return;
        splitLines(stream, (line, truncated) => {
            if (line === '')
                return; // the FDK's log framing prints blank lines
            const starting = this.#startOutput;
            if (starting === null)
                this.#logLine(name, line, truncated);
            else if (starting.length < START_OUTPUT_LINES)
                starting.push({ stream: name, line, truncated });
            else
                this.#startOutputDropped++;
        });
    }
    #logLine(name, line, truncated) {
        const fields = { fnId: this.spec.functionId, callId: this.#callId ?? this.#lastCallId, stream: name, truncated: truncated || undefined };
        this.#log.info(fields, line);
    }
    #awaitListener() {
        const file = join(this.#dir, 'lsnr.sock');
        return new Promise((resolve, reject) => {
            let watcher = null;
            let settled = false;
            const finish = (err) => {
                if (settled)
                    return;
                settled = true;
                clearTimeout(timer);
                clearInterval(poll);
                watcher?.close();
                this.#child.off('exit', onExit);
                this.#child.off('error', onError);
                if (err)
                    reject(err);
                else
                    resolve();
            };
            const check = () => {
                const state = checkListener(file);
                if (state === 'absent')
                    return;
                if (state !== 'ready')
                    return finish(new Error(state));
                this.#client = new Client('http://localhost', {
                    socketPath: file,
                    pipelining: 1,
                    // The FDK disables its idle timeout; keep our side open as long as the container lives.
                    keepAliveTimeout: 3_600_000,
                    keepAliveMaxTimeout: 3_600_000,
                    headersTimeout: 0,
                    bodyTimeout: 0,
                });
                finish(null);
            };
            const onExit = (code, signal) => {
                const fail = () => finish(new Error(`exited before listening (code ${code ?? 'none'}, signal ${signal ?? 'none'})`));
                // 'exit' can come before the last output is read, and that output names the cause: wait
                // for stdout and stderr to end, not longer than OUTPUT_GRACE_MS (a grandchild may hold them).
                const open = [this.#child.stdout, this.#child.stderr].filter((s) => s !== null && !s.readableEnded);
                if (open.length === 0)
                    return fail();
                const grace = setTimeout(fail, OUTPUT_GRACE_MS);
                let left = open.length;
                for (const s of open) {
                    s.once('end', () => {
                        if (--left === 0) {
                            clearTimeout(grace);
                            fail();
                        }
                    });
                }
            };
            const timer = setTimeout(() => finish(new Error(`not listening after ${this.spec.startTimeoutMs} ms`)), this.spec.startTimeoutMs);
            // inotify is the fast path (what Fn's agent uses); the slow poll covers a missed event.
            const poll = setInterval(check, 250);
            const onError = (err) => finish(err);
            this.#child.once('exit', onExit);
            this.#child.once('error', onError);
            try {
                watcher = watch(this.#dir, check);
            }
            catch {
                watcher = null;
            }
            check();
        });
    }
    /** Runs one call. Never rejects: every failure is an outcome. */
    async call(call) {
        const client = this.#client;
        if (client === null || this.#dead)
            return { ok: false, failure: 'crash', detail: 'container is not running' };
        this.#callId = call.callId;
        const timeoutMs = this.spec.timeoutMs;
        const headers = call.headers;
        headers.push('Fn-Deadline', new Date(Date.now() + timeoutMs).toISOString());
        // The FDK enforces no deadline (C5 bug 4): we kill the container when it passes.
        const timer = setTimeout(() => this.kill('timeout'), timeoutMs);
        try {
            const res = await gatheredCall(client, { path: '/call', method: 'POST', headers, body: call.body }, MAX_RESPONSE_BYTES);
            const body = res.body;
            if (body === null) {
                this.kill('protocol');
                return { ok: false, failure: 'protocol', detail: `response larger than ${MAX_RESPONSE_BYTES} bytes` };
            }
            switch (res.statusCode) {
                case 200:
                    return decodeCallResult(res.headers, body);
                case 502:
                    return { ok: false, failure: 'function_error', detail: body.toString('utf8', 0, 512) };
                case 504:
                    this.kill('timeout');
                    return { ok: false, failure: 'timeout', detail: 'the FDK reported a timeout' };
                default:
                    this.kill('protocol');
                    return { ok: false, failure: 'protocol', detail: `container answered ${res.statusCode}: ${body.toString('utf8', 0, 200)}` };
            }
        }
        catch (err) {
            if (!this.#dead)
                this.kill('crash');
            const reason = this.#deathReason ?? 'crash';
            return { ok: false, failure: reason, detail: err.message };
        }
        finally {
            clearTimeout(timer);
            this.#lastCallId = call.callId;
            this.#callId = undefined;
            this.lastUsedMs = Date.now();
        }
    }
    #die(reason) {
        if (this.#dead)
            return;
        this.#dead = true;
        this.#deathReason = reason;
        this.#unwatch();
        this.onDeath(this);
    }
    #cleanup() {
        const client = this.#client;
        this.#client = null;
        if (client !== null)
            client.destroy().catch(() => { });
        rmSync(this.#dir, { recursive: true, force: true });
    }
    /** Kills the process now (SIGKILL) for `reason`; the call in progress, if any, fails with it. */
    kill(reason) {
        this.#die(reason);
        killGroup(this.#child, 'SIGKILL');
        // The socket goes with the process; fail the in-flight request now rather than on 'exit'.
        this.#client?.destroy().catch(() => { });
    }
    /** Stops the container (SIGTERM, SIGKILL after `graceMs`) and removes its socket directory. */
    async stop(graceMs = 1000) {
        this.#die('closed');
        killGroup(this.#child, 'SIGTERM');
        const t = setTimeout(() => killGroup(this.#child, 'SIGKILL'), graceMs);
        await this.#exited;
        clearTimeout(t);
    }
}
