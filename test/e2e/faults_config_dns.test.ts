/**
 * Config fault: a deployment whose JWKS URI does not resolve. A test here must never ask the
 * machine's resolver about a non-local name (traffic off the machine is not allowed), so the case
 * runs inside a fresh network namespace (`unshare -n`, loopback only): there the lookup fails at
 * once and nothing can leave. The scenario (faults_config_dns.scenario.ts) refuses to run outside
 * such a namespace, and this test skips, saying why, where namespaces are not available.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../helpers/gateway.ts';

const SCENARIO = join(ROOT, 'test/e2e/faults_config_dns.scenario.ts');

/** Null when `unshare -n` with loopback works here; otherwise why not. */
function namespaceProblem(): string | null {
  const r = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up && test "$(ip -o link show | wc -l)" -eq 1'], { encoding: 'utf8', timeout: 5000 });
  if (r.error) return `unshare is not available (${r.error.message})`;
  return r.status === 0 ? null : `unshare -n failed (${r.status}): ${r.stderr.trim() || 'no isolated namespace with loopback'}`;
}

const problem = namespaceProblem();

it('a deployment whose JWKS host does not resolve: its tokens get 503, the other deployments serve, not ready', { skip: problem === null ? false : `needs a network namespace so no DNS query leaves the machine: ${problem}` }, async () => {
  const child = spawn('unshare', ['-n', 'sh', '-c', `ip link set lo up && exec "${process.execPath}" --import tsx "${SCENARIO}"`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  const killer = setTimeout(() => child.kill('SIGKILL'), 25_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(killer);
  assert.equal(code, 0, `scenario failed:\n${err}\n${out}`);
  const line = out.split('\n').find((l) => l.startsWith('RESULT '));
  assert.ok(line, out);
  const r = JSON.parse(line.slice(7)) as Record<string, any>;
  assert.deepEqual(r['nowhere'], { status: 503, challenge: null }, 'keys cannot be had: 503, not 401');
  assert.ok(r['nowhereMs'] < 3000, `answered in ${r['nowhereMs']} ms`);
  assert.deepEqual(r['local'], { status: 200, challenge: null }, 'the other deployment is unaffected');
  assert.equal(r['open'].status, 200);
  assert.equal(r['ready'], 503, 'not ready while a JWKS has no usable keys');
  assert.equal(r['usable'], false);
  assert.match(String(r['lastError']), /ENOTFOUND|EAI_AGAIN|getaddrinfo/);
  assert.equal(r['running'], true);
});
