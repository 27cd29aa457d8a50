/**
 * Hot reload and graceful shutdown of the real process; OCI-exported specifications loaded unchanged.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { eventually } from '../helpers/eventually.ts';
import { ROOT, startGateway, type RunningGatewayProcess } from '../helpers/gateway.ts';
import { startUpstream, type Upstream } from '../helpers/upstream.ts';

function stockConfig(routes: Record<string, string>): object {
  return {
    server: { host: '127.0.0.1' },
    deployments: [
      {
        name: 'app',
        pathPrefix: '/app',
        specification: {
          routes: Object.entries(routes).map(([path, body]) => ({ path, methods: ['GET'], backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body } })),
        },
      },
    ],
  };
}

describe('hot reload (e2e)', () => {
  it('applies a valid change on file write, keeps the old plan on an invalid one, and reloads on SIGHUP', async () => {
    const gw = await startGateway({ config: stockConfig({ '/one': 'v1' }) });
    try {
      assert.equal(await (await fetch(`${gw.url}/app/one`)).text(), 'v1');
      assert.equal((await fetch(`${gw.url}/app/two`)).status, 404);

      // A valid change, written in place, is picked up by the file watcher.
      writeFileSync(gw.configFile, stringify(stockConfig({ '/one': 'v2', '/two': 'new' })));
      await eventually('the written change is served', async () => (await (await fetch(`${gw.url}/app/two`)).text()) === 'new');
      assert.equal(await (await fetch(`${gw.url}/app/one`)).text(), 'v2');

      // An invalid one is rejected, logged with its path, and the previous plan keeps serving.
      writeFileSync(gw.configFile, stringify({ deployments: [{ name: 'app', pathPrefix: 'no-slash', specification: { routes: [] } }] }));
      const rejected = await gw.waitFor((r) => r['msg'] === 'config reload rejected');
      assert.ok((rejected['errors'] as string[]).some((e) => e.startsWith('deployments[0].pathPrefix:')), JSON.stringify(rejected['errors']));
      assert.equal(await (await fetch(`${gw.url}/app/two`)).text(), 'new');

      // Editors replace files by renaming; that is picked up too.
      const tmp = join(gw.dir, 'next.yaml');
      writeFileSync(tmp, stringify(stockConfig({ '/three': 'renamed-in' })));
      renameSync(tmp, gw.configFile);
      await eventually('the renamed-in file is served', async () => (await fetch(`${gw.url}/app/three`)).status === 200);

      // SIGHUP reloads even without a file event being noticed.
      const before = gw.records().filter((r) => r['msg'] === 'config reloaded').length;
      gw.proc.kill('SIGHUP');
      await eventually('SIGHUP reloaded', () => gw.records().filter((r) => r['msg'] === 'config reloaded').length > before);

      // A file that vanishes is a rejected reload, not an outage.
      renameSync(gw.configFile, join(gw.dir, 'gone.yaml'));
      gw.proc.kill('SIGHUP');
      await gw.waitFor((r) => r['msg'] === 'config reload rejected' && JSON.stringify(r['errors']).includes('ENOENT'));
      assert.equal((await fetch(`${gw.url}/app/three`)).status, 200);

      const info = (await (await fetch(`${gw.adminUrl}/admin/info`)).json()) as { lastReload: { result: string } };
      assert.equal(info.lastReload.result, 'rejected');
      const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
      assert.match(metrics, /gatehouse_config_reloads_total\{result="rejected"\} [1-9]/);
    } finally {
      await gw.stop();
    }
  });

  it('keeps serving requests already in flight across a reload', async () => {
    const up = await startUpstream();
    const cfg = (body: string) => ({
      server: { host: '127.0.0.1' },
      deployments: [{ name: 'app', pathPrefix: '/', specification: { routes: [
        { path: '/slow', backend: { type: 'HTTP_BACKEND', url: `${up.url}/slow-headers?ms=600` } },
        { path: '/v', backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body } },
      ] } }],
    });
    const gw = await startGateway({ config: cfg('old') });
    try {
      const slow = fetch(`${gw.url}/slow`);
      await eventually('the slow request reached the upstream', () => up.received.some((r) => r.url.startsWith('/slow-headers')));
      writeFileSync(gw.configFile, stringify(cfg('new')));
      await eventually('the new plan is served', async () => (await (await fetch(`${gw.url}/v`)).text()) === 'new');
      const res = await slow;
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'late');
    } finally {
      await gw.stop();
      await up.close();
    }
  });
});

/** A real upstream and a gateway whose one route, /slow, waits `ms` on it before answering 'late'. */
async function slowGateway(ms: number): Promise<{ up: Upstream; gw: RunningGatewayProcess }> {
  const up = await startUpstream();
  const gw = await startGateway({
    config: {
      server: { host: '127.0.0.1' },
      deployments: [{ name: 'app', pathPrefix: '/', specification: { routes: [{ path: '/slow', backend: { type: 'HTTP_BACKEND', url: `${up.url}/slow-headers?ms=${ms}` } }] } }],
    },
  });
  return { up, gw };
}

