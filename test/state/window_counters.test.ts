import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/lib/clock.ts';
import { WindowCounters } from '../../src/state/window_counters.ts';

const limit = { name: 'rl:test', points: 3, windowSeconds: 1 };

describe('WindowCounters (the memory store\'s counters)', () => {
  it('allows `points` hits per window from the first hit, answering synchronously, then starts again', () => {
    const clock = new ManualClock(10_000);
    const c = new WindowCounters(clock);
    assert.deepEqual(c.consume(limit, 'a'), { allowed: true, remaining: 2, resetMs: 1000 });
    clock.advance(400);
    assert.deepEqual(c.consume(limit, 'a'), { allowed: true, remaining: 1, resetMs: 600 });
    assert.deepEqual(c.consume(limit, 'a'), { allowed: true, remaining: 0, resetMs: 600 });
    assert.deepEqual(c.consume(limit, 'a'), { allowed: false, remaining: 0, resetMs: 600 });
    assert.equal(c.consume(limit, 'b').allowed, true, 'another key counts apart');
    assert.equal(c.consume({ ...limit, name: 'rl:other' }, 'a').allowed, true, 'another limit counts apart');
    clock.advance(600);
    assert.deepEqual(c.consume(limit, 'a'), { allowed: true, remaining: 2, resetMs: 1000 }, 'a new window');
  });

  it('a hit\'s own window (a calendar quota) replaces the limit\'s for a window it starts', () => {
    const clock = new ManualClock(0);
    const c = new WindowCounters(clock);
    assert.equal(c.consume(limit, 'q', 3600).resetMs, 3_600_000);
    clock.advance(1500);
    assert.equal(c.consume(limit, 'q', 3600).resetMs, 3_598_500, 'the running window keeps its end');
  });

  it('a reload that raises the limit applies to the running window', () => {
    const c = new WindowCounters(new ManualClock(0));
    for (let i = 0; i < 3; i++) c.consume(limit, 'k');
    assert.equal(c.consume(limit, 'k').allowed, false);
    assert.equal(c.consume({ ...limit, points: 10 }, 'k').allowed, true);
  });

  it('sweeps ended windows, so per-client keys do not pile up', () => {
    const clock = new ManualClock(0);
    const c = new WindowCounters(clock);
    for (let i = 0; i < 1000; i++) c.consume(limit, `client-${i}`);
    assert.equal(c.size, 1000);
    clock.advance(6000);
    c.consume(limit, 'late');
    assert.equal(c.size, 1, 'only the window just started is left');
  });
});
