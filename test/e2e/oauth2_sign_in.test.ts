/**
 * Browser sign-in (issue 17) answer by answer, without a browser: the real gateway process and a
 * real oidc-provider on loopback, HTTP redirects followed by hand with a cookie jar per origin and
 * the provider's development login and consent forms posted like a browser would. What a browser
 * test cannot easily show is asserted here: the authorization request's parameters, API clients
 * keeping their 401, forged cookies and states, the open-redirect refusals of the login and logout
 * routes, and the modes that keep state in the gateway's memory (no loginPath, no cookies).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type RunningGatewayProcess } from '../helpers/gateway.ts';
import { startOidcProvider, type RunningOidcProvider } from '../helpers/oidc_provider.ts';
import { freePort } from '../helpers/net.ts';
import { get, Jar, signInAtProvider } from '../helpers/oidc_login.ts';
import { loginRoute, signInPolicy, webAppProvider, webDeployment } from '../helpers/sign_in_config.ts';
import { startUpstream, type Upstream } from '../helpers/upstream.ts';

const SECRET_OCID = 'ocid1.vaultsecret.oc1..oauth2e2e';
const CLIENT_SECRET = 'oauth2-e2e-client-secret';
const API = 'urn:gatehouse:e2e';

let op: RunningOidcProvider;
let up: Upstream;
let gw: RunningGatewayProcess;
let base: string;

const page = (body: string) => ({
  type: 'STOCK_RESPONSE_BACKEND',
  status: 200,
  body,
  headers: [{ name: 'content-type', value: 'text/plain; charset=utf-8' }],
});

const authentication = (failure: Record<string, unknown>) =>
  signInPolicy({ discoveryUri: op.discoveryUri, audience: API, clientSecretId: SECRET_OCID, scopes: ['profile', 'read'], failure });

before(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  up = await startUpstream();
  op = await startOidcProvider(
    webAppProvider({
      api: API,
      clientSecret: CLIENT_SECRET,
      redirectUris: [`${base}/app/callback`, `${base}/mem/page`],
      scopes: ['profile', 'read'],
      client: { grant_types: ['authorization_code', 'refresh_token'], post_logout_redirect_uris: [`${base}/app/bye`] },
      // oidc-provider requires PKCE for every client by default; the 'mem' deployment shows the flow without it.
      configuration: { pkce: { required: () => false } },
    }),
  );
  gw = await startGateway({
    args: ['--port', String(port)],
    config: {
      secrets: { [SECRET_OCID]: CLIENT_SECRET },
      deployments: [
        webDeployment({
          authentication: authentication({ usePkce: true, loginPath: '/callback', logoutPath: '/logout', fallbackRedirectPath: '/home' }),
          routes: [
            { path: '/page', methods: ['GET', 'POST'], backend: page('app page') },
            { path: '/proxied', methods: ['GET'], backend: { type: 'HTTP_BACKEND', url: `${up.url}/echo` } },
            loginRoute,
            {
              path: '/logout',
              methods: ['GET'],
              backend: { type: 'OAUTH2_LOGOUT_BACKEND', allowedPostLogoutUris: [`${base}/app/bye`, '/app/see-you'], postLogoutState: '${request.query[s]}' },
            },
          ],
        }),
        {
          // loginPath and logoutPath also reached by a catch-all route (any method) and no logout route at all.
          name: 'wild',
          pathPrefix: '/wild',
          specification: {
            requestPolicies: { authentication: authentication({ loginPath: '/callback', logoutPath: '/logout' }) },
            routes: [
              { path: '/{page*}', backend: page('wild secret') },
              loginRoute,
            ],
          },
        },
        {
          // Another deployment on the same host, open to anybody: the browser sends it the session cookie too (Path=/).
          name: 'open',
          pathPrefix: '/open',
          specification: { routes: [{ path: '/proxied', methods: ['GET'], backend: { type: 'HTTP_BACKEND', url: `${up.url}/echo` } }] },
        },
        {
          // No loginPath: the provider returns to the page itself; nothing kept in cookies but a sealed session id.
          name: 'mem',
          pathPrefix: '/mem',
          specification: {
            requestPolicies: { authentication: authentication({ useCookiesForSession: false, useCookiesForIntermediateSteps: false }) },
            routes: [{ path: '/page', methods: ['GET'], backend: page('mem page') }],
          },
        },
      ],
    },
  });
});

after(async () => {
  await gw?.stop();
  await op?.stop();
  await up?.close();
});

describe('OAUTH2 validationFailurePolicy', () => {
  it('a page load without a session is sent to the authorization endpoint with state, nonce and a PKCE S256 challenge; the sign-in cookie is sealed, HttpOnly and SameSite=Lax', async () => {
    const jar = new Jar();
    const res = await get(`${base}/app/page?x=1`, jar);
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const to = new URL(res.headers.get('location')!);
    assert.equal(`${to.origin}${to.pathname}`, `${op.issuer}/auth`);
    const q = to.searchParams;
    assert.equal(q.get('response_type'), 'code');
    assert.equal(q.get('client_id'), 'web');
    assert.equal(q.get('redirect_uri'), `${base}/app/callback`);
    assert.equal(q.get('scope'), 'openid profile read', 'openid added');
    assert.match(q.get('state')!, /^[A-Za-z0-9_-]{43}$/);
    assert.match(q.get('nonce')!, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(q.get('state'), q.get('nonce'));
    assert.match(q.get('code_challenge')!, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(q.get('code_challenge_method'), 'S256');
    const set = res.headers.getSetCookie();
    assert.equal(set.length, 1);
    assert.match(set[0]!, /^gatehouse_web_txn=[A-Za-z0-9_-]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=600$/);
    assert.ok(!set[0]!.includes(q.get('state')!), 'the state is sealed, not readable in the cookie');
  });

  it('signs in, returns to the page asked for, and later requests are authenticated from the session; logout goes through end_session_endpoint with id_token_hint and the state', async () => {
    const jar = new Jar();
    const start = await get(`${base}/app/page?x=1`, jar);
    const providerJar = new Jar();
    const back = await signInAtProvider(op.issuer, start.headers.get('location')!, 'bob', providerJar);
    assert.ok(back.startsWith(`${base}/app/callback?`), back);
    const done = await get(back, jar);
    assert.equal(done.status, 302, await done.clone().text());
    assert.equal(done.headers.get('location'), '/app/page?x=1');
    assert.ok(jar.cookies.has('gatehouse_web'), 'session cookie set');
    assert.ok(!jar.cookies.has('gatehouse_web_txn'), 'sign-in cookie deleted');
    const ok = await get(`${base}/app/page?x=1`, jar);
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), 'app page');
    const line = await gw.waitFor((r) => r['msg'] === 'access' && r['path'] === '/app/page' && r['status'] === 200);
    assert.equal(line['sub'], 'bob');

    const out = await get(`${base}/app/logout?postLogoutUrl=${encodeURIComponent(`${base}/app/bye`)}&s=abc`, jar);
    assert.equal(out.status, 302);
    const end = new URL(out.headers.get('location')!);
    assert.equal(`${end.origin}${end.pathname}`, `${op.issuer}/session/end`);
    assert.match(end.searchParams.get('id_token_hint')!, /^ey/);
    assert.equal(end.searchParams.get('post_logout_redirect_uri'), `${base}/app/bye`);
    assert.equal(end.searchParams.get('state'), 'abc');
    assert.equal(end.searchParams.get('client_id'), 'web');
    assert.ok(!jar.cookies.has('gatehouse_web'), 'session cookie deleted');
    assert.equal((await get(`${base}/app/page`, jar)).status, 302, 'signed out');

    const logs = (await gw.settledLogs()).join('\n');
    assert.ok(!logs.includes(new URL(back).searchParams.get('code')!), 'the code is not logged');
    assert.ok(!logs.includes(CLIENT_SECRET));
  });

  it('regression: the sealed session cookie reached HTTP backends (of this and every other deployment on the host), which could replay it as the user; the gateway\'s cookies are stripped, the others kept', async () => {
    const jar = new Jar();
    const start = await get(`${base}/app/proxied`, jar);
    const back = await signInAtProvider(op.issuer, start.headers.get('location')!, 'carol', new Jar());
    assert.equal((await get(back, jar)).status, 302);
    assert.ok(jar.cookies.has('gatehouse_web'), 'signed in');
    jar.cookies.set('theme', 'dark');
    for (const path of ['/app/proxied', '/open/proxied']) {
      const res = await get(`${base}${path}`, jar);
      assert.equal(res.status, 200, path);
      await res.arrayBuffer();
      assert.equal(up.received.at(-1)?.headers['cookie'], 'theme=dark', path);
    }
    jar.cookies.delete('theme');
    const only = await get(`${base}/open/proxied`, jar);
    assert.equal(only.status, 200);
    await only.arrayBuffer();
    assert.equal(up.received.at(-1)?.headers['cookie'], undefined, 'no Cookie header is left when only the gateway\'s were sent');
  });

  it('regression: a long page URL made a sign-in cookie over 4 KB, which browsers drop (the sign-in then failed); it now returns to fallbackRedirectPath', async () => {
    const jar = new Jar();
    const res = await get(`${base}/app/page?q=${'x'.repeat(5000)}`, jar);
    assert.equal(res.status, 302);
    const cookie = res.headers.getSetCookie()[0]!;
    assert.ok(cookie.length < 1024, `sign-in cookie of ${cookie.length} characters`);
    const back = await signInAtProvider(op.issuer, res.headers.get('location')!, 'frank', new Jar());
    const done = await get(back, jar);
    assert.equal(done.status, 302);
    assert.equal(done.headers.get('location'), '/app/home');
  });

  it('regression: a returnTo with characters outside ASCII (/app/€) made the callback\'s Location header throw: 502 after a successful sign-in', async () => {
    const jar = new Jar();
    const start = await get(`${base}/app/callback?returnTo=${encodeURIComponent('/app/page?city=Zürich&p=€ 1')}`, jar);
    assert.equal(start.status, 302);
    const back = await signInAtProvider(op.issuer, start.headers.get('location')!, 'erin', new Jar());
    const done = await get(back, jar);
    assert.equal(done.status, 302, await done.clone().text());
    assert.equal(done.headers.get('location'), '/app/page?city=Z%C3%BCrich&p=%E2%82%AC%201');
    assert.ok(jar.cookies.has('gatehouse_web'), 'signed in');
  });

  it('regression: a callback carrying a bearer token of its own had that token checked instead of the provider\'s access token', async () => {
    const jar = new Jar();
    const start = await get(`${base}/app/page`, jar);
    const back = await signInAtProvider(op.issuer, start.headers.get('location')!, 'grace', new Jar());
    const done = await get(back, jar, { authorization: 'Bearer not-a-token' });
    assert.equal(done.status, 302, await done.clone().text());
    assert.equal(done.headers.get('location'), '/app/page');
    assert.equal((await get(`${base}/app/page`, jar)).status, 200);
  });

  it('regression: logoutPath was open to anybody whatever route it reached: without a logout route, a catch-all route served it without a session', async () => {
    const logout = await get(`${base}/wild/logout`, new Jar());
    assert.equal(logout.status, 302, 'no logout route: the catch-all route, behind sign-in');
    assert.ok(logout.headers.get('location')!.startsWith(`${op.issuer}/auth?`));
    const login = await get(`${base}/wild/callback`, new Jar());
    assert.equal(login.status, 302, 'the login route itself needs no session');
    assert.ok(login.headers.get('location')!.startsWith(`${op.issuer}/auth?`));
  });

  it('API clients keep their 401: a bad bearer token, or a method other than GET and HEAD, is not redirected', async () => {
    const jar = new Jar();
    const bad = await get(`${base}/app/page`, jar, { authorization: 'Bearer not-a-token' });
    assert.equal(bad.status, 401);
    assert.match(bad.headers.get('www-authenticate')!, /^Bearer/);
    const post = await fetch(`${base}/app/page`, { method: 'POST', redirect: 'manual' });
    assert.equal(post.status, 401);
  });

  it('a forged or foreign session cookie is no session', async () => {
    const jar = new Jar();
    jar.cookies.set('gatehouse_web', 'A'.repeat(120));
    const res = await get(`${base}/app/page`, jar);
    assert.equal(res.status, 302);
    assert.ok(res.headers.get('location')!.startsWith(`${op.issuer}/auth?`));
  });

  it('a callback whose state is not the one sealed in this browser\'s cookie, or that has no sign-in cookie, is refused (CSRF)', async () => {
    const victim = new Jar();
    await get(`${base}/app/page`, victim);
    const attacker = new Jar();
    const start = await get(`${base}/app/page`, attacker);
    const attackerBack = await signInAtProvider(op.issuer, start.headers.get('location')!, 'mallory', new Jar());
    // The attacker's callback, opened in the victim's browser: the victim's cookie seals another state.
    const forced = await get(attackerBack, victim);
    assert.equal(forced.status, 400);
    assert.ok(!victim.cookies.has('gatehouse_web'), 'no session from someone else\'s sign-in');
    const none = await get(attackerBack, new Jar());
    assert.equal(none.status, 400);
    await gw.waitFor((r) => r['msg'] === 'browser sign-in refused' && /not this browser/.test(String(r['reason'])));
  });

  it('the provider refusing the sign-in (error=access_denied) is a 401, and the sign-in cookie is deleted', async () => {
    const jar = new Jar();
    const start = await get(`${base}/app/page`, jar);
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    const res = await get(`${base}/app/callback?error=access_denied&state=${state}`, jar);
    assert.equal(res.status, 401);
    assert.deepEqual(await res.json(), { code: 401, message: 'Sign-in refused by the identity provider' });
    assert.ok(!jar.cookies.has('gatehouse_web_txn'));
    assert.ok(!jar.cookies.has('gatehouse_web'));
  });

  it('the login route starts a sign-in explicitly; returnTo must be a path on the gateway, else fallbackRedirectPath', async () => {
    for (const [asked, expected] of [
      ['/app/page?y=2', '/app/page?y=2'],
      ['//evil.example/x', '/app/home'],
      ['https://evil.example/', '/app/home'],
      ['/\\evil.example', '/app/home'],
      [`/app/page?${'q'.repeat(3000)}`, '/app/home'],
    ] as const) {
      const jar = new Jar();
      const start = await get(`${base}/app/callback?returnTo=${encodeURIComponent(asked)}`, jar);
      assert.equal(start.status, 302, asked);
      const back = await signInAtProvider(op.issuer, start.headers.get('location')!, 'carol', new Jar());
      const done = await get(back, jar);
      assert.equal(done.status, 302, asked);
      assert.equal(done.headers.get('location'), expected, asked);
    }
  });

  it('the logout route redirects only to allowedPostLogoutUris (open redirect refused), with the state; without a session it signs nobody out at the provider', async () => {
    const jar = new Jar();
    for (const evil of ['https://evil.example/', '//evil.example', `${base}/app/bye.evil`, '/elsewhere']) {
      const res = await get(`${base}/app/logout?postLogoutUrl=${encodeURIComponent(evil)}`, jar);
      assert.equal(res.status, 400, evil);
      assert.equal(res.headers.get('location'), null);
    }
    const abs = await get(`${base}/app/logout?postLogoutUrl=${encodeURIComponent(`${base}/app/bye`)}&s=st%201`, jar);
    assert.equal(abs.status, 302);
    assert.equal(abs.headers.get('location'), `${base}/app/bye?state=st%201`);
    const rel = await get(`${base}/app/logout?postLogoutUrl=/app/see-you`, jar);
    assert.equal(rel.headers.get('location'), `${base}/app/see-you`);
    const plain = await get(`${base}/app/logout`, jar);
    assert.equal(plain.status, 200);
    assert.equal(await plain.text(), 'Signed out.\n');
  });

  it('without loginPath and cookies: the provider returns to the page itself, state and session live in the gateway, and a replayed callback signs nobody in', async () => {
    const jar = new Jar();
    const start = await get(`${base}/mem/page`, jar);
    assert.equal(start.status, 302);
    assert.deepEqual(start.headers.getSetCookie(), [], 'no sign-in cookie');
    const q = new URL(start.headers.get('location')!).searchParams;
    assert.equal(q.get('redirect_uri'), `${base}/mem/page`);
    assert.equal(q.get('code_challenge'), null, 'usePkce not set');
    const back = await signInAtProvider(op.issuer, start.headers.get('location')!, 'dave', new Jar());
    assert.ok(back.startsWith(`${base}/mem/page?`));
    const done = await get(back, jar);
    assert.equal(done.status, 302, await done.clone().text());
    assert.equal(done.headers.get('location'), '/mem/page');
    const sid = jar.cookies.get('gatehouse_mem');
    assert.ok(sid !== undefined && sid.length < 200, 'the cookie holds a sealed session id, not the tokens');
    const ok = await get(`${base}/mem/page`, jar);
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), 'mem page');

    const replay = await get(back, new Jar());
    assert.equal(replay.status, 302, 'a replayed answer is no callback: sent to sign in');
    assert.ok(replay.headers.get('location')!.startsWith(`${op.issuer}/auth?`));
    assert.deepEqual(replay.headers.getSetCookie(), []);
  });
});
