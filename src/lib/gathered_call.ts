/**
 * One request whose whole answer is wanted in memory (a function call and its result): sent with
 * undici's dispatch and gathered by a small handler, without the Readable body stream, async
 * iteration and promise per chunk that `request()` + a body reader cost (issue 16). An answer
 * larger than `maxBytes` ends the request (its connection is not reused) and gathers nothing.
 */
import { util as undiciUtil, type Dispatcher } from 'undici';
import type { HeaderMap } from './header_map.ts';

export interface GatheredAnswer {
  statusCode: number;
  /** Lower-cased names; repeated ones as arrays. */
  headers: HeaderMap;
  /** The whole body, or null when it was larger than `maxBytes`. */
  body: Buffer | null;
}

class TooLarge extends Error {}

const EMPTY = Buffer.alloc(0);

class Gatherer {
  #statusCode = 0;
  #headers: HeaderMap = {};
  #chunks: Buffer[] = [];
  #size = 0;
  #abort: ((err: Error) => void) | null = null;
  readonly #maxBytes: number;
  readonly #resolve: (a: GatheredAnswer) => void;
  readonly #reject: (err: Error) => void;

  constructor(maxBytes: number, resolve: (a: GatheredAnswer) => void, reject: (err: Error) => void) {
    this.#maxBytes = maxBytes;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  onConnect(abort: (err?: Error) => void): void {
    this.#abort = abort;
  }

  onHeaders(statusCode: number, raw: Buffer[]): boolean {
    if (statusCode < 200) return true; // 1xx: the answer is still to come
    this.#statusCode = statusCode;
    this.#headers = undiciUtil.parseHeaders(raw) as HeaderMap;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.#size += chunk.length;
    if (this.#size > this.#maxBytes) {
      this.#abort?.(new TooLarge());
      return false;
    }
    this.#chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    const c = this.#chunks;
    const body = c.length === 0 ? EMPTY : c.length === 1 ? (c[0] as Buffer) : Buffer.concat(c, this.#size);
    this.#resolve({ statusCode: this.#statusCode, headers: this.#headers, body });
  }

  onError(err: Error): void {
    if (err instanceof TooLarge) this.#resolve({ statusCode: this.#statusCode, headers: this.#headers, body: null });
    else this.#reject(err);
  }
}

/** Sends `opts` through `dispatcher` and gathers the answer; rejects as undici's request() would. */
export function gatheredCall(dispatcher: Dispatcher, opts: Dispatcher.DispatchOptions, maxBytes: number): Promise<GatheredAnswer> {
  return new Promise((resolve, reject) => {
    dispatcher.dispatch(opts, new Gatherer(maxBytes, resolve, reject));
  });
}
