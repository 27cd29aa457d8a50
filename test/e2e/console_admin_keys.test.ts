/**
 * End-to-end: the operator console in a real browser (as console.test.ts) on a gateway without a
 * token service, with `admin.keys` and `openReads: false`: the configured key signs in, the
 * console reads /metrics with it, an unreachable key set shows its last error and readiness names
 * it, a reload of a broken configuration is refused with its errors shown while the running plan
 * stays, and a fixed one with a new route is applied and the route appears.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { chromiumOrSkip, launchChromium } from '../helpers/browser.ts';
import { bundleConsole, shoot, watchProblems } from '../helpers/console_page.ts';
import { eventually } from '../helpers/eventually.ts';
import { startGateway } from '../helpers/gateway.ts';
import { jwtPolicy } from '../helpers/policies.ts';
import { freePort } from '../idp/idp_process.ts';

test('the console without a token service, with admin.keys and closed reads: an unreachable key set and not-ready status, a rejected reload shows its errors, a good one the new route', { timeout: 120_000 }, async (t) => {
  const executablePath = chromiumOrSkip(t);
  if (executablePath === null) return;
  const build = bundleConsole(t);

  const key = 'console-admin-key-0123456789abcdef';
  const route = (path: string) => ({ path, methods: ['GET'], backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'ok' } });
  // A partner deployment whose key set cannot be fetched (nothing listens on that port).
  const deadJwks = `http://127.0.0.1:${await freePort()}/.well-known/jwks.json`;
  const partner = {
    name: 'partner',
    pathPrefix: '/partner',
    specification: {
      requestPolicies: { authentication: jwtPolicy({ issuer: 'https://partner.example.com/', audience: 'partner-api', jwksUri: deadJwks }) },
      routes: [route('/data')],
    },
  };
  const config = (routes: object[]) => ({ admin: { keys: [key], openReads: false }, deployments: [{ name: 'shop', pathPrefix: '/shop', specification: { routes } }, partner] });
  const gw = await startGateway({ env: { GATEHOUSE_CONSOLE_DIR: build }, config: config([route('/items')]) });
  t.after(() => gw.stop());
  assert.equal((await fetch(`${gw.adminUrl}/admin/plan`)).status, 401, 'reads are closed');

  const browser = await launchChromium(executablePath);
  t.after(() => browser.close());
  const page = await browser.context.newPage();
  const problems = watchProblems(page);

  await page.goto(`${gw.adminUrl}/console`);
  await page.getByLabel('Admin key or token').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('tr[data-route="/shop/items"]').waitFor();
  assert.equal(await page.getByRole('link', { name: 'Token service' }).count(), 0, 'no token service, no page for it');

  // The unreachable key set: readiness names it, and its card says why.
  const store = page.getByRole('region', { name: `Key store ${deadJwks}` });
  await eventually('the key store shows its last error', async () => /Status\s+no usable keys[\s\S]*Last error\s+(?!none)\S/.test(await store.innerText()), { timeoutMs: 15_000, intervalMs: 200 });
  await shoot(page, 'gateway-key-store-error', [], store);
  await eventually('readiness names the partner deployment', async () => /^not ready[\s\S]*partner/.test((await page.getByRole('region', { name: 'Status' }).locator('dd').first().innerText()).trim()), { timeoutMs: 15_000, intervalMs: 200 });

  // /metrics is closed too: the console reads it with the credential.
  const r = await fetch(`${gw.url}/shop/items`);
  assert.equal(r.status, 200);
  await r.arrayBuffer();
  await eventually('the request is counted', async () => (await page.locator('tr[data-route="/shop/items"] [data-col=requests]').innerText()).trim() === '1', { timeoutMs: 10_000, intervalMs: 100 });

  // A configuration with an error: the reload is refused, the running plan stays, the page says why.
  writeFileSync(gw.configFile, stringify({ ...config([route('/items')]), deployments: [{ name: 'shop', specification: { routes: [route('/items')] } }] }));
  await page.getByRole('button', { name: 'Reload configuration' }).click();
  const refused = page.getByRole('status').filter({ hasText: 'Reload refused' });
  await refused.waitFor();
  assert.match(await refused.innerText(), /pathPrefix/);
  await eventually('the last reload says rejected, with the error', async () => /^rejected at[\s\S]*pathPrefix/.test((await page.getByTestId('last-reload').innerText()).trim()), { timeoutMs: 10_000, intervalMs: 100 });
  assert.equal(await page.locator('tr[data-route="/shop/items"]').count(), 1, 'the running plan is still shown');
  await shoot(page, 'gateway-reload-rejected', [], page.getByRole('region', { name: 'Status' }));

  // Fixed, with a new route: applied, and the route table shows it.
  writeFileSync(gw.configFile, stringify(config([route('/items'), route('/orders')])));
  await page.getByRole('button', { name: 'Reload configuration' }).click();
  await page.getByRole('status').filter({ hasText: 'Reload applied.' }).waitFor();
  await page.locator('tr[data-route="/shop/orders"]').waitFor({ timeout: 10_000 });
  await eventually('the last reload says applied', async () => /^applied at/.test((await page.getByTestId('last-reload').innerText()).trim()), { timeoutMs: 10_000, intervalMs: 100 });

  assert.deepEqual(problems, [], 'no page errors and no Content-Security-Policy violations');
});
