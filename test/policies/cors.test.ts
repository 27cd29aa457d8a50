import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ajv } from 'ajv';
import { canonicalOrigin, compileCors, corsSchema, type CorsConfig, type CorsPolicy } from '../../src/policies/cors.ts';
import { createLogger } from '../../src/lib/log.ts';
import { sendError } from '../../src/lib/respond.ts';
import { SharedRegistry } from '../../src/lib/shared_registry.ts';
import type { CompileContext } from '../../src/types.ts';

function compile(config: unknown) {
  const issues: CompileContext['issues'] = [];
  const warnings: CompileContext['warnings'] = [];
  const ctx: CompileContext = {
    registry: new SharedRegistry(),
    log: createLogger({ level: 'silent' }),
    baseDir: '/',
    issues,
    issue: (path, message) => void issues.push({ path, message }),
    warnings,
    warn: (path, message) => void warnings.push({ path, message }),
  };
  return { policy: compileCors(config, 'cors', ctx), issues, warnings };
}

function policyOf(config: CorsConfig): CorsPolicy {
  const { policy, issues } = compile(config);
  assert.deepEqual(issues, []);
  assert.ok(policy !== null);
  return policy;
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** What the server did with the request: answered the preflight, or passed it on. */
  handledAs: string | undefined;
}

/**
 * A real server on 127.0.0.1 wired the way the gateway uses the policy: a preflight is answered by
 * the policy and goes no further; any other request is decorated, then gets a "backend" answer, or a
 * gateway error (JSON 401) on /error.
 */
class PolicyServer {
  #server: Server | undefined;
  #port = 0;
  policy: CorsPolicy | undefined;

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      const policy = this.policy as CorsPolicy;
      if (policy.isPreflight(req)) {
        res.setHeader('x-handled-as', 'preflight');
        policy.answerPreflight(req, res);
        return;
      }
      res.setHeader('x-handled-as', 'actual');
      policy.decorate(req, res);
      if (req.url === '/error') {
        sendError(res, 401, 'Unauthorized');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain', 'x-backend': '1' });
      res.end('from backend');
    });
    await new Promise<void>((r) => this.#server?.listen(0, '127.0.0.1', r));
    this.#port = (this.#server.address() as AddressInfo).port;
  }

  stop(): Promise<void> {
    return new Promise((r) => this.#server?.close(() => r()));
  }

  ask(policy: CorsPolicy, method: string, headers: Record<string, string> = {}, path = '/r'): Promise<Answer> {
    this.policy = policy;
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: this.#port, method, path, headers: { connection: 'close', ...headers } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, handledAs: res.headers['x-handled-as'] as string | undefined }));
      });
      req.on('error', reject);
      req.end();
    });
  }
}

/** The access-control-* headers of an answer, by lower-case name. */
function acHeaders(a: Answer): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(a.headers)) if (k.startsWith('access-control-')) out[k] = String(v);
  return out;
}

const srv = new PolicyServer();
before(() => srv.start());
after(() => srv.stop());

const preflight = (origin: string, method = 'PUT', extra: Record<string, string> = {}) => ({
  origin,
  'access-control-request-method': method,
  ...extra,
});

