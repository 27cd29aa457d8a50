/**
 * Metrics belong to one gateway (issue #11): two gateways in one process count apart, and the
 * series of a route that a reload removes disappear. Real gateways on loopback, in this process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { startGateway, type RunningGateway } from '../../src/server/gateway.ts';
import { compilePlan } from '../../src/config/compile.ts';
import { loadConfigText } from '../../src/config/load.ts';
import { createLogger } from '../../src/lib/log.ts';

function config(name: string, routes: string[]): string {
  return stringify({
    server: { host: '127.0.0.1', port: 0 },
    admin: { host: '127.0.0.1', port: 0 },
    deployments: [
      { name, pathPrefix: '/app', specification: { routes: routes.map((path) => ({ path, backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: path } })) } },
    ],
  });
}

async function start(initial: string): Promise<{ gw: RunningGateway; setConfig(text: string): void }> {
  let text = initial;
  const log = createLogger({ level: 'silent' });
  const gw = await startGateway({ loadPlan: (registry) => compilePlan(loadConfigText(text, 'gatehouse.yaml'), registry, log), log, watch: false });
  return { gw, setConfig: (t) => (text = t) };
}

async function scrape(gw: RunningGateway): Promise<string> {
  return (await fetch(`${gw.info.adminUrl}/metrics`)).text();
}

test('regression: two gateways in one process do not share counters', async () => {
  const a = await start(config('shared-name', ['/one']));
  const b = await start(config('shared-name', ['/one']));
  try {
    for (let i = 0; i < 3; i++) assert.equal((await fetch(`${a.gw.info.dataUrl}/app/one`)).status, 200);
    assert.equal((await fetch(`${b.gw.info.dataUrl}/app/one`)).status, 200);
    assert.match(await scrape(a.gw), /gatehouse_http_requests_total\{deployment="shared-name",route="\/app\/one",method="GET",status="200"\} 3/);
    assert.match(await scrape(b.gw), /gatehouse_http_requests_total\{deployment="shared-name",route="\/app\/one",method="GET",status="200"\} 1/);
    await a.gw.reload();
    assert.match(await scrape(a.gw), /gatehouse_config_reloads_total\{result="applied"\} 1/);
    assert.doesNotMatch(await scrape(b.gw), /gatehouse_config_reloads_total\{result="applied"\}/);
  } finally {
    await a.gw.close();
    await b.gw.close();
  }
});

test('regression: the series of a route that a reload removes disappear; a kept route keeps its counts', async () => {
  const { gw, setConfig } = await start(config('app', ['/kept', '/dropped']));
  try {
    await fetch(`${gw.info.dataUrl}/app/kept`);
    await fetch(`${gw.info.dataUrl}/app/dropped`);
    assert.match(await scrape(gw), /route="\/app\/dropped"/);
    setConfig(config('app', ['/kept']));
    assert.deepEqual(await gw.reload(), { applied: true, errors: [] });
    await fetch(`${gw.info.dataUrl}/app/kept`);
    const text = await scrape(gw);
    assert.doesNotMatch(text, /route="\/app\/dropped"/);
    assert.match(text, /gatehouse_http_requests_total\{deployment="app",route="\/app\/kept",method="GET",status="200"\} 2/);
  } finally {
    await gw.close();
  }
});