/** Sends GET /slow, and once the upstream holds it, SIGTERMs the gateway and waits until it drains. */
async function sigtermWithRequestInFlight({ up, gw }: { up: Upstream; gw: RunningGatewayProcess }): Promise<{ inFlight: Promise<Response> }> {
  const inFlight = fetch(`${gw.url}/slow`);
  inFlight.catch(() => undefined); // awaited by the caller; a failed assertion before then must not turn into an unhandled rejection
  await eventually('the slow request reached the upstream', () => up.received.some((r) => r.url.startsWith('/slow-headers')));
  gw.proc.kill('SIGTERM');
  await gw.waitFor((r) => r['msg'] === 'shutting down: draining in-flight requests');
  return { inFlight };
}

describe('graceful shutdown (e2e)', () => {
  it('finishes the request in flight on SIGTERM, refuses new connections, and exits 0', async () => {
    const { up, gw } = await slowGateway(800);
    try {
      const { inFlight } = await sigtermWithRequestInFlight({ up, gw });
      await assert.rejects(fetch(`${gw.url}/slow`, { headers: { connection: 'close' } }), 'no new connections once draining');
      const res = await inFlight;
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'late');
      assert.equal(await gw.exited, 0);
    } finally {
      await gw.stop();
      await up.close();
    }
  });
});

describe('health during shutdown (e2e)', () => {
  it('regression: /health/live answered 200 "live" while the gateway drained', async () => {
    const { up, gw } = await slowGateway(3000);
    try {
      const live = await fetch(`${gw.adminUrl}/health/live`);
      assert.equal(live.status, 200);
      assert.deepEqual(await live.json(), { status: 'live' });
      // A request held by a slow upstream keeps the gateway draining after SIGTERM.
      const { inFlight } = await sigtermWithRequestInFlight({ up, gw });
      const draining = await fetch(`${gw.adminUrl}/health/live`);
      assert.equal(draining.status, 503);
      assert.deepEqual(await draining.json(), { status: 'draining' });
      const ready = await fetch(`${gw.adminUrl}/health/ready`);
      assert.equal(ready.status, 503);
      assert.equal(((await ready.json()) as { draining: boolean }).draining, true);
      assert.equal(gw.proc.exitCode, null, 'still draining the request in flight');
      const res = await inFlight;
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'late');
      assert.equal(await gw.exited, 0);
    } finally {
      await gw.stop();
      await up.close();
    }
  });
});

describe('OCI-exported specifications (e2e)', () => {
  it('loads the oci CLI export (kebab-case, wrapped in data) and the REST export (camelCase) unchanged', async () => {
    const up = await startUpstream();
    const cliExport = readFileSync(join(ROOT, 'test/fixtures/oci/cli-deployment-get.json'), 'utf8');
    const restExport = readFileSync(join(ROOT, 'test/fixtures/oci/rest-specification.json'), 'utf8');
    const gw = await startGateway({
      config: {
        server: { host: '127.0.0.1' },
        deployments: [
          { name: 'pets', pathPrefix: '/pets', specificationFile: 'cli-export.json' },
          { name: 'files', pathPrefix: '/f', specificationFile: 'rest-export.json' },
        ],
      },
      files: { 'cli-export.json': cliExport, 'rest-export.json': restExport },
      env: { UPSTREAM: up.url },
    });
    try {
      const health = await fetch(`${gw.url}/pets/health`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok' });
      const pet = (await (await fetch(`${gw.url}/pets/17`)).json()) as { url: string };
      assert.equal(pet.url, '/pets/17');
      assert.equal((await fetch(`${gw.url}/pets/17`, { method: 'DELETE' })).status, 405);
      const file = (await (await fetch(`${gw.url}/f/files/docs/a.txt`, { method: 'PUT', body: 'hi' })).json()) as { url: string; body: string };
      assert.equal(file.url, '/store/docs/a.txt');
      assert.equal(file.body, 'hi');
    } finally {
      await gw.stop();
      await up.close();
    }
  });
});
