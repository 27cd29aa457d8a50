/**
 * Waits on a condition instead of a fixed sleep: polls `check` until it holds, and fails with
 * `what` once `timeoutMs` has passed. A fixed sleep is either too short on a loaded machine or
 * wasted time on an idle one; a deadline is only ever reached when the behaviour is wrong.
 */
import assert from 'node:assert/strict';

export interface EventuallyOptions {
  /** Give up after this long, in ms. Default 8000. */
  timeoutMs?: number;
  /** Between checks, in ms. Default 50. */
  intervalMs?: number;
}

export async function eventually(what: string, check: () => boolean | Promise<boolean>, opts: EventuallyOptions = {}): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 8000;
  const intervalMs = opts.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() >= deadline) assert.fail(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
