import { Container } from './container.js';
import { StartFailure } from './start_failure.js';
function failure(f, detail) {
    return { ok: false, failure: f, detail };
}
export class FunctionPool {
    functionId;
    #spec;
    #opts;
    #log;
    #metrics;
    /** Idle containers; the end of the array is the most recently used. */
    #idle = [];
    #all = new Set();
    #waiters = [];
    #starting = 0;
    #closed = false;
    #reaper = null;
    constructor(spec, opts, log, metrics) {
        this.functionId = spec.functionId;
        this.#spec = spec;
        this.#opts = opts;
        this.#log = log;
        this.#metrics = metrics;
    }
    async invoke(call) {
        let got = this.#acquire();
        if (got instanceof Promise)
            got = await got;
        if (!(got instanceof Container)) {
            this.#metrics.outcome(got.failure);
            return got;
        }
        const t0 = performance.now();
        const out = await got.call(call);
        this.#metrics.callSeconds.observe((performance.now() - t0) / 1000);
        if (out.ok)
            this.#metrics.ok.inc();
        else
            this.#metrics.outcome(out.failure);
        this.#release(got);
        return out;
    }
    stats() {
        return { containers: this.#all.size, busy: this.#all.size - this.#idle.length, starting: this.#starting, queued: this.#waiters.length };
    }
    #acquire() {
        if (this.#closed)
            return failure('closed', 'function is shutting down');
        while (this.#idle.length > 0) {
            const c = this.#idle.pop();
            if (!c.dead)
                return c;
        }
        if (this.#all.size + this.#starting < this.#opts.maxConcurrency)
            return this.#startOne();
        if (this.#waiters.length >= this.#opts.maxQueue)
            return failure('busy', 'every container is busy and the queue is full');
        return new Promise((resolve) => {
            const waiter = {
                resolve,
                timer: setTimeout(() => {
                    const i = this.#waiters.indexOf(waiter);
                    if (i >= 0)
                        this.#waiters.splice(i, 1);
                    resolve(failure('busy', `no container free within ${this.#opts.queueTimeoutMs} ms`));
                }, this.#opts.queueTimeoutMs),
            };
            this.#waiters.push(waiter);
        });
    }
    async #startOne() {
        this.#starting++;
        const t0 = performance.now();
        try {
            const c = await Container.start(this.#spec, this.#log);
            this.#metrics.coldStart((performance.now() - t0) / 1000);
            if (this.#closed) {
                void c.stop();
                return failure('closed', 'function is shutting down');
            }
            c.onDeath = (dead) => this.#forget(dead);
            if (c.dead)
                return failure('crash', 'container died right after start');
            this.#all.add(c);
            this.#metrics.warm.set(this.#all.size);
            this.#ensureReaper();
            return c;
        }
        catch (err) {
            const detail = err.message;
            // One record per failed start: the cause and fix are in `detail`, the function's first lines beside it.
            const output = err instanceof StartFailure ? err.output.map((o) => `${o.stream}: ${o.line}`) : undefined;
            this.#log.error({ fnId: this.functionId, detail, output }, 'function container failed to start');
            // Nothing will ever be released to the waiters if no container lives: fail them too.
            if (this.#all.size === 0 && this.#starting === 1)
                this.#failWaiters('start_failed', detail);
            return failure('start_failed', detail);
        }
        finally {
            this.#starting--;
        }
    }
    #release(c) {
        if (c.dead)
            return; // #forget already replaced it for the waiters
        const w = this.#waiters.shift();
        if (w !== undefined) {
            clearTimeout(w.timer);
            w.resolve(c);
            return;
        }
        this.#idle.push(c);
    }
    /** A container died: drop it, and start a replacement if calls are waiting. */
    #forget(c) {
        if (!this.#all.delete(c))
            return;
        const i = this.#idle.indexOf(c);
        if (i >= 0)
            this.#idle.splice(i, 1);
        this.#metrics.warm.set(this.#all.size);
        if (this.#closed || this.#waiters.length === 0)
            return;
        if (this.#all.size + this.#starting >= this.#opts.maxConcurrency)
            return;
        void this.#startOne().then((got) => {
            const w = this.#waiters.shift();
            if (w !== undefined) {
                clearTimeout(w.timer);
                w.resolve(got);
            }
            else if (got instanceof Container)
                this.#release(got);
        });
    }
    #failWaiters(f, detail) {
        for (const w of this.#waiters.splice(0)) {
            clearTimeout(w.timer);
            w.resolve(failure(f, detail));
        }
    }
    #ensureReaper() {
        if (this.#reaper !== null)
            return;
        // Sweeping at half the idle timeout stops an idle container between 1× and 1.5× idle_timeout.
        const every = Math.min(Math.max(this.#opts.idleTimeoutMs / 2, 100), 5000);
        this.#reaper = setInterval(() => this.#reap(), every);
        this.#reaper.unref();
    }
    #reap() {
        const cutoff = Date.now() - this.#opts.idleTimeoutMs;
        // Least recently used first: the front of the stack.
        while (this.#idle.length > 0 && this.#idle[0].lastUsedMs <= cutoff) {
            const c = this.#idle.shift();
            this.#log.debug({ fnId: this.functionId, pid: c.pid }, 'stopping idle function container');
            void c.stop();
        }
        if (this.#all.size === 0 && this.#reaper !== null) {
            clearInterval(this.#reaper);
            this.#reaper = null;
        }
    }
    /** Stops every container and fails waiting calls (reload without this function, or shutdown). */
    async close() {
        this.#closed = true;
        this.#failWaiters('closed', 'function is shutting down');
        if (this.#reaper !== null)
            clearInterval(this.#reaper);
        this.#reaper = null;
        const all = [...this.#all];
        this.#idle.length = 0;
        await Promise.allSettled(all.map((c) => c.stop()));
        this.#metrics.warm.set(0);
    }
}
