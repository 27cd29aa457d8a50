/**
 * One request whose whole answer is wanted in memory (a function call and its result): sent with
 * undici's dispatch and gathered by a small handler, without the Readable body stream, async
 * iteration and promise per chunk that `request()` + a body reader cost (issue 16). An answer
 * larger than `maxBytes` ends the request (its connection is not reused) and gathers nothing.
 */
import { util as undiciUtil } from 'undici';
class TooLarge extends Error {
}
const EMPTY = Buffer.alloc(0);
class Gatherer {
    #statusCode = 0;
    #headers = {};
    #chunks = [];
    #size = 0;
    #abort = null;
    #maxBytes;
    #resolve;
    #reject;
    constructor(maxBytes, resolve, reject) {
        this.#maxBytes = maxBytes;
        this.#resolve = resolve;
        this.#reject = reject;
    }
    onConnect(abort) {
        this.#abort = abort;
    }
    onHeaders(statusCode, raw) {
        if (statusCode < 200)
            return true; // 1xx: the answer is still to come
        this.#statusCode = statusCode;
        this.#headers = undiciUtil.parseHeaders(raw);
        return true;
    }
    onData(chunk) {
        this.#size += chunk.length;
        if (this.#size > this.#maxBytes) {
            this.#abort?.(new TooLarge());
            return false;
        }
        this.#chunks.push(chunk);
        return true;
    }
    onComplete() {
        const c = this.#chunks;
        const body = c.length === 0 ? EMPTY : c.length === 1 ? c[0] : Buffer.concat(c, this.#size);
        this.#resolve({ statusCode: this.#statusCode, headers: this.#headers, body });
    }
    onError(err) {
        if (err instanceof TooLarge)
            this.#resolve({ statusCode: this.#statusCode, headers: this.#headers, body: null });
        else
            this.#reject(err);
    }
}
/** Sends `opts` through `dispatcher` and gathers the answer; rejects as undici's request() would. */
export function gatheredCall(dispatcher, opts, maxBytes) {
    return new Promise((resolve, reject) => {
        dispatcher.dispatch(opts, new Gatherer(maxBytes, resolve, reject));
    });
}
