/**
 * End-to-end: the operator console (issue 18) in a real browser. Debian's headless Chromium, driven
 * by playwright-core, opens `/console` on a real `gatehouse serve` with the embedded token service,
 * and an operator's steps are done through the page: sign in (a wrong key refused, a token with
 * gatehouse:admin and the generated admin key accepted), watch a route's numbers move after the
 * test sends requests, find a failing token's reason, reload, create an application (the secret
 * shown once) and grant it scopes, mint a token on the Test tab and call the route with the curl
 * the page shows, rotate the signing key and see the gateway pick up the new kid
 * (console_admin_keys.test.ts covers a gateway without a token service). The console is bundled
 * from src/ for the run (scripts/build_console.mjs), so the tests cover the sources, not a stale
 * dist/ (test/build_dist.test.ts checks that dist/console/ui/ is that bundle). Pages are screenshotted
 * into test/artifacts/console/ (and docs/console/ when GATEHOUSE_UPDATE_SCREENSHOTS=1). Any
 * Content-Security-Policy violation or page error fails the test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { chromiumOrSkip, launchChromium } from '../helpers/browser.ts';
import { bundleConsole, shoot, watchProblems } from '../helpers/console_page.ts';
import { eventually } from '../helpers/eventually.ts';
import { ROOT, startGateway } from '../helpers/gateway.ts';
import { jwtPolicy } from '../helpers/policies.ts';
import { freePort, tokenRequest } from '../idp/idp_process.ts';

const AUD = 'https://orders.example.com';
const OTHER_AUD = 'https://billing.example.com';
const SEEDED = { clientId: 'seeded-client', clientSecret: 'seeded-secret-0123456789' };
const MGMT = { clientId: 'console-mgmt', clientSecret: 'console-mgmt-secret-0123456789' };

/** The `kid` in a compact JWS's header. */
function kidOf(jwt: string): string {
  return (JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString('utf8')) as { kid: string }).kid;
}

