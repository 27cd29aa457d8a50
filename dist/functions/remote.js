/**
 * A function served by a remote Fn server (`functions.<id>.invokeEndpoint`, docs/functions.md). The
 * call is the same one a local container gets (Fn-Intent: httprequest, Fn-Http-*), POSTed to the
 * endpoint; the answer is mapped by the same rules: `Fn-Http-Status`/`Fn-Http-H-*` when the server
 * relays them, else the server's own 2xx status and Content-Type. The server's errors become
 * gateway errors: 502 → function error, 504/408 → timeout, 429/503 → busy, anything else → 502.
 */
import { Pool, errors as undiciErrors } from 'undici';
import { gatheredCall } from '../lib/gathered_call.js';
import { MAX_RESPONSE_BYTES, decodeCallResult } from './call_codec.js';
export class RemoteFunction {
    functionId;
    #pool;
    #path;
    #timeoutMs;
    #metrics;
    constructor(functionId, endpoint, timeoutMs, maxConcurrency, metrics) {
        const url = new URL(endpoint);
        this.functionId = functionId;
        this.#pool = new Pool(url.origin, { connections: maxConcurrency });
        this.#path = url.pathname + url.search;
        this.#timeoutMs = timeoutMs;
        this.#metrics = metrics;
    }
    async invoke(call) {
        const out = await this.#invoke(call);
        if (out.ok)
            this.#metrics.ok.inc();
        else
            this.#metrics.outcome(out.failure);
        return out;
    }
    async #invoke(call) {
        call.headers.push('Fn-Deadline', new Date(Date.now() + this.#timeoutMs).toISOString());
        const t0 = performance.now();
        try {
            const res = await gatheredCall(this.#pool, { path: this.#path, method: 'POST', headers: call.headers, body: call.body, headersTimeout: this.#timeoutMs, bodyTimeout: this.#timeoutMs }, MAX_RESPONSE_BYTES);
            const body = res.body;
            this.#metrics.callSeconds.observe((performance.now() - t0) / 1000);
            if (body === null)
                return { ok: false, failure: 'upstream', detail: `response larger than ${MAX_RESPONSE_BYTES} bytes` };
            const status = res.statusCode;
            if (status >= 200 && status < 300) {
                const out = decodeCallResult(res.headers, body);
                // A server that does not relay Fn-Http-Status answers with the function's status itself.
                if (out.ok && res.headers['fn-http-status'] === undefined && status !== 200)
                    return { ...out, status };
                return out;
            }
            const detail = `Fn server answered ${status}: ${body.toString('utf8', 0, 200)}`;
            if (status === 502)
                return { ok: false, failure: 'function_error', detail };
            if (status === 504 || status === 408)
                return { ok: false, failure: 'timeout', detail };
            if (status === 429 || status === 503)
                return { ok: false, failure: 'busy', detail };
            return { ok: false, failure: 'upstream', detail };
        }
        catch (err) {
            const timedOut = err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError;
            return { ok: false, failure: timedOut ? 'timeout' : 'upstream', detail: err.message };
        }
    }
    stats() {
        return { containers: 0, busy: 0, starting: 0, queued: 0 };
    }
    async close() {
        await this.#pool.close();
    }
}
