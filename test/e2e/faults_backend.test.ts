/**
 * Backend faults not covered elsewhere, end to end: an upstream whose body stalls between chunks
 * (the read timeout cuts the client connection instead of hanging it), and a function container
 * that answers its `/call` with broken HTTP (garbage bytes, a truncated body, an undefined status,
 * a bad Fn-Http-Status, an oversized answer, a stalled body). Each gets its documented status, the
 * next call to the same function works, and the other routes stay healthy.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ROOT, startGateway, type RunningGatewayProcess } from '../helpers/gateway.ts';
import { startUpstream, type Upstream } from '../helpers/upstream.ts';
import { eventually } from '../helpers/eventually.ts';
import { isAlive } from '../helpers/process.ts';

const FIX = join(ROOT, 'test/fixtures/functions');

describe('backend faults (e2e)', () => {
  let up: Upstream;
  let gw: RunningGatewayProcess;

  before(async () => {
    up = await startUpstream();
    gw = await startGateway({
      config: {
        deployments: [
          {
            name: 'faults',
            pathPrefix: '/v1',
            specification: {
              routes: [
                { path: '/up/{rest*}', backend: { type: 'HTTP_BACKEND', url: `${up.url}/\${request.path[rest]}`, readTimeoutInSeconds: 1 } },
                { path: '/fn', methods: ['GET', 'POST'], backend: { type: 'ORACLE_FUNCTIONS_BACKEND', functionId: 'garbage' } },
                { path: '/health', backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'ok' } },
              ],
            },
          },
        ],
        functions: { garbage: { path: join(FIX, 'garbage') } },
      },
    });
  });
  after(async () => {
    await gw?.stop();
    await up?.close();
  });

  async function healthy(): Promise<void> {
    const r = await fetch(`${gw.url}/v1/health`);
    assert.deepEqual([r.status, await r.text()], [200, 'ok']);
  }

  it('an upstream body that stalls past the read timeout: the client connection is cut near the timeout, not hung', async () => {
    const started = Date.now();
    const res = await fetch(`${gw.url}/v1/up/slow-body?ms=4000`);
    assert.equal(res.status, 200, 'the head had already been sent');
    await assert.rejects(res.text(), 'the body is cut, not completed');
    const ms = Date.now() - started;
    assert.ok(ms >= 900 && ms < 3000, `cut after ${ms} ms (read timeout 1 s)`);
    await healthy();
  });

  it('an upstream body with gaps shorter than the read timeout arrives whole', async () => {
    const res = await fetch(`${gw.url}/v1/up/slow-body?ms=500`);
    assert.deepEqual([res.status, await res.text()], [200, 'first;second']);
    await healthy();
  });

  async function fn(mode: string): Promise<{ status: number; body: string; ms: number }> {
    const started = Date.now();
    const res = await fetch(`${gw.url}/v1/fn?mode=${mode}`);
    return { status: res.status, body: await res.text(), ms: Date.now() - started };
  }

  const broken: [string, number, string][] = [
    ['garbage', 502, 'Function failed'],
    ['garbage-close', 502, 'Function failed'],
    ['bad-header', 502, 'Function failed'],
    ['short-body', 502, 'Function failed'],
    ['bad-status', 502, 'Function failed'],
    ['bad-fn-status', 502, 'Function failed'],
    ['huge', 502, 'Function failed'],
    ['stall', 504, 'Function timed out'],
  ];
  for (const [mode, status, message] of broken) {
    it(`a function answering its call with ${mode}: ${status}, then the next call works`, async () => {
      const ok = await fn('ok');
      assert.equal(ok.status, 200, ok.body);
      const r = await fn(mode);
      assert.equal(r.status, status, `${mode}: ${r.body}`);
      assert.deepEqual(JSON.parse(r.body), { code: status, message }, mode);
      assert.ok(r.ms < 3000, `${mode}: answered in ${r.ms} ms`);
      const next = await fn('ok');
      assert.equal(next.status, 200, `${mode}: next call: ${next.body}`);
      // A container replaced after a broken answer is gone, not orphaned.
      const [oldPid, newPid] = [(JSON.parse(ok.body) as { pid: number }).pid, (JSON.parse(next.body) as { pid: number }).pid];
      if (newPid !== oldPid) {
        await eventually(`${mode}: container ${oldPid} stopped, not left running`, () => !isAlive(oldPid), { timeoutMs: 5000 });
      }
      await healthy();
    });
  }

  it('the gateway stays running and ready', async () => {
    assert.equal((await fetch(`${gw.adminUrl}/health/ready`)).status, 200);
    assert.ok(gw.proc.exitCode === null, 'still running');
  });
});
