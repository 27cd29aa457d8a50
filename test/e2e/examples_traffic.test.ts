/**
 * Keeps examples/traffic honest: the README's scenarios, run against a copy of the example with
 * the real gateway process and the real `gatehouse subscribers` command.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runCli, startGateway, type RunningGatewayProcess } from '../helpers/gateway.ts';
import { eventually } from '../helpers/eventually.ts';

const KEY = 'ghk_demo-key-for-this-example-only-0000000';

describe('examples/traffic (e2e)', () => {
  let dir: string;
  let gw: RunningGatewayProcess;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-traffic-'));
    cpSync(join(ROOT, 'examples/traffic'), dir, { recursive: true });
    gw = await startGateway({ cwd: dir, config: readFileSync(join(dir, 'gatehouse.yaml'), 'utf8') });
  });
  after(async () => {
    await gw?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('validates', async () => {
    const r = await runCli(['validate', '--config', join(dir, 'gatehouse.yaml')]);
    assert.equal(r.code, 0, r.stderr);
  });

  it('needs an API key, caches per page, and refuses past the plan\'s rate', async () => {
    const url = `${gw.url}/catalog/items`;
    assert.equal((await fetch(url)).status, 403);
    // Four requests at once-ish: the plan's two-a-second window starts at the first.
    const statuses: (string | number)[] = [];
    let body: unknown = null;
    for (let i = 0; i < 4; i++) {
      const res = await fetch(url, { headers: { 'x-api-key': KEY } });
      statuses.push(res.status === 200 ? `${res.status} ${res.headers.get('x-cache-status')}` : res.status);
      if (res.status === 200) body ??= await res.json();
      else assert.match(res.headers.get('retry-after') ?? '', /^\d+$/);
    }
    assert.deepEqual(body, { items: ['tea', 'coffee'] });
    assert.deepEqual(statuses, ['200 MISS', '200 HIT', 429, 429]);
  });

  it('a subscriber created with the CLI is served without a restart', async () => {
    const r = await runCli(['subscribers', 'create', '--config', join(dir, 'gatehouse.yaml'), '--name', 'Beta Inc', '--plan', 'Free', '--client', 'app', '--json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const token = /ghk_[A-Za-z0-9_-]{43}/.exec(r.stdout)?.[0];
    assert.ok(token, r.stdout);
    await eventually('the gateway picks the new key up', async () => (await fetch(`${gw.url}/catalog/items?api_key=${token}&page=2`)).status === 200, { timeoutMs: 10_000 });
    const listed = await (await fetch(`${gw.adminUrl}/admin/subscribers`)).text();
    assert.match(listed, /Beta Inc/);
    assert.doesNotMatch(listed, new RegExp(token!));
  });
});