describe('CORS: allowed origins', () => {
  it('an exact origin is echoed on an actual request, with Vary: Origin; the backend answers', async () => {
    const p = policyOf({ allowedOrigins: ['https://app.example.com'] });
    const a = await srv.ask(p, 'GET', { origin: 'https://app.example.com' });
    assert.equal(a.status, 200);
    assert.equal(a.body, 'from backend');
    assert.deepEqual(acHeaders(a), { 'access-control-allow-origin': 'https://app.example.com' });
    assert.equal(a.headers.vary, 'Origin');
  });

  it('a disallowed origin gets no CORS header at all, and the request still reaches the backend', async () => {
    const p = policyOf({ allowedOrigins: ['https://app.example.com'], isAllowCredentialsEnabled: true, exposedHeaders: ['X-Req'] });
    for (const origin of ['https://evil.example', 'http://app.example.com', 'https://app.example.com:8443', 'https://app.example.com.evil.example', 'null']) {
      const a = await srv.ask(p, 'GET', { origin });
      assert.equal(a.status, 200, origin);
      assert.equal(a.body, 'from backend');
      assert.deepEqual(acHeaders(a), {}, origin);
      assert.equal(a.headers.vary, 'Origin');
    }
  });

  it('a request without Origin gets nothing but Vary: Origin', async () => {
    const p = policyOf({ allowedOrigins: ['*'], isAllowCredentialsEnabled: true, exposedHeaders: ['X-Req'], maxAgeInSeconds: 60 });
    const a = await srv.ask(p, 'GET');
    assert.deepEqual(acHeaders(a), {});
    assert.equal(a.headers.vary, 'Origin');
  });

  it('scheme and host compare case-insensitively and a default port may be written or left out; the origin is echoed as sent', async () => {
    const p = policyOf({ allowedOrigins: ['HTTPS://App.Example.com:443', 'http://localhost:8080'] });
    for (const origin of ['https://app.example.com', 'HTTPS://APP.EXAMPLE.COM:443', 'https://App.example.com']) {
      const a = await srv.ask(p, 'GET', { origin });
      assert.equal(a.headers['access-control-allow-origin'], origin);
    }
    assert.equal((await srv.ask(p, 'GET', { origin: 'http://localhost:8080' })).headers['access-control-allow-origin'], 'http://localhost:8080');
    assert.equal((await srv.ask(p, 'GET', { origin: 'http://localhost' })).headers['access-control-allow-origin'], undefined);
    assert.equal((await srv.ask(p, 'GET', { origin: 'http://localhost:80' })).headers['access-control-allow-origin'], undefined);
  });

  it('an international host name in the config matches the ASCII form browsers send', async () => {
    const p = policyOf({ allowedOrigins: ['https://bücher.example'] });
    const a = await srv.ask(p, 'GET', { origin: 'https://xn--bcher-kva.example' });
    assert.equal(a.headers['access-control-allow-origin'], 'https://xn--bcher-kva.example');
  });

  it('"*" without credentials answers "*" to every origin, null included, and sends no Allow-Credentials', async () => {
    const p = policyOf({ allowedOrigins: ['*'] });
    for (const origin of ['https://any.example', 'null', 'http://127.0.0.1:3000']) {
      const a = await srv.ask(p, 'GET', { origin });
      assert.deepEqual(acHeaders(a), { 'access-control-allow-origin': '*' }, origin);
      assert.equal(a.headers.vary, 'Origin');
    }
  });

  it('"*" with credentials never sends a literal "*": it echoes a well-formed origin, and refuses "null" and malformed values', async () => {
    const { policy, warnings } = compile({ allowedOrigins: ['*'], isAllowCredentialsEnabled: true });
    assert.ok(policy !== null);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.path, 'cors.allowedOrigins');
    const a = await srv.ask(policy, 'GET', { origin: 'https://any.example' });
    assert.deepEqual(acHeaders(a), { 'access-control-allow-origin': 'https://any.example', 'access-control-allow-credentials': 'true' });
    for (const origin of ['null', 'https://a.example, https://b.example', 'not an origin', 'https://a.example/path']) {
      assert.deepEqual(acHeaders(await srv.ask(policy, 'GET', { origin })), {}, origin);
    }
  });

  it('"null" listed matches the null origin of file: and sandboxed pages, with credentials too', async () => {
    const p = policyOf({ allowedOrigins: ['null'], isAllowCredentialsEnabled: true });
    const a = await srv.ask(p, 'GET', { origin: 'null' });
    assert.deepEqual(acHeaders(a), { 'access-control-allow-origin': 'null', 'access-control-allow-credentials': 'true' });
    assert.deepEqual(acHeaders(await srv.ask(p, 'GET', { origin: 'https://app.example.com' })), {});
  });

  it('an exact entry beside "*" with credentials: listed and unlisted origins are both echoed, null is not', async () => {
    const p = compile({ allowedOrigins: ['https://app.example.com', '*'], isAllowCredentialsEnabled: true }).policy as CorsPolicy;
    assert.equal((await srv.ask(p, 'GET', { origin: 'https://app.example.com' })).headers['access-control-allow-origin'], 'https://app.example.com');
    assert.equal((await srv.ask(p, 'GET', { origin: 'https://other.example' })).headers['access-control-allow-origin'], 'https://other.example');
    assert.equal((await srv.ask(p, 'GET', { origin: 'null' })).headers['access-control-allow-origin'], undefined);
  });
});

