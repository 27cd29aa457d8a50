/**
 * Browser sign-in at the gateway (issue 17), as a user lives it: headless Chromium, a real
 * third-party OpenID provider (oidc-provider 8 with its development login and consent forms) on
 * loopback, and the real gateway process with a TOKEN_AUTHENTICATION policy whose
 * validationFailurePolicy is OAUTH2 (PKCE, static loginPath with an OAUTH2_LOGIN_BACKEND, an
 * OAUTH2_LOGOUT_BACKEND going through the provider's end_session_endpoint).
 *
 * protected page → provider login form → consent → back at the page with the session → logout
 * (provider's sign-out confirmation) → post-logout page → protected again (login form).
 * A screenshot of each step goes to test/artifacts/oauth2/ (gitignored).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT, startGateway, type RunningGatewayProcess } from '../helpers/gateway.ts';
import { startOidcProvider, type RunningOidcProvider } from '../helpers/oidc_provider.ts';
import { chromiumOrSkip, launchChromium, type RunningBrowser } from '../helpers/browser.ts';
import { freePort } from '../helpers/net.ts';
import { eventually } from '../helpers/eventually.ts';
import { loginRoute, signInPolicy, webAppProvider, webDeployment } from '../helpers/sign_in_config.ts';

const SECRET_OCID = 'ocid1.vaultsecret.oc1..browsersignin';
const CLIENT_SECRET = 'browser-sign-in-client-secret';
const API = 'urn:gatehouse:web';
const SHOTS = join(ROOT, 'test/artifacts/oauth2');
const ACCESS_TOKEN_TTL_SEC = 5;

let op: RunningOidcProvider;
let gw: RunningGatewayProcess;
let base: string;

function gatewayConfig(): object {
  return {
    secrets: { [SECRET_OCID]: CLIENT_SECRET },
    deployments: [
      webDeployment({
        authentication: signInPolicy({
          discoveryUri: op.discoveryUri,
          audience: API,
          clientSecretId: SECRET_OCID,
          clientSecretVersionNumber: 1,
          scopes: ['openid', 'profile', 'read'],
          failure: {
            usePkce: true,
            maxExpiryDurationInHours: 1,
            useCookiesForSession: true,
            useCookiesForIntermediateSteps: true,
            loginPath: '/callback',
            logoutPath: '/logout',
            fallbackRedirectPath: '/page',
          },
        }),
        routes: [
          {
            path: '/page',
            methods: ['GET'],
            backend: {
              type: 'STOCK_RESPONSE_BACKEND',
              status: 200,
              body: '<!doctype html><title>Protected</title><h1 id="protected">Protected page</h1>',
              headers: [{ name: 'content-type', value: 'text/html; charset=utf-8' }],
            },
          },
          loginRoute,
          { path: '/logout', methods: ['GET'], backend: { type: 'OAUTH2_LOGOUT_BACKEND', allowedPostLogoutUris: [`${base}/public/bye`], postLogoutState: '${request.query[state]}' } },
        ],
      }),
      {
        name: 'public',
        pathPrefix: '/public',
        specification: {
          routes: [
            {
              path: '/bye',
              methods: ['GET'],
              backend: {
                type: 'STOCK_RESPONSE_BACKEND',
                status: 200,
                body: '<!doctype html><title>Bye</title><h1 id="bye">Signed out</h1>',
                headers: [{ name: 'content-type', value: 'text/html; charset=utf-8' }],
              },
            },
          ],
        },
      },
    ],
  };
}

before(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  op = await startOidcProvider(
    webAppProvider({
      api: API,
      clientSecret: CLIENT_SECRET,
      redirectUris: [`${base}/app/callback`],
      scopes: ['profile', 'read'],
      client: {
        grant_types: ['authorization_code', 'refresh_token'],
        post_logout_redirect_uris: [`${base}/public/bye`],
        token_endpoint_auth_method: 'client_secret_basic',
      },
      // Short-lived, so the test sees the gateway refresh them.
      accessTokenTtlSec: ACCESS_TOKEN_TTL_SEC,
      claims: (sub) => ({ name: `User ${sub}` }),
      configuration: { issueRefreshToken: () => true },
    }),
  );
  gw = await startGateway({ config: gatewayConfig(), args: ['--port', String(port)] });
  mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  await gw?.stop();
  await op?.stop();
});

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

test('a browser signs in at the provider through the gateway, sees the protected page, signs out, and is sent to sign in again', async (t) => {
  const chromium = chromiumOrSkip(t);
  if (chromium === null) return;
  let browser: RunningBrowser | null = null;
  try {
    browser = await launchChromium(chromium);
    const page = await browser.context.newPage();
    // For the replay check: the sign-in cookie the gateway set, and the provider's answer it consumed.
    let txnCookie: string | null = null;
    let callbackUrl: string | null = null;
    page.on('response', async (r) => {
      if (r.url() !== `${base}/app/page` || r.status() !== 302 || txnCookie !== null) return;
      const set = (await r.headerValue('set-cookie')) ?? '';
      txnCookie = /gatehouse_web_txn=[^;]+/.exec(set)?.[0] ?? null;
    });
    page.on('request', (r) => {
      if (r.url().startsWith(`${base}/app/callback?`)) callbackUrl = r.url();
    });

    // 1. The protected page without a session: the provider's login form.
    await page.goto(`${base}/app/page`);
    assert.ok(page.url().startsWith(`${op.issuer}/interaction/`), `at the provider's login: ${page.url()}`);
    await page.waitForSelector('input[name="login"]');
    await shot(page, '1-provider-login');

    // 2. Sign in, then consent.
    await page.fill('input[name="login"]', 'alice');
    await page.fill('input[name="password"]', 'any');
    await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
    await shot(page, '2-provider-consent');
    if (page.url().startsWith(op.issuer)) await Promise.all([page.waitForURL(`${base}/app/page`), page.click('button[type="submit"]')]);

    // 3. Back at the page, signed in: the session cookie is HttpOnly and SameSite=Lax.
    assert.equal(page.url(), `${base}/app/page`);
    assert.equal(await page.textContent('#protected'), 'Protected page');
    await shot(page, '3-protected-page');
    const cookies = await browser.context.cookies(base);
    const session = cookies.find((c) => c.name === 'gatehouse_web' || c.name === 'gatehouse_web.0');
    assert.ok(session, `a session cookie: ${cookies.map((c) => c.name).join(', ')}`);
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Lax');
    assert.ok(!cookies.some((c) => c.name === 'gatehouse_web_txn'), 'the sign-in cookie is gone once used');
    const line = await gw.waitFor((r) => r['msg'] === 'access' && r['path'] === '/app/page' && r['status'] === 200);
    assert.equal(line['sub'], 'alice');

    // The page again: served from the session, no trip to the provider.
    await page.goto(`${base}/app/page`);
    assert.equal(page.url(), `${base}/app/page`);

    // Replaying the provider's answer with the sign-in cookie (a stolen or re-sent callback) is refused.
    assert.ok(txnCookie !== null && callbackUrl !== null, 'saw the sign-in cookie and the callback');
    const replay = await fetch(callbackUrl, { headers: { cookie: txnCookie }, redirect: 'manual' });
    assert.equal(replay.status, 400);
    assert.ok(!(replay.headers.get('set-cookie') ?? '').includes('gatehouse_web='), 'no session for a replay');
    await gw.waitFor((r) => r['msg'] === 'browser sign-in refused' && r['reason'] === 'state replayed');

    // The access token expires: the gateway refreshes it with the refresh token, the browser stays on the page.
    const tokenCalls = op.calls('/token');
    await eventually(
      'the session is refreshed at the token endpoint',
      async () => {
        await page.goto(`${base}/app/page`);
        assert.equal(page.url(), `${base}/app/page`, 'never sent to the provider while the refresh token works');
        return op.calls('/token') > tokenCalls;
      },
      { timeoutMs: 20_000, intervalMs: 500 },
    );
    assert.equal(await page.textContent('#protected'), 'Protected page');

    // regression: a page's parallel requests each refreshed with the same refresh token, which
    // providers that rotate refresh tokens treat as theft. Once the token expires again, a burst
    // of requests makes one refresh call.
    let burst = 0;
    await eventually(
      'a burst of requests finds the access token expired',
      async () => {
        const cookie = (await browser!.context.cookies(base)).map((c) => `${c.name}=${c.value}`).join('; ');
        const before = op.calls('/token');
        const answers = await Promise.all(Array.from({ length: 4 }, () => fetch(`${base}/app/page`, { headers: { cookie }, redirect: 'manual' })));
        for (const a of answers) assert.ok(a.status === 200 || a.status === 307, `${a.status} ${a.headers.get('location') ?? ''}`);
        burst = op.calls('/token') - before;
        return burst > 0;
      },
      { timeoutMs: 20_000, intervalMs: 500 },
    );
    assert.equal(burst, 1, 'one refresh for the whole burst');

    // 4. Logout: through the provider's end_session_endpoint (its confirmation form), then the post-logout page with the state.
    await page.goto(`${base}/app/logout?postLogoutUrl=${encodeURIComponent(`${base}/public/bye`)}&state=xyz`);
    assert.ok(page.url().startsWith(`${op.issuer}/session/end`), `at the provider's sign-out: ${page.url()}`);
    await shot(page, '4-provider-logout');
    await Promise.all([page.waitForURL((u) => u.href.startsWith(`${base}/public/bye`)), page.click('button[autofocus], button[type="submit"]')]);
    assert.equal(new URL(page.url()).searchParams.get('state'), 'xyz');
    assert.equal(await page.textContent('#bye'), 'Signed out');
    await shot(page, '5-signed-out');
    const left = await browser.context.cookies(base);
    assert.ok(!left.some((c) => c.name.startsWith('gatehouse_web')), `session cookies deleted: ${left.map((c) => c.name).join(', ')}`);

    // 5. Protected again: the login form, not the page.
    await page.goto(`${base}/app/page`);
    assert.ok(page.url().startsWith(`${op.issuer}/interaction/`), `signed out: ${page.url()}`);
    await page.waitForSelector('input[name="login"]');
    await shot(page, '6-protected-again');

    // Every step counted (gatehouse_browser_sign_ins_total).
    const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
    const count = (result: string) => Number(new RegExp(`gatehouse_browser_sign_ins_total\\{deployment="web",result="${result}"\\} (\\d+)`).exec(metrics)?.[1] ?? -1);
    assert.equal(count('started'), 2, metrics);
    assert.equal(count('completed'), 1);
    assert.equal(count('refused'), 1, 'the replay');
    assert.ok(count('refreshed') >= 1);
    assert.equal(count('refresh_failed'), 0);
    assert.equal(count('signed_out'), 1);

    // Nothing secret in the gateway's log.
    const logs = (await gw.settledLogs()).join('\n');
    for (const c of cookies) assert.ok(!logs.includes(c.value), `cookie ${c.name} is not logged`);
    assert.ok(!logs.includes(CLIENT_SECRET));
    assert.deepEqual(op.serverErrors(), []);
  } finally {
    await browser?.close();
  }
});
