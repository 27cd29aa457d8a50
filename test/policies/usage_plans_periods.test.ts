/**
 * Calendar quota periods (OCI resetPolicy CALENDAR): UTC, weeks from Monday, months of their real
 * length, and the tracker that recomputes only when time leaves the current period.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/lib/clock.ts';
import { calendarPeriod, longestPeriodSec, PeriodTracker, type QuotaUnit } from '../../src/policies/usage_periods.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const period = (unit: QuotaUnit, at: string) => {
  const p = calendarPeriod(unit, Date.parse(at));
  return [iso(p.startMs), iso(p.endMs)];
};

describe('calendarPeriod (UTC)', () => {
  it('cuts minutes, hours and days on UTC boundaries', () => {
    assert.deepEqual(period('MINUTE', '2026-03-14T15:09:26.535Z'), ['2026-03-14T15:09:00.000Z', '2026-03-14T15:10:00.000Z']);
    assert.deepEqual(period('HOUR', '2026-03-14T15:09:26.535Z'), ['2026-03-14T15:00:00.000Z', '2026-03-14T16:00:00.000Z']);
    assert.deepEqual(period('DAY', '2026-03-14T23:59:59.999Z'), ['2026-03-14T00:00:00.000Z', '2026-03-15T00:00:00.000Z']);
    assert.deepEqual(period('DAY', '2026-03-15T00:00:00.000Z'), ['2026-03-15T00:00:00.000Z', '2026-03-16T00:00:00.000Z'], 'the first millisecond belongs to the new day');
  });

  it('starts weeks on Monday 00:00 UTC, whatever the day (Sunday is the last day of its week)', () => {
    // 2026-03-16 is a Monday.
    assert.deepEqual(period('WEEK', '2026-03-16T00:00:00.000Z'), ['2026-03-16T00:00:00.000Z', '2026-03-23T00:00:00.000Z']);
    assert.deepEqual(period('WEEK', '2026-03-18T12:00:00.000Z'), ['2026-03-16T00:00:00.000Z', '2026-03-23T00:00:00.000Z']);
    assert.deepEqual(period('WEEK', '2026-03-22T23:59:59.999Z'), ['2026-03-16T00:00:00.000Z', '2026-03-23T00:00:00.000Z'], 'Sunday');
    assert.deepEqual(period('WEEK', '2026-01-01T08:00:00.000Z'), ['2025-12-29T00:00:00.000Z', '2026-01-05T00:00:00.000Z'], 'a week across the new year');
  });

  it('gives months their own length: February (leap and not), 30- and 31-day months, December into January', () => {
    assert.deepEqual(period('MONTH', '2026-02-10T00:00:00.000Z'), ['2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z']);
    assert.deepEqual(period('MONTH', '2028-02-29T23:59:59.999Z'), ['2028-02-01T00:00:00.000Z', '2028-03-01T00:00:00.000Z']);
    assert.deepEqual(period('MONTH', '2026-04-30T12:00:00.000Z'), ['2026-04-01T00:00:00.000Z', '2026-05-01T00:00:00.000Z']);
    assert.deepEqual(period('MONTH', '2026-12-31T23:59:59.999Z'), ['2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z']);
    assert.deepEqual(period('MONTH', '2027-01-01T00:00:00.000Z'), ['2027-01-01T00:00:00.000Z', '2027-02-01T00:00:00.000Z']);
  });

  it('never makes a period longer than longestPeriodSec says (the LimitSpec window)', () => {
    for (const unit of ['MINUTE', 'HOUR', 'DAY', 'WEEK', 'MONTH'] as const) {
      for (let t = Date.UTC(2024, 0, 1); t < Date.UTC(2029, 0, 1); t += 86_400_000 * 3 + 3_600_000 * 7) {
        const p = calendarPeriod(unit, t);
        assert.ok(p.startMs <= t && t < p.endMs, `${unit} at ${iso(t)}`);
        assert.ok((p.endMs - p.startMs) / 1000 <= longestPeriodSec(unit), `${unit} at ${iso(t)}`);
      }
    }
  });
});

describe('PeriodTracker', () => {
  it('follows the injected clock across a month boundary', () => {
    const clock = new ManualClock(Date.parse('2026-01-31T23:59:59.000Z'));
    const months = new PeriodTracker('MONTH');
    const jan = months.at(clock.nowMs());
    assert.equal(iso(jan.startMs), '2026-01-01T00:00:00.000Z');
    assert.equal(months.at(clock.nowMs()), jan, 'the same period object while time stays inside it');
    clock.advance(1000);
    const feb = months.at(clock.nowMs());
    assert.deepEqual([iso(feb.startMs), iso(feb.endMs)], ['2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z']);
    clock.set(Date.parse('2026-01-15T00:00:00.000Z'));
    assert.equal(iso(months.at(clock.nowMs()).startMs), '2026-01-01T00:00:00.000Z', 'a clock that goes back gets the right period too');
  });
});