describe('CORS: actual requests', () => {
  it('credentials and exposed headers (deduplicated case-insensitively) are sent on an actual request', async () => {
    const p = policyOf({ allowedOrigins: ['https://a.test'], isAllowCredentialsEnabled: true, exposedHeaders: ['X-Req', 'ETag', 'x-req'] });
    const a = await srv.ask(p, 'POST', { origin: 'https://a.test' });
    assert.deepEqual(acHeaders(a), {
      'access-control-allow-origin': 'https://a.test',
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': 'X-Req, ETag',
    });
  });

  it('exposedHeaders "*" is sent as "*"', async () => {
    const p = policyOf({ allowedOrigins: ['https://a.test'], exposedHeaders: ['*'] });
    assert.equal((await srv.ask(p, 'GET', { origin: 'https://a.test' })).headers['access-control-expose-headers'], '*');
  });

  it('methods, headers and max age are preflight-only: an actual request does not carry them', async () => {
    const p = policyOf({ allowedOrigins: ['https://a.test'], allowedMethods: ['PUT'], allowedHeaders: ['X-A'], maxAgeInSeconds: 600 });
    const a = await srv.ask(p, 'PUT', { origin: 'https://a.test' });
    assert.deepEqual(acHeaders(a), { 'access-control-allow-origin': 'https://a.test' });
  });

  it("the gateway's own error answers (a JSON 401) carry the CORS headers, so the browser can read them", async () => {
    const p = policyOf({ allowedOrigins: ['https://a.test'], isAllowCredentialsEnabled: true, exposedHeaders: ['WWW-Authenticate'] });
    const a = await srv.ask(p, 'GET', { origin: 'https://a.test' }, '/error');
    assert.equal(a.status, 401);
    assert.deepEqual(JSON.parse(a.body), { code: 401, message: 'Unauthorized' });
    assert.deepEqual(acHeaders(a), {
      'access-control-allow-origin': 'https://a.test',
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': 'WWW-Authenticate',
    });
    assert.equal(a.headers.vary, 'Origin');
  });
});

