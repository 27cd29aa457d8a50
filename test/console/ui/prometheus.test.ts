import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePrometheus, samplesOf } from '../../../src/console/ui/prometheus.ts';

test('parsePrometheus reads samples with labels, skips comments, and keeps the order', () => {
  const s = parsePrometheus(
    [
      '# HELP gatehouse_http_requests_total Requests.',
      '# TYPE gatehouse_http_requests_total counter',
      'gatehouse_http_requests_total{deployment="hello",route="/v1/items/{id}",method="GET",status="200"} 3',
      'gatehouse_http_requests_total{deployment="hello",route="/v1/items/{id}",method="GET",status="401"} 2 1700000000000',
      '',
      'gatehouse_process_open_fds 36',
    ].join('\n'),
  );
  const req = samplesOf(s, 'gatehouse_http_requests_total');
  assert.equal(req.length, 2);
  assert.deepEqual(req[0]!.labels, { deployment: 'hello', route: '/v1/items/{id}', method: 'GET', status: '200' });
  assert.equal(req[1]!.value, 2);
  assert.equal(samplesOf(s, 'gatehouse_process_open_fds')[0]!.value, 36);
  assert.deepEqual(samplesOf(s, 'absent'), []);
});

test('parsePrometheus unescapes label values and reads +Inf, and a bad line does not stop it', () => {
  const s = parsePrometheus(
    ['m{a="say \\"hi\\"",b="back\\\\slash",c="line\\nbreak",le="+Inf"} +Inf', 'broken{a="x} 1', 'm{} NaNish', 'after{x=","} 4'].join('\n'),
  );
  const m = samplesOf(s, 'm');
  assert.equal(m.length, 1);
  assert.deepEqual(m[0]!.labels, { a: 'say "hi"', b: 'back\\slash', c: 'line\nbreak', le: '+Inf' });
  assert.equal(m[0]!.value, Infinity);
  assert.equal(samplesOf(s, 'broken').length, 0);
  assert.deepEqual(samplesOf(s, 'after')[0]!.labels, { x: ',' });
});
