/**
 * A browser's part of an OpenID Connect sign-in, without a browser (issue 17 tests): a cookie jar
 * per origin, redirects followed by hand, and oidc-provider's development login and consent forms
 * posted as a browser would post them.
 */
import assert from 'node:assert/strict';

/** Cookies of one origin, as a browser keeps them (names → values; Max-Age=0 deletes). */
export class Jar {
  readonly cookies = new Map<string, string>();
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      if (/max-age=0/i.test(line) || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, pair!.slice(eq + 1));
    }
  }
  header(): string {
    return [...this.cookies].map(([n, v]) => `${n}=${v}`).join('; ');
  }
}

export async function get(url: string, jar: Jar, headers: Record<string, string> = {}): Promise<Response> {
  const res = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header(), ...headers } });
  jar.take(res);
  return res;
}

/**
 * From the provider's authorization URL to the gateway's callback URL: follows the provider's
 * redirects and posts its login and consent forms (login `user`). Resolves with the URL the
 * provider sends the browser back to.
 */
export async function signInAtProvider(issuer: string, authorizationUrl: string, user: string, jar: Jar): Promise<string> {
  let url = authorizationUrl;
  for (let step = 0; step < 12; step++) {
    if (!url.startsWith(issuer)) return url;
    const res = await get(url, jar);
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get('location')!, url).href;
      continue;
    }
    const html = await res.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    const prompt = /name="prompt" value="([^"]+)"/.exec(html)?.[1];
    assert.ok(action && prompt, `a form at ${url}: ${res.status}`);
    const form = new URLSearchParams({ prompt, ...(prompt === 'login' ? { login: user, password: 'any' } : {}) });
    const posted = await fetch(new URL(action, url), { method: 'POST', redirect: 'manual', headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' }, body: form });
    jar.take(posted);
    url = new URL(posted.headers.get('location')!, url).href;
  }
  throw new Error('the provider did not send the browser back');
}
