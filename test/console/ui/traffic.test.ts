import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePrometheus } from '../../../src/console/ui/prometheus.ts';
import { quantile, routeKey, routeTotals, TrafficHistory } from '../../../src/console/ui/traffic.ts';

/** A /metrics text for one route: requests by status and a latency histogram. */
function exposition(byStatus: Record<string, number>, buckets: [string, number][], sum: number): string {
  const l = 'deployment="d",route="/v1/a"';
  const lines = Object.entries(byStatus).map(([status, n]) => `gatehouse_http_requests_total{${l},method="GET",status="${status}"} ${n}`);
  for (const [le, n] of buckets) lines.push(`gatehouse_http_request_duration_seconds_bucket{${l},le="${le}"} ${n}`);
  lines.push(`gatehouse_http_request_duration_seconds_sum{${l}} ${sum}`);
  lines.push(`gatehouse_http_request_duration_seconds_count{${l}} ${buckets.at(-1)![1]}`);
  return lines.join('\n');
}

test('routeTotals sums the methods and statuses of a route by status class', () => {
  const text = `${exposition({ 200: 3, 204: 1, 401: 2, 503: 1 }, [['0.01', 5], ['+Inf', 7]], 0.5)}\ngatehouse_http_requests_total{deployment="d",route="/v1/a",method="POST",status="200"} 4`;
  const t = routeTotals(parsePrometheus(text)).get(routeKey('d', '/v1/a'))!;
  assert.equal(t.requests, 11);
  assert.deepEqual(t.byClass, { '2xx': 8, '3xx': 0, '4xx': 2, '5xx': 1 });
  assert.equal(t.durationCount, 7);
  assert.deepEqual(t.buckets, [
    { le: 0.01, count: 5 },
    { le: Infinity, count: 7 },
  ]);
});

test('quantile interpolates inside the bucket as histogram_quantile does', () => {
  const b = [
    { le: 0.1, count: 50 },
    { le: 0.2, count: 100 },
    { le: Infinity, count: 100 },
  ];
  assert.equal(quantile(0.5, b), 0.1);
  assert.ok(Math.abs(quantile(0.95, b)! - 0.19) < 1e-9);
  assert.equal(quantile(0.95, [{ le: 0.1, count: 0 }]), null);
  // Everything above the last finite bound: the bound is the answer.
  assert.equal(quantile(0.5, [{ le: 0.1, count: 0 }, { le: Infinity, count: 4 }]), 0.1);
});

test('TrafficHistory: rates and latency over each interval; the first reading is the baseline', () => {
  const h = new TrafficHistory(3);
  h.push(10_000, parsePrometheus(exposition({ 200: 10 }, [['0.01', 10], ['0.1', 10], ['+Inf', 10]], 0.05)));
  assert.equal(h.points.size, 0);
  h.push(12_000, parsePrometheus(exposition({ 200: 14, 500: 2 }, [['0.01', 12], ['0.1', 16], ['+Inf', 16]], 0.35)));
  const p = h.points.get(routeKey('d', '/v1/a'))!.at(-1)!;
  assert.equal(p.t, 12);
  assert.equal(p.ratePerSec, 3);
  assert.deepEqual(p.rateByClass, { '2xx': 2, '3xx': 0, '4xx': 0, '5xx': 1 });
  assert.ok(Math.abs(p.meanMs! - 50) < 1e-9, `mean ${p.meanMs}`);
  // 6 new requests: 2 under 10 ms, 4 in (10, 100] ms; rank 5.7 lands in the second bucket.
  assert.ok(Math.abs(p.p95Ms! - (10 + (90 * 3.7) / 4)) < 1e-9, `p95 ${p.p95Ms}`);
  assert.equal(h.latest.get(routeKey('d', '/v1/a'))!.requests, 16);
});

test('TrafficHistory: an interval without requests has no latency, and only the last readings are kept', () => {
  const h = new TrafficHistory(2);
  const same = exposition({ 200: 1 }, [['+Inf', 1]], 0.01);
  for (let i = 0; i < 5; i++) h.push(i * 2000, parsePrometheus(same));
  const points = h.points.get(routeKey('d', '/v1/a'))!;
  assert.equal(points.length, 2);
  assert.equal(points[1]!.ratePerSec, 0);
  assert.equal(points[1]!.meanMs, null);
  assert.equal(points[1]!.p95Ms, null);
});

test('TrafficHistory: a gateway restart (counters back near zero) reads as the new counts, not a negative rate', () => {
  const h = new TrafficHistory();
  h.push(0, parsePrometheus(exposition({ 200: 100 }, [['+Inf', 100]], 1)));
  h.push(2000, parsePrometheus(exposition({ 200: 4 }, [['+Inf', 4]], 0.04)));
  const p = h.points.get(routeKey('d', '/v1/a'))!.at(-1)!;
  assert.equal(p.ratePerSec, 2);
  assert.equal(p.rateByClass['2xx'], 2);
  assert.ok(Math.abs(p.meanMs! - 10) < 1e-9);
});