test('the operator console in a real browser: sign in, live routes, failures, token service, key rotation', { timeout: 240_000 }, async (t) => {
  const executablePath = chromiumOrSkip(t);
  if (executablePath === null) return;

  const build = bundleConsole(t);

  const idpPort = await freePort();
  const issuer = `http://localhost:${idpPort}/`;
  const gw = await startGateway({
    env: { GATEHOUSE_CONSOLE_DIR: build },
    config: {
      deployments: [
        {
          name: 'orders',
          pathPrefix: '/v1',
          specification: {
            requestPolicies: {
              authentication: jwtPolicy({ issuer, audience: AUD, jwksUri: `${issuer}.well-known/jwks.json`, isAnonymousAccessAllowed: true }),
            },
            routes: [
              {
                path: '/orders',
                methods: ['GET'],
                backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: '{"orders":[]}', headers: [{ name: 'Content-Type', value: 'application/json' }] },
                requestPolicies: { authorization: { type: 'ANY_OF', allowedScope: ['read:orders'] } },
              },
              { path: '/status', methods: ['GET'], backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'ok' }, requestPolicies: { authorization: { type: 'ANONYMOUS' } } },
              // The quickstart's Fn function, for the function pools view.
              { path: '/hello', methods: ['GET'], backend: { type: 'ORACLE_FUNCTIONS_BACKEND', functionId: 'hello' }, requestPolicies: { authorization: { type: 'ANY_OF', allowedScope: ['read:orders'] } } },
            ],
          },
        },
      ],
      functions: { hello: { path: join(ROOT, 'examples/quickstart/functions/hello') } },
      identityProvider: {
        port: idpPort,
        management: MGMT,
        apis: [
          { name: 'Orders', identifier: AUD, scopes: ['read:orders', 'write:orders'] },
          { name: 'Billing', identifier: OTHER_AUD, scopes: ['read:billing'] },
        ],
        applications: [
          {
            name: 'Seeded app',
            ...SEEDED,
            grants: [
              { audience: AUD, scopes: ['read:orders'] },
              { audience: OTHER_AUD, scopes: ['read:billing'] },
            ],
          },
        ],
      },
    },
  });
  t.after(() => gw.stop());
  assert.ok(gw.adminKey !== null, 'the gateway generated an admin key');
  await eventually('the gateway is ready', async () => (await fetch(`${gw.adminUrl}/health/ready`)).status === 200, { timeoutMs: 10_000, intervalMs: 100 });

  const browser = await launchChromium(executablePath);
  t.after(() => browser.close());
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
  const problems = watchProblems(page);
  // Every confirm() (rotate, delete) is accepted, as an operator would.
  page.on('dialog', (d) => void d.accept());
  const consoleUrl = `${gw.adminUrl}/console`;
  const seededToken = async (audience = AUD): Promise<string> => {
    const r = await tokenRequest(gw.idpUrl!, { client_id: SEEDED.clientId, client_secret: SEEDED.clientSecret, audience, grant_type: 'client_credentials' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body['access_token'] as string;
  };

  await t.test('sign in: a wrong key is refused, a token with gatehouse:admin and the admin key are accepted', async () => {
    await page.goto(consoleUrl);
    await page.getByRole('heading', { name: 'Sign in to the Gatehouse console' }).waitFor();
    await page.getByLabel('Admin key or token').fill('not-the-admin-key-0123456789');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Not signed in' }).waitFor();
    await shoot(page, 'login');

    const mgmt = await tokenRequest(gw.idpUrl!, { client_id: MGMT.clientId, client_secret: MGMT.clientSecret, audience: `${issuer}api/v2/`, scope: 'gatehouse:admin', grant_type: 'client_credentials' });
    assert.equal(mgmt.status, 200, JSON.stringify(mgmt.body));
    await page.getByLabel('Admin key or token').fill(mgmt.body['access_token'] as string);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText(`Signed in: ${MGMT.clientId}@clients`).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();

    await page.getByLabel('Admin key or token').fill(gw.adminKey!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Signed in: admin key').waitFor();
    await page.getByRole('heading', { name: 'Gateway', level: 1 }).waitFor();
    // A reloaded tab keeps its session (sessionStorage), checked again by whoami.
    await page.reload();
    await page.getByText('Signed in: admin key').waitFor();
  });

  await t.test('gateway: the route table shows policies and backend, a route\'s numbers move after requests, function pools count calls', async () => {
    const row = page.locator('tr[data-route="/v1/orders"]');
    await row.waitFor();
    assert.match(await row.innerText(), /GET[\s\S]*\/v1\/orders[\s\S]*authentication JWT_AUTHENTICATION[\s\S]*authorization ANY_OF \(read:orders\)[\s\S]*STOCK_RESPONSE_BACKEND 200/);
    assert.equal((await row.locator('[data-col=requests]').innerText()).trim(), '0');

    const token = await seededToken();
    for (let i = 0; i < 6; i++) {
      const r = await fetch(`${gw.url}/v1/orders`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(r.status, 200);
      await r.arrayBuffer();
    }
    // The reading that counts the last of them also has them in its interval: a rate above zero.
    let cells = { requests: '', status: '', rate: '', latency: '' };
    await eventually('the page counts the 6 requests', async () => {
      const [requests, rate, status, latency] = await row.locator('[data-col]').allInnerTexts();
      cells = { requests: requests!.trim(), status: status!.trim(), rate: rate!.trim(), latency: latency!.trim() };
      return cells.requests === '6';
    }, { timeoutMs: 10_000, intervalMs: 100 });
    assert.equal(cells.status, '6 / 0 / 0 / 0');
    assert.ok(Number.parseFloat(cells.rate) > 0, `rate ${cells.rate}`);
    assert.match(cells.latency, /^[\d.]+ \/ [\d.]+ ms$/);
    assert.equal(await page.getByRole('img', { name: '/v1/orders: requests per second by status' }).locator('canvas').count(), 1);

    for (let i = 0; i < 2; i++) {
      const r = await fetch(`${gw.url}/v1/hello`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(r.status, 200, await r.text());
    }
    const pool = page.getByRole('region', { name: 'Function pools' }).getByRole('row', { name: /^hello/ });
    // Columns: function, warm, busy / idle / starting, queued, cold starts, calls, outcomes, mean.
    await eventually('the function pool shows a warm container and the calls', async () => {
      const m = /^hello\s+(\d+)\s+\d+ \/ \d+ \/ \d+\s+0\s+(\d+)\s+2\s+ok 2\s+[\d.]+ ms$/.exec((await pool.innerText()).trim());
      return m !== null && Number(m[1]) >= 1 && Number(m[2]) >= 1;
    }, { timeoutMs: 10_000, intervalMs: 100 });
    // A few more readings with traffic (some refused), so the charts draw lines.
    const charts = page.getByRole('region', { name: 'Traffic of /v1/orders' });
    for (let round = 1; round <= 3; round++) {
      const readings = Number(await charts.getAttribute('data-readings'));
      for (let i = 0; i < 4 * round; i++) {
        const r = await fetch(`${gw.url}/v1/orders`, { headers: i % 4 === 3 ? {} : { authorization: `Bearer ${token}` } });
        await r.arrayBuffer();
      }
      await eventually('a new reading', async () => Number(await charts.getAttribute('data-readings')) > readings, { timeoutMs: 10_000, intervalMs: 100 });
    }
    await eventually('the refused requests are counted', async () => (await row.locator('[data-col=status]').innerText()).trim() === '24 / 0 / 6 / 0', { timeoutMs: 10_000, intervalMs: 100 });
    await shoot(page, 'gateway');
  });

  await t.test('gateway: a failing token\'s reason is listed, and the token is not', async () => {
    const wrongAudience = await seededToken(OTHER_AUD);
    const r = await fetch(`${gw.url}/v1/orders`, { headers: { authorization: `Bearer ${wrongAudience}` } });
    assert.equal(r.status, 401);
    await r.arrayBuffer();
    const failures = page.getByRole('region', { name: 'Recent authentication failures' });
    await failures.getByRole('cell', { name: 'audience_invalid', exact: true }).waitFor({ timeout: 10_000 });
    // The per-deployment totals count it too.
    assert.match(await failures.getByRole('row', { name: /^orders / }).first().innerText(), /audience_invalid 1/);
    assert.match(await failures.innerText(), /orders\s+audience_invalid\s+No aud value is one of the configured audiences/);
    assert.ok(!(await page.content()).includes(wrongAudience.split('.')[2]!), 'no token on the page');
    await shoot(page, 'gateway-failures', [], failures);
  });

  await t.test('gateway: the Reload button reloads and the outcome is shown', async () => {
    await page.getByRole('button', { name: 'Reload configuration' }).click();
    await page.getByRole('status').filter({ hasText: 'Reload applied.' }).waitFor();
    await eventually('the last reload says applied', async () => /^applied at/.test((await page.getByTestId('last-reload').innerText()).trim()), { timeoutMs: 10_000, intervalMs: 200 });
  });

  let clientId = '';
  let clientSecret = '';
  await t.test('token service: create an API and change its scopes, create an application (secret shown once), grant it scopes', async () => {
    await page.getByRole('link', { name: 'Token service' }).click();
    await page.getByRole('heading', { name: 'Token service', level: 1 }).waitFor();
    await page.getByRole('cell', { name: AUD }).first().waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Inventory');
    await page.getByLabel('Identifier (the audience)').fill('https://inventory.example.com');
    await page.getByLabel('Scopes (separated by spaces or commas)').fill('read:inventory, write:inventory');
    await page.getByLabel('Signing algorithm').selectOption('ES256');
    await page.getByRole('button', { name: 'Create API' }).click();
    await page.getByRole('status').filter({ hasText: 'Created https://inventory.example.com.' }).waitFor();
    const created = page.getByRole('row', { name: /^Inventory / });
    await created.waitFor();
    assert.match(await created.innerText(), /https:\/\/inventory\.example\.com\s+ES256\s+24 h\s+read:inventory\s*write:inventory\s+managed/);
    await page.getByRole('button', { name: 'Edit the scopes of Inventory' }).click();
    await page.getByLabel('Scopes (separated by spaces or commas)').first().fill('read:inventory write:inventory delete:inventory');
    await page.getByRole('button', { name: 'Save scopes' }).click();
    await eventually('the new scope is listed', async () => /read:inventory\s*write:inventory\s*delete:inventory/.test(await created.innerText()), { timeoutMs: 10_000, intervalMs: 100 });
    await shoot(page, 'token-service-apis');

    await page.getByRole('tab', { name: 'Applications' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Console e2e app');
    await page.getByRole('button', { name: 'Create application' }).click();
    await page.getByRole('heading', { name: 'Application Console e2e app created' }).waitFor();
    clientId = (await page.getByTestId('new-client-id').innerText()).trim();
    clientSecret = (await page.getByTestId('new-client-secret').innerText()).trim();
    assert.ok(clientId.length > 0 && clientSecret.length >= 16, 'the page shows the client id and secret');
    assert.equal(await page.getByRole('button', { name: 'Copy the client secret' }).count(), 1);
    await shoot(page, 'token-service-new-application', ['[data-testid=new-client-secret]']);

    // The secret works, and without a grant the token service refuses the audience.
    const before = await tokenRequest(gw.idpUrl!, { client_id: clientId, client_secret: clientSecret, audience: AUD, grant_type: 'client_credentials' });
    assert.equal(before.status, 403, JSON.stringify(before.body));

    await page.getByRole('button', { name: 'I have copied it' }).click();
    assert.ok(!(await page.content()).includes(clientSecret), 'the secret is gone from the page once dismissed');
    await page.getByLabel('Application', { exact: true }).selectOption(clientId);
    await page.getByLabel('API', { exact: true }).selectOption(AUD);
    await page.getByRole('checkbox', { name: 'read:orders' }).check();
    await page.getByRole('button', { name: 'Authorize' }).click();
    await page.getByRole('status').filter({ hasText: 'Grant saved.' }).waitFor();
    await page.getByRole('row', { name: new RegExp(`Console e2e app\\s+${AUD.replace(/[.]/g, '\\.')}\\s+read:orders`) }).waitFor();
    await shoot(page, 'token-service-applications');

    const after = await tokenRequest(gw.idpUrl!, { client_id: clientId, client_secret: clientSecret, audience: AUD, grant_type: 'client_credentials' });
    assert.equal(after.status, 200, JSON.stringify(after.body));
    assert.equal(after.body['scope'], 'read:orders');
  });

  /** Mints a token on the Test tab for the new application; returns the token and the curl shown. */
  async function mintOnTestTab(): Promise<{ token: string; url: string; curl: string }> {
    await page.getByRole('tab', { name: 'Test' }).click();
    await page.getByLabel('Application and API').selectOption({ label: `Console e2e app → ${AUD}` });
    await page.getByRole('button', { name: 'Get a test token' }).click();
    const curlBox = page.getByTestId('test-curl');
    await curlBox.waitFor();
    const curl = (await curlBox.innerText()).trim();
    const token = (await page.getByLabel('Token', { exact: true }).inputValue()).trim();
    // `curl -H 'Authorization: Bearer <token>' [-X GET] '<url>'`, quoted either way.
    const header = /^curl -H (['"])Authorization: Bearer ([^'"]+)\1/.exec(curl);
    const target = /(['"]?)(https?:\/\/\S+?)\1$/.exec(curl);
    assert.ok(header !== null && target !== null, `the page shows a curl command: ${curl.slice(0, 60)}…`);
    assert.equal(header[2], token, 'the curl carries the token shown');
    return { token, url: target[2]!, curl };
  }

  await t.test('token service: the Test tab mints a token and its curl calls the route', async () => {
    const { token, url } = await mintOnTestTab();
    assert.equal(url, `${gw.url}/v1/orders`);
    // The token (from this throwaway token service, for its own test API) stays readable: the curl is the point.
    await shoot(page, 'token-service-test');
    const r = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(r.status, 200);
    assert.equal(await r.text(), '{"orders":[]}');
  });

  await t.test('token service: rotate the signing key; the gateway picks up the new kid and a token signed with it gets 200', async () => {
    await page.getByRole('tab', { name: 'Signing keys' }).click();
    // The Orders API signs with RS256 (the ES256 keys are the Inventory API's, made above).
    const stateOf = async (state: string) => (await page.locator(`tr[data-state=${state}][data-alg=RS256]`).first().getAttribute('data-kid')) ?? '';
    await page.locator('tr[data-state=current][data-alg=RS256]').waitFor();
    const firstCurrent = await stateOf('current');
    // Two rotations: the key made by the first becomes current on the second, so it is a kid the
    // gateway has not seen unless its scheduled refresh ran in between.
    for (let i = 0; i < 2; i++) {
      const current = await stateOf('current');
      await page.getByRole('button', { name: 'Rotate signing key' }).click();
      await eventually(`rotation ${i + 1} shows in the table`, async () => (await stateOf('current')) !== current, { timeoutMs: 10_000, intervalMs: 100 });
    }
    await page.getByRole('status').filter({ hasText: 'Rotated: the current key is now' }).waitFor();
    assert.equal(await page.locator('tr[data-state=previous][data-alg=RS256]').count(), 2);
    const newKid = await stateOf('current');
    // A previous key can be revoked from the page.
    const oldest = await page.locator(`tr[data-kid="${firstCurrent}"]`);
    await oldest.getByRole('button', { name: `Revoke key ${firstCurrent}` }).click();
    await eventually('the revoked key says so', async () => (await oldest.getAttribute('data-state')) === 'revoked', { timeoutMs: 10_000, intervalMs: 200 });
    await shoot(page, 'token-service-keys');

    const { token, url } = await mintOnTestTab();
    assert.equal(kidOf(token), newKid, 'the new token is signed with the new current key');
    const r = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(r.status, 200, 'the gateway verifies a token signed with the rotated-in key');
    await r.arrayBuffer();

    await page.getByRole('link', { name: 'Gateway' }).click();
    const store = page.getByRole('region', { name: `Key store ${issuer}.well-known/jwks.json` });
    await store.locator(`tr[data-kid="${newKid}"]`).waitFor({ timeout: 10_000 });
    await shoot(page, 'gateway-key-stores', [], page.getByRole('region', { name: 'Key stores' }));
  });

  await t.test('keyboard: the token service tabs follow the arrow keys', async () => {
    await page.getByRole('link', { name: 'Token service' }).click();
    const apis = page.getByRole('tab', { name: 'APIs' });
    await apis.click();
    await apis.press('ArrowRight');
    assert.equal(await page.getByRole('tab', { name: 'Applications' }).getAttribute('aria-selected'), 'true');
    assert.equal(await page.locator(':focus').innerText(), 'Applications');
    await page.keyboard.press('End');
    assert.equal(await page.getByRole('tab', { name: 'Test' }).getAttribute('aria-selected'), 'true');
  });

  assert.deepEqual(problems, [], 'no page errors and no Content-Security-Policy violations');
});
