/**
 * Log lines to a file descriptor (stdout), gathered and written in batches, that neither block the
 * event loop behind a slow reader nor lose a line on exit (issue 16).
 *
 * Hand-written rather than pino's SonicBoom, which offers two modes and neither fits: synchronous,
 * it sleeps 100 ms whenever a non-blocking pipe is full (the whole gateway stalls behind a busy log
 * reader); asynchronous, a write still in the thread pool when the process exits after an uncaught
 * error is lost or lands after the lines written by the exit flush.
 *
 * Lines are gathered in a string and written when `batchBytes` are gathered or `flushMs` after the
 * first of them, in `writeSync` calls of whole lines within PIPE_BUF (atomic on a shared pipe). A
 * full pipe (EAGAIN) or a partial write keeps the rest and retries `retryMs` later, so the event
 * loop goes on serving; only when `maxPendingBytes` are held back does a write wait for the reader
 * (backpressure, never a dropped line). `flushSync(maxWaitMs)` writes everything, waiting for the
 * reader up to `maxWaitMs`: the exit path (lib/log.ts waits 5 s).
 */
import { writeSync } from 'node:fs';

export interface BatchedWriterOptions {
  /** Write as soon as this many bytes (UTF-16 units, near enough) are gathered. Default 16 KiB. */
  batchBytes?: number;
  /** Longest a gathered line waits for its write, in ms. Default 25. */
  flushMs?: number;
  /** After a full pipe, try again this much later, in ms. Default 2. */
  retryMs?: number;
  /** Held-back bytes beyond which writes wait for the reader. Default 4 MiB. */
  maxPendingBytes?: number;
}

export interface BatchedWriter {
  write(line: string): void;
  /**
   * Writes everything gathered or held back, waiting for a full pipe to drain — at most `maxWaitMs`
   * (default: as long as it takes), after which what could not be written is dropped.
   */
  flushSync(maxWaitMs?: number): void;
}

const WAIT = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread for `ms` (a full pipe on the exit path, where nothing else can run). */
function sleepMs(ms: number): void {
  Atomics.wait(WAIT, 0, 0, ms);
}

/**
 * POSIX makes a write of at most PIPE_BUF bytes (4096 on Linux) to a pipe atomic. Processes sharing
 * one stdout pipe (`serve --workers`, whose workers inherit the primary's) must not split each
 * other's lines, so a write carries whole lines within PIPE_BUF — a line longer than that alone,
 * whole, as one line per write always did.
 */
const PIPE_BUF = 4096;

/** How many bytes of `buf` to write at once: whole lines, at most PIPE_BUF unless one line is longer. */
export function wholeLines(buf: Buffer): number {
  if (buf.length <= PIPE_BUF) return buf.length;
  const cut = buf.lastIndexOf(0x0a, PIPE_BUF - 1);
  if (cut >= 0) return cut + 1;
  const end = buf.indexOf(0x0a);
  return end >= 0 ? end + 1 : buf.length;
}

export function createBatchedWriter(fd: number, opts: BatchedWriterOptions = {}): BatchedWriter {
  const batchBytes = opts.batchBytes ?? 16 * 1024;
  const flushMs = opts.flushMs ?? 25;
  const retryMs = opts.retryMs ?? 2;
  const maxPendingBytes = opts.maxPendingBytes ?? 4 * 1024 * 1024;
  /** Lines gathered and not yet encoded. */
  let gathered = '';
  /** Encoded bytes a full pipe held back, written before anything gathered after them. */
  let held: Buffer | null = null;
  let timer: NodeJS.Timeout | null = null;

  /** Writes what it can without waiting; true when nothing is left. Throws what is not EAGAIN. */
  function writeAvailable(): boolean {
    if (held === null) {
      if (gathered === '') return true;
      held = Buffer.from(gathered, 'utf8');
      gathered = '';
    }
    while (held !== null) {
      let n: number;
      try {
        n = writeSync(fd, held, 0, wholeLines(held));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return false;
        throw err;
      }
      held = n >= held.length ? null : held.subarray(n);
      if (held === null && gathered !== '') {
        held = Buffer.from(gathered, 'utf8');
        gathered = '';
      }
    }
    return true;
  }

  function schedule(ms: number): void {
    // Unref'd: a pending write never keeps the process alive; the exit flush writes it.
    if (timer === null) timer = setTimeout(onTimer, ms).unref();
  }

  function onTimer(): void {
    timer = null;
    flushAvailable();
  }

  /** Lines that cannot be written (the reader is gone: EPIPE, a closed fd) must not cost the process. */
  function drop(): void {
    held = null;
    gathered = '';
  }

  /** writeAvailable, with a reader that is gone meaning: drop the lines, done. */
  function writeOrDrop(): boolean {
    try {
      return writeAvailable();
    } catch {
      drop();
      return true;
    }
  }

  function flushAvailable(): void {
    if (writeOrDrop()) return;
    if ((held?.length ?? 0) + gathered.length > maxPendingBytes) return flushSync();
    schedule(retryMs);
  }

  function flushSync(maxWaitMs = Infinity): void {
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    const deadline = Date.now() + maxWaitMs;
    while (!writeOrDrop()) {
      if (Date.now() >= deadline) return drop();
      sleepMs(1);
    }
  }

  return {
    write(line: string): void {
      gathered += line;
      if (held === null && gathered.length >= batchBytes) flushAvailable();
      else if (held !== null && held.length + gathered.length > maxPendingBytes) flushSync();
      else schedule(flushMs);
    },
    flushSync,
  };
}
