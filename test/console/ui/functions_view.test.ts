import { test } from 'node:test';
import assert from 'node:assert/strict';
import { functionPools } from '../../../src/console/ui/functions_view.ts';
import { parsePrometheus } from '../../../src/console/ui/prometheus.ts';

test('functionPools joins the pool state with the call counters, listing functions either side knows', () => {
  const samples = parsePrometheus(
    [
      'gatehouse_function_invocations_total{function_id="hello",outcome="ok"} 8',
      'gatehouse_function_invocations_total{function_id="hello",outcome="timeout"} 2',
      'gatehouse_function_call_duration_seconds_sum{function_id="hello"} 0.5',
      'gatehouse_function_call_duration_seconds_count{function_id="hello"} 10',
      'gatehouse_function_cold_starts_total{function_id="other"} 3',
    ].join('\n'),
  );
  const pools = functionPools([{ id: 'hello', kind: 'local', containers: 2, busy: 1, idle: 1, starting: 0, queued: 4, coldStarts: 2 }], samples);
  assert.deepEqual(
    pools.map((p) => [p.id, p.containers, p.queued, p.coldStarts, p.calls, p.outcomes, p.callMeanMs]),
    [
      ['hello', 2, 4, 2, 10, { ok: 8, timeout: 2 }, 50],
      ['other', null, null, 3, 0, {}, null],
    ],
  );
});