describe('CORS: preflight', () => {
  const full: CorsConfig = {
    allowedOrigins: ['https://a.test'],
    allowedMethods: ['GET', 'PUT'],
    allowedHeaders: ['X-Foo', 'Content-Type'],
    exposedHeaders: ['X-Bar'],
    isAllowCredentialsEnabled: true,
    maxAgeInSeconds: 600,
  };

  it('is recognised only as OPTIONS with Origin and Access-Control-Request-Method', async () => {
    const p = policyOf(full);
    assert.equal((await srv.ask(p, 'OPTIONS', preflight('https://a.test'))).handledAs, 'preflight');
    assert.equal((await srv.ask(p, 'OPTIONS', { origin: 'https://a.test' })).handledAs, 'actual');
    assert.equal((await srv.ask(p, 'OPTIONS', { 'access-control-request-method': 'PUT' })).handledAs, 'actual');
    assert.equal((await srv.ask(p, 'GET', preflight('https://a.test'))).handledAs, 'actual');
  });

  it('an allowed origin gets 204, an empty body and every configured header; Vary names the three request headers', async () => {
    const a = await srv.ask(policyOf(full), 'OPTIONS', preflight('https://a.test', 'PUT', { 'access-control-request-headers': 'x-foo' }));
    assert.equal(a.status, 204);
    assert.equal(a.body, '');
    assert.equal(a.headers['x-backend'], undefined);
    assert.deepEqual(acHeaders(a), {
      'access-control-allow-origin': 'https://a.test',
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'GET, PUT',
      'access-control-allow-headers': 'X-Foo, Content-Type',
      'access-control-max-age': '600',
    });
    assert.equal(a.headers.vary, 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers');
  });

  it('a disallowed origin gets 204 without any CORS header, so the browser blocks the request', async () => {
    const a = await srv.ask(policyOf(full), 'OPTIONS', preflight('https://evil.example'));
    assert.equal(a.status, 204);
    assert.equal(a.handledAs, 'preflight');
    assert.deepEqual(acHeaders(a), {});
    assert.equal(a.headers.vary, 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers');
  });

  it('a method outside allowedMethods still gets the configured list: the browser decides', async () => {
    const a = await srv.ask(policyOf(full), 'OPTIONS', preflight('https://a.test', 'DELETE'));
    assert.equal(a.status, 204);
    assert.equal(a.headers['access-control-allow-methods'], 'GET, PUT');
  });

  it('allowedMethods "*" echoes the requested method; absent sends no Allow-Methods', async () => {
    const star = policyOf({ allowedOrigins: ['https://a.test'], allowedMethods: ['*'] });
    assert.equal((await srv.ask(star, 'OPTIONS', preflight('https://a.test', 'PATCH'))).headers['access-control-allow-methods'], 'PATCH');
    const none = policyOf({ allowedOrigins: ['https://a.test'] });
    const a = await srv.ask(none, 'OPTIONS', preflight('https://a.test', 'PATCH'));
    assert.deepEqual(acHeaders(a), { 'access-control-allow-origin': 'https://a.test' });
  });

  it('allowedHeaders "*" echoes Access-Control-Request-Headers when it is a list of names; absent sends none', async () => {
    const star = policyOf({ allowedOrigins: ['https://a.test'], allowedHeaders: ['*'] });
    const ask = (h?: string) => srv.ask(star, 'OPTIONS', preflight('https://a.test', 'PUT', h === undefined ? {} : { 'access-control-request-headers': h }));
    assert.equal((await ask('authorization,x-foo')).headers['access-control-allow-headers'], 'authorization,x-foo');
    assert.equal((await ask('x-a, x-b')).headers['access-control-allow-headers'], 'x-a, x-b');
    assert.equal((await ask()).headers['access-control-allow-headers'], undefined);
    assert.equal((await ask('x-a;b')).headers['access-control-allow-headers'], undefined, 'not a list of field names: not echoed');
    const none = policyOf({ allowedOrigins: ['https://a.test'] });
    const a = await srv.ask(none, 'OPTIONS', preflight('https://a.test', 'PUT', { 'access-control-request-headers': 'x-foo' }));
    assert.equal(a.headers['access-control-allow-headers'], undefined);
  });

  it('maxAgeInSeconds 0 sends no Access-Control-Max-Age; greater than 0 sends it', async () => {
    const zero = policyOf({ allowedOrigins: ['https://a.test'], maxAgeInSeconds: 0 });
    assert.equal((await srv.ask(zero, 'OPTIONS', preflight('https://a.test'))).headers['access-control-max-age'], undefined);
    const one = policyOf({ allowedOrigins: ['https://a.test'], maxAgeInSeconds: 1 });
    assert.equal((await srv.ask(one, 'OPTIONS', preflight('https://a.test'))).headers['access-control-max-age'], '1');
  });

  it('"*" without credentials answers a preflight from any origin with "*"', async () => {
    const p = policyOf({ allowedOrigins: ['*'], allowedMethods: ['GET', 'POST', 'DELETE'] });
    const a = await srv.ask(p, 'OPTIONS', preflight('https://anywhere.example', 'DELETE'));
    assert.deepEqual(acHeaders(a), { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET, POST, DELETE' });
  });

  it('"*" with credentials echoes the origin on a preflight and sends Allow-Credentials', async () => {
    const p = compile({ allowedOrigins: ['*'], isAllowCredentialsEnabled: true }).policy as CorsPolicy;
    const a = await srv.ask(p, 'OPTIONS', preflight('https://anywhere.example'));
    assert.deepEqual(acHeaders(a), { 'access-control-allow-origin': 'https://anywhere.example', 'access-control-allow-credentials': 'true' });
  });
});

describe('CORS: subdomain wildcard origins', () => {
  it('https://*.example.com allows any subdomain at any depth, same scheme and port, never the bare domain', async () => {
    const p = policyOf({ allowedOrigins: ['https://*.example.com', 'http://*.local.test:8080'] });
    for (const [origin, allowed] of [
      ['https://app.example.com', true],
      ['https://a.b.example.com', true],
      ['https://APP.Example.com', true],
      ['https://app.example.com:443', true],
      ['https://example.com', false],
      ['http://app.example.com', false],
      ['https://app.example.com:8443', false],
      ['https://evilexample.com', false],
      ['https://app.example.com.evil.test', false],
      ['http://x.local.test:8080', true],
      ['http://x.local.test', false],
    ] as const) {
      const a = await srv.ask(p, 'GET', { origin });
      assert.equal(acHeaders(a)['access-control-allow-origin'], allowed ? origin : undefined, origin);
    }
  });

  it('a wildcard entry is held to the same rules as an exact origin', () => {
    const { issues } = compile({ allowedOrigins: ['https://*.example.com/', 'https://*.', 'https://*.a.test:99999'] });
    assert.deepEqual(issues.map((i) => i.path), ['cors.allowedOrigins[0]', 'cors.allowedOrigins[1]', 'cors.allowedOrigins[2]']);
    assert.match(issues[0]?.message ?? '', /\*\.example\.com\/.*path/);
  });
});

describe('CORS: compile', () => {
  it('no cors object compiles to null', () => {
    assert.equal(compile(undefined).policy, null);
    assert.equal(compile(null).policy, null);
  });

  it('each malformed origin is an error at its path', () => {
    const { policy, issues } = compile({
      allowedOrigins: ['https://ok.test', 'https://a.*.example.com', 'app.example.com', 'https://a.test/', 'https://a.test:99999', 'https://u@a.test', ' https://a.test', 'https://a b', '*.example.com', 'https://a.test?x'],
    });
    assert.equal(policy, null);
    assert.deepEqual(
      issues.map((i) => i.path),
      [2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => `cors.allowedOrigins[${n - 1}]`),
    );
    assert.match(issues[0]?.message ?? '', /subdomains of a host as its first label/);
    assert.match(issues[1]?.message ?? '', /not an origin/);
    assert.match(issues[2]?.message ?? '', /path, query or fragment/);
    assert.match(issues[3]?.message ?? '', /invalid port/);
    assert.match(issues[4]?.message ?? '', /user information/);
    assert.match(issues[5]?.message ?? '', /spaces/);
    assert.match(issues[6]?.message ?? '', /invalid host/);
  });

  it('methods and header names must be tokens; each bad one is an error at its path', () => {
    const { policy, issues } = compile({
      allowedOrigins: ['*'],
      allowedMethods: ['GET', 'GE T', 'POST'],
      allowedHeaders: ['X-Ok', 'X Bad', 'X:Colon'],
      exposedHeaders: ['X-Fine', 'Bad\u00e9'],
    });
    assert.equal(policy, null);
    assert.deepEqual(issues, [
      { path: 'cors.allowedMethods[1]', message: '"GE T" is not an HTTP method (a token)' },
      { path: 'cors.allowedHeaders[1]', message: '"X Bad" is not a header name (a token)' },
      { path: 'cors.allowedHeaders[2]', message: '"X:Colon" is not a header name (a token)' },
      { path: 'cors.exposedHeaders[1]', message: '"Bad\u00e9" is not a header name (a token)' },
    ]);
  });

  it('warns about credentials with "*" origins or exposed headers, and about a policy that allows no origin', () => {
    const w1 = compile({ allowedOrigins: ['*'], exposedHeaders: ['*'], isAllowCredentialsEnabled: true }).warnings.map((w) => w.path);
    assert.deepEqual(w1, ['cors.allowedOrigins', 'cors.exposedHeaders']);
    assert.deepEqual(compile({ allowedOrigins: [] }).warnings.map((w) => w.path), ['cors.allowedOrigins']);
    assert.deepEqual(compile({ allowedOrigins: ['*'], exposedHeaders: ['*'] }).warnings, []);
  });

  it('canonicalOrigin lower-cases scheme and host and drops default ports, and refuses what is not an origin', () => {
    assert.equal(canonicalOrigin('HTTPS://A.Test:443'), 'https://a.test');
    assert.equal(canonicalOrigin('http://a.test:80'), 'http://a.test');
    assert.equal(canonicalOrigin('http://a.test:0443'), 'http://a.test:443');
    assert.equal(canonicalOrigin('http://[::1]:8080'), 'http://[::1]:8080');
    assert.equal(canonicalOrigin('chrome-extension://abcdef'), 'chrome-extension://abcdef');
    for (const bad of ['null', 'https://a.test/', 'https://a.test:70000', 'a.test', 'https://', 'https://a.test, https://b.test']) assert.equal(canonicalOrigin(bad), null, bad);
  });

  it('the schema fragment takes OCI CorsPolicy field names and refuses unknown fields and a negative max age', () => {
    const validate = new Ajv({ strict: false }).compile(corsSchema);
    assert.ok(validate({ allowedOrigins: ['*'], allowedMethods: ['GET'], allowedHeaders: [], exposedHeaders: [], isAllowCredentialsEnabled: false, maxAgeInSeconds: 0 }));
    assert.ok(!validate({ allowedMethods: ['GET'] }), 'allowedOrigins is required');
    assert.ok(!validate({ allowedOrigins: ['*'], allowCredentials: true }), 'unknown field');
    assert.ok(!validate({ allowedOrigins: ['*'], maxAgeInSeconds: -1 }));
    assert.ok(!validate({ allowedOrigins: ['*'], maxAgeInSeconds: 1.5 }));
  });
});
