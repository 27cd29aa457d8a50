/**
 * Header and query transformations: compile-time refusals with their paths, and behaviour through
 * the real backends (HTTP backend to a real upstream echo server, stock and function backends),
 * each request a real one on 127.0.0.1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { join } from 'node:path';
import { createHttpBackend } from '../../src/backends/http.ts';
import { createStockBackend } from '../../src/backends/stock.ts';
import { createFunctionBackend } from '../../src/backends/function.ts';
import { compileFunctions } from '../../src/functions/compile.ts';
import { routeParameters } from '../../src/backends/context_vars.ts';
import { Ajv } from 'ajv';
import {
  compileRequestTransform,
  compileResponseTransform,
  queryParameterTransformationsSchema,
  requestHeaderTransformationsSchema,
  responseHeaderTransformationsSchema,
} from '../../src/policies/transforms.ts';
import { SharedRegistry } from '../../src/lib/shared_registry.ts';
import type { ConfigIssue } from '../../src/errors.ts';
import type { Backend, CompileContext } from '../../src/types.ts';
import { startLiveServer } from '../helpers/live_request.ts';
import { startUpstream, type Received, type Upstream } from '../helpers/upstream.ts';
import { FIXTURES } from '../functions/harness.ts';
import { collectingLogger } from '../helpers/log_sink.ts';

const RP = 'deployments[0].specification.routes[0].requestPolicies';
const RSP = 'deployments[0].specification.routes[0].responsePolicies';

interface Compiled {
  ctx: CompileContext;
  issues: ConfigIssue[];
  warnings: ConfigIssue[];
  logs: Record<string, unknown>[];
}

function compileContext(): Compiled {
  const issues: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  const { log: collected, records: logs } = collectingLogger();
  const ctx: CompileContext = {
    registry: new SharedRegistry(),
    log: collected,
    baseDir: '/',
    issues,
    issue: (path, message) => void issues.push({ path, message }),
    warnings,
    warn: (path, message) => void warnings.push({ path, message }),
  };
  return { ctx, issues, warnings, logs };
}

/** Issues of compiling `requestPolicies` / `responsePolicies` for a route `/r/{id}`. */
function problems(requestPolicies: Record<string, unknown>, responsePolicies: Record<string, unknown> = {}): Compiled {
  const c = compileContext();
  const params = routeParameters('/r/{id}');
  compileRequestTransform(requestPolicies, RP, c.ctx, params);
  compileResponseTransform(responsePolicies, RSP, c.ctx, params);
  return c;
}

function set(name: string, values: string[], ifExists?: string): Record<string, unknown> {
  return ifExists === undefined ? { name, values } : { name, values, ifExists };
}

describe('schema fragments', () => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const headers = ajv.compile(requestHeaderTransformationsSchema);
  const response = ajv.compile(responseHeaderTransformationsSchema);
  const query = ajv.compile(queryParameterTransformationsSchema);

  it("accept OCI's shapes (documentation examples) and refuse wrong enums, missing fields and unknown fields", () => {
    const oci = {
      setHeaders: { items: [{ name: 'X-User', values: ['${request.auth[sub]}'], ifExists: 'OVERWRITE' }] },
      renameHeaders: { items: [{ from: 'X-Username', to: 'X-User-ID' }] },
      filterHeaders: { type: 'BLOCK', items: [{ name: 'User-Agent' }] },
    };
    assert.ok(headers(oci), JSON.stringify(headers.errors));
    assert.ok(response(oci));
    assert.ok(query({ setQueryParameters: { items: [{ name: 'region', values: ['${request.headers[X-Region]}'], ifExists: 'APPEND' }] }, renameQueryParameters: { items: [{ from: 'q', to: 'query' }] }, filterQueryParameters: { type: 'ALLOW', items: [{ name: 'query' }] } }));
    assert.equal(headers({ setHeaders: { items: [{ name: 'X', values: ['v'], ifExists: 'REPLACE' }] } }), false);
    assert.equal(headers({ setHeaders: { items: [{ name: 'X', values: [] }] } }), false);
    assert.equal(headers({ filterHeaders: { items: [{ name: 'X' }] } }), false);
    assert.equal(headers({ setQueryParameters: { items: [] } }), false);
    assert.equal(query({ filterQueryParameters: { type: 'DENY', items: [] } }), false);
  });
});

describe('transformations refused at load time, with their path', () => {
  const setAt = (i: number) => `${RP}.headerTransformations.setHeaders.items[${i}]`;

  it('protected request headers (OCI list; "except" is Expect), Host and hop-by-hop ones cannot be set, renamed or blocked', () => {
    for (const name of ['Cookie', 'content-length', 'Expect', 'Origin', 'X-Forwarded-For', 'X-Real-IP', 'opc-request-id', 'Transfer-Encoding', 'Host', 'Proxy-Connection']) {
      const c = problems({ headerTransformations: { setHeaders: { items: [set(name, ['v'])] } } });
      assert.deepEqual(c.issues.map((i) => i.path), [`${setAt(0)}.name`], name);
      assert.match(c.issues[0]?.message ?? '', new RegExp(`^${name} `));
    }
    const rename = problems({ headerTransformations: { renameHeaders: { items: [{ from: 'Cookie', to: 'X-Cookie' }, { from: 'X-A', to: 'Origin' }] } } });
    assert.deepEqual(rename.issues.map((i) => i.path), [`${RP}.headerTransformations.renameHeaders.items[0].from`, `${RP}.headerTransformations.renameHeaders.items[1].to`]);
    const block = problems({ headerTransformations: { filterHeaders: { type: 'BLOCK', items: [{ name: 'User-Agent' }, { name: 'cookie' }] } } });
    assert.deepEqual(block.issues.map((i) => i.path), [`${RP}.headerTransformations.filterHeaders.items[1].name`]);
  });

  it('regression: a transformation cannot set the headers the gateway owns (X-Gatehouse-Claims, X-Forwarded-Proto, X-Forwarded-Host)', () => {
    for (const name of ['X-Gatehouse-Claims', 'x-forwarded-proto', 'X-Forwarded-Host']) {
      const c = problems({ headerTransformations: { setHeaders: { items: [set(name, ['{"sub":"admin"}'])] } } });
      assert.equal(c.issues.length, 1, name);
      assert.equal(c.issues[0]?.path, `${setAt(0)}.name`);
      assert.match(c.issues[0]?.message ?? '', /belongs to the gateway/);
    }
  });

  it('protected response headers: the six Access-Control-*, Strict-Transport-Security, Retry-After, ...', () => {
    const names = ['Access-Control-Allow-Origin', 'Access-Control-Max-Age', 'Strict-Transport-Security', 'Retry-After', 'X-Frame-Options', 'Content-Length', 'Trailers'];
    const c = problems({}, { headerTransformations: { setHeaders: { items: names.map((n) => set(n, ['*'])) } } });
    assert.deepEqual(
      c.issues.map((i) => i.path),
      names.map((_n, i) => `${RSP}.headerTransformations.setHeaders.items[${i}].name`),
    );
    // Cookie is protected on the request side only; Set-Cookie and Server are free on the response.
    assert.equal(problems({}, { headerTransformations: { setHeaders: { items: [set('Cookie', ['x']), set('Set-Cookie', ['a=1'])] }, filterHeaders: { type: 'BLOCK', items: [{ name: 'Server' }] } } }).issues.length, 0);
  });

  it('a header name that is not a token, a name used twice across set/rename/BLOCK (any case), a rename to itself', () => {
    const c = problems({
      headerTransformations: {
        setHeaders: { items: [set('bad name', ['v']), set('X-A', ['v'])] },
        renameHeaders: { items: [{ from: 'x-a', to: 'X-B' }, { from: 'X-C', to: 'x-c' }] },
        filterHeaders: { type: 'BLOCK', items: [{ name: 'X-B' }] },
      },
    });
    assert.deepEqual(c.issues.map((i) => [i.path, i.message.slice(0, 40)]), [
      [`${setAt(0)}.name`, 'is not a valid header name'],
      [`${RP}.headerTransformations.renameHeaders.items[0].from`, 'header "x-a" is already transformed at d'],
      [`${RP}.headerTransformations.renameHeaders.items[1].to`, 'renames "X-C" to itself'],
      [`${RP}.headerTransformations.filterHeaders.items[0].name`, 'header "X-B" is already transformed at d'],
    ]);
    assert.match(c.issues[1]?.message ?? '', new RegExp(`at ${setAt(1).replace(/[[\].]/g, '\\$&')}\\.name`));
  });

  it('an ALLOW filter may list what was set or renamed; listing a protected header only warns', () => {
    const c = problems({
      headerTransformations: {
        setHeaders: { items: [set('X-A', ['v'])] },
        renameHeaders: { items: [{ from: 'X-U', to: 'X-User' }] },
        filterHeaders: { type: 'ALLOW', items: [{ name: 'x-a' }, { name: 'X-User' }, { name: 'Cookie' }] },
      },
    });
    assert.deepEqual(c.issues, []);
    assert.deepEqual(c.warnings.map((w) => w.path), [`${RP}.headerTransformations.filterHeaders.items[2].name`]);
  });

  it('values: unknown context variables, a parameter the route lacks, and constants a header cannot carry', () => {
    const c = problems({ headerTransformations: { setHeaders: { items: [set('X-A', ['ok', '${request.nope[x]}', '${request.path[other]}', 'a\r\nX-Evil: 1', 'tab\tok', 'caf\u00e9', '\u65e5'])] } } });
    assert.deepEqual(c.issues.map((i) => i.path), [`${setAt(0)}.values[1]`, `${setAt(0)}.values[2]`, `${setAt(0)}.values[3]`, `${setAt(0)}.values[6]`]);
    assert.match(c.issues[0]?.message ?? '', /unknown context variable/);
    assert.match(c.issues[1]?.message ?? '', /no parameter \{other\}/);
  });

  it('query names are case-sensitive: region and Region are two names; the same name twice is refused', () => {
    const ok = problems({ queryParameterTransformations: { setQueryParameters: { items: [set('region', ['eu']), set('Region', ['x'])] } } });
    assert.deepEqual(ok.issues, []);
    const dup = problems({ queryParameterTransformations: { setQueryParameters: { items: [set('q', ['1'])] }, renameQueryParameters: { items: [{ from: 'q', to: 'query' }] } } });
    assert.deepEqual(dup.issues.map((i) => i.path), [`${RP}.queryParameterTransformations.renameQueryParameters.items[0].from`]);
  });

  it('empty policies compile to nothing (a route pays nothing)', () => {
    const c = compileContext();
    assert.equal(compileRequestTransform({}, RP, c.ctx, new Map()), null);
    assert.equal(compileRequestTransform({ headerTransformations: {}, queryParameterTransformations: { filterQueryParameters: { type: 'BLOCK', items: [] } } }, RP, c.ctx, new Map()), null);
    assert.equal(compileResponseTransform({ headerTransformations: { setHeaders: { items: [] } } }, RSP, c.ctx, new Map()), null);
    assert.notEqual(compileRequestTransform({ headerTransformations: { filterHeaders: { type: 'ALLOW', items: [] } } }, RP, c.ctx, new Map()), null);
  });
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  rawHeaders: string[];
  body: string;
}

function send(url: string, path: string, headerLines: [string, string][] = []): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    // A flat [name, value, ...] list: repeated names stay separate lines.
    // With a list, node adds no Host of its own.
    const headers = [...(headerLines.some(([n]) => n.toLowerCase() === 'host') ? [] : ['Host', u.host]), ...headerLines.flat()];
    const r = request({ host: u.hostname, port: u.port, path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body }));
    });
    r.on('error', reject);
    r.end();
  });
}

/** Values of `name` in a raw header list, in order. */
function lines(raw: string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (raw[i]?.toLowerCase() === name.toLowerCase()) out.push(raw[i + 1] as string);
  return out;
}

interface Route {
  requestPolicies?: Record<string, unknown>;
  responsePolicies?: Record<string, unknown>;
  /** Route path (default `/r/{id}`) and the params the router would have set. */
  path?: string;
  params?: Record<string, string>;
  claims?: Record<string, unknown>;
  backend?: (c: CompileContext, routePath: string) => Backend | null;
}

describe('transformations through real backends', () => {
  let up: Upstream;
  const closers: (() => Promise<void>)[] = [];

  before(async () => {
    up = await startUpstream();
  });
  after(async () => {
    for (const close of closers) await close();
    await up.close();
  });

  /** Serves one route: request transform, then the backend (an HTTP backend to `/echo` by default). */
  async function serve(route: Route): Promise<{ url: string; logs: Record<string, unknown>[] }> {
    const c = compileContext();
    const routePath = route.path ?? '/r/{id}';
    const params = routeParameters(routePath);
    const reqT = compileRequestTransform(route.requestPolicies ?? {}, RP, c.ctx, params);
    const resT = compileResponseTransform(route.responsePolicies ?? {}, RSP, c.ctx, params);
    const backend = (route.backend ?? ((cc, p) => createHttpBackend({ type: 'HTTP_BACKEND', url: `${up.url}/echo` }, 'b', p, cc)))(c.ctx, routePath);
    assert.deepEqual(c.issues, []);
    assert.ok(backend);
    const server = await startLiveServer(
      (rc) => {
        reqT?.apply(rc);
        return backend.handle(rc);
      },
      { params: route.params ?? { id: '42' }, claims: route.claims, responseTransform: resT, log: c.ctx.log },
    );
    closers.push(server.close, () => c.ctx.registry.closeAll());
    return { url: server.url, logs: c.logs };
  }

  /** What the upstream received for one request. */
  async function upstreamSees(route: Route, path: string, headerLines: [string, string][] = []): Promise<Received> {
    const { url } = await serve(route);
    const before = up.received.length;
    const r = await send(url, path, headerLines);
    assert.equal(r.status, 200, r.body);
    assert.equal(up.received.length, before + 1);
    return up.received[before] as Received;
  }

  it('ifExists: OVERWRITE (the default) replaces, APPEND adds a line, SKIP keeps; all set the header when absent', async () => {
    const route = {
      requestPolicies: {
        headerTransformations: {
          setHeaders: { items: [set('X-O', ['v']), set('X-D', ['v'], 'OVERWRITE'), set('X-A', ['v'], 'APPEND'), set('X-S', ['v'], 'SKIP'), set('X-New', ['n'], 'SKIP')] },
        },
      },
    };
    const got = await upstreamSees(route, '/r/42', [['X-O', 'orig'], ['X-D', 'orig'], ['X-A', 'orig'], ['X-S', 'orig']]);
    assert.deepEqual(lines(got.rawHeaders, 'x-o'), ['v']);
    assert.deepEqual(lines(got.rawHeaders, 'x-d'), ['v']);
    assert.deepEqual(lines(got.rawHeaders, 'x-a'), ['orig', 'v']);
    assert.deepEqual(lines(got.rawHeaders, 'x-s'), ['orig']);
    assert.deepEqual(lines(got.rawHeaders, 'x-new'), ['n']);
  });

  it('several values are sent as several header lines', async () => {
    const got = await upstreamSees({ requestPolicies: { headerTransformations: { setHeaders: { items: [set('X-Multi', ['a', 'b, c'])] } } } }, '/r/42');
    assert.deepEqual(lines(got.rawHeaders, 'x-multi'), ['a', 'b, c']);
  });

  it('rename copies the original value; set reads the original request; ALLOW runs last and keeps only what it lists', async () => {
    const route = {
      requestPolicies: {
        headerTransformations: {
          setHeaders: { items: [set('X-Copy', ['${request.headers[X-U]}']), set('X-Param', ['${request.path[id]}'])] },
          renameHeaders: { items: [{ from: 'X-U', to: 'X-User' }] },
          filterHeaders: { type: 'ALLOW', items: [{ name: 'X-User' }, { name: 'X-Copy' }] },
        },
      },
    };
    const got = await upstreamSees(route, '/r/42', [['X-U', '1'], ['X-Other', '2'], ['User-Agent', 'ua'], ['Cookie', 'c=1']]);
    assert.equal(got.headers['x-user'], '1');
    assert.equal(got.headers['x-copy'], '1');
    assert.equal(got.headers['x-u'], undefined);
    assert.equal(got.headers['x-other'], undefined);
    assert.equal(got.headers['user-agent'], undefined);
    assert.equal(got.headers['x-param'], undefined, 'set but not listed in ALLOW: removed');
    // Protected and gateway headers survive an ALLOW filter.
    assert.equal(got.headers['cookie'], 'c=1');
    assert.equal(got.headers['host'], `127.0.0.1:${up.port}`);
    assert.equal(got.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(got.headers['x-forwarded-proto'], 'http');
  });

  it('BLOCK removes the listed headers, any case; a rename onto an existing header replaces it', async () => {
    const route = {
      requestPolicies: {
        headerTransformations: {
          renameHeaders: { items: [{ from: 'X-From', to: 'X-To' }] },
          filterHeaders: { type: 'BLOCK', items: [{ name: 'user-agent' }] },
        },
      },
    };
    const got = await upstreamSees(route, '/r/42', [['User-Agent', 'ua'], ['X-From', 'new'], ['X-To', 'old'], ['X-Keep', 'k']]);
    assert.equal(got.headers['user-agent'], undefined);
    assert.deepEqual(lines(got.rawHeaders, 'x-to'), ['new']);
    assert.equal(got.headers['x-keep'], 'k');
  });

  it('regression: a value with CR/LF (or beyond Latin-1) is ignored, with a debug line that names the transformation and not the value; an OVERWRITE still drops the client\'s copy', async () => {
    const route = {
      claims: { name: 'a\r\nX-Injected: 1', wide: '\u65e5\u672c', sub: 'alice' },
      requestPolicies: {
        headerTransformations: {
          setHeaders: { items: [set('X-Name', ['${request.auth[name]}']), set('X-Wide', ['${request.auth[wide]}'], 'APPEND'), set('X-Sub', ['${request.auth[sub]}'])] },
        },
      },
    };
    const { url, logs } = await serve(route);
    const before = up.received.length;
    const r = await send(url, '/r/42', [['X-Name', 'forged'], ['X-Wide', 'client']]);
    assert.equal(r.status, 200);
    const got = up.received[before] as Received;
    assert.equal(got.headers['x-name'], undefined);
    assert.equal(got.headers['x-injected'], undefined);
    assert.deepEqual(lines(got.rawHeaders, 'x-wide'), ['client']);
    assert.equal(got.headers['x-sub'], 'alice');
    const ignored = logs.filter((l) => l.msg === 'transformation ignored: a value cannot be carried');
    assert.deepEqual(ignored.map((l) => l.transformation), [`${RP}.headerTransformations.setHeaders.items[0]`, `${RP}.headerTransformations.setHeaders.items[1]`]);
    assert.doesNotMatch(JSON.stringify(logs), /Injected|\u65e5/);
  });

  it('request.auth on an anonymous route renders empty, and the client cannot supply the header instead', async () => {
    const got = await upstreamSees({ requestPolicies: { headerTransformations: { setHeaders: { items: [set('X-User', ['${request.auth[sub]}'])] } } } }, '/r/42', [['X-User', 'admin']]);
    assert.deepEqual(lines(got.rawHeaders, 'x-user'), ['']);
  });

  it('query: OVERWRITE, APPEND, SKIP, rename keeps the raw value, names case-sensitive, values encoded from the original request', async () => {
    const route = {
      requestPolicies: {
        queryParameterTransformations: {
          setQueryParameters: {
            items: [set('region', ['eu']), set('tag', ['b'], 'APPEND'), set('keep', ['no'], 'SKIP'), set('from', ['${request.headers[X-Src]}']), set('orig', ['${request.query[q]}'])],
          },
          renameQueryParameters: { items: [{ from: 'q', to: 'query' }] },
        },
      },
    };
    const got = await upstreamSees(route, '/r/42?region=us&Region=x&tag=a&keep=yes&q=a%2Bb+c&flag', [['X-Src', 'a b&c=d']]);
    const u = new URL(got.url, 'http://x');
    assert.equal(u.pathname, '/echo');
    assert.deepEqual(u.searchParams.getAll('region'), ['eu']);
    assert.deepEqual(u.searchParams.getAll('Region'), ['x']);
    assert.deepEqual(u.searchParams.getAll('tag'), ['a', 'b']);
    assert.deepEqual(u.searchParams.getAll('keep'), ['yes']);
    assert.equal(u.searchParams.get('from'), 'a b&c=d');
    assert.equal(u.searchParams.get('orig'), 'a+b c');
    assert.equal(u.searchParams.get('q'), null);
    assert.match(got.url, /[?&]query=a%2Bb\+c(&|$)/, 'the renamed value keeps its bytes');
    assert.match(got.url, /[?&]flag(&|$)/);
  });

  it('query: ALLOW keeps only the listed names (case-sensitive); BLOCK drops; an empty result sends no query', async () => {
    const allow = await upstreamSees({ requestPolicies: { queryParameterTransformations: { filterQueryParameters: { type: 'ALLOW', items: [{ name: 'region' }] } } } }, '/r/42?region=us&Region=x&x=1');
    assert.equal(allow.url, '/echo?region=us');
    const none = await upstreamSees({ requestPolicies: { queryParameterTransformations: { filterQueryParameters: { type: 'BLOCK', items: [{ name: 'x' }] } } } }, '/r/42?x=1&x=2');
    assert.equal(none.url, '/echo');
  });

  it('the backend URL reads the original request, and a transformed query follows the URL\'s own', async () => {
    const route: Route = {
      requestPolicies: { queryParameterTransformations: { renameQueryParameters: { items: [{ from: 'q', to: 'query' }] } } },
      backend: (c, p) => createHttpBackend({ type: 'HTTP_BACKEND', url: `${up.url}/echo/\${request.query[q]}?fixed=1` }, 'b', p, c),
    };
    const got = await upstreamSees(route, '/r/42?q=abc');
    assert.equal(got.url, '/echo/abc?fixed=1&query=abc');
  });

  it('response: set, APPEND, SKIP and BLOCK on the upstream\'s headers; a rename of an absent header does nothing', async () => {
    const route = {
      responsePolicies: {
        headerTransformations: {
          setHeaders: { items: [set('X-Powered', ['gw ${request.path[id]}']), set('X-Upstream', ['also'], 'APPEND'), set('X-Absent', ['set'], 'SKIP')] },
          renameHeaders: { items: [{ from: 'X-Nothing', to: 'X-Never' }] },
          filterHeaders: { type: 'BLOCK', items: [{ name: 'Content-Type' }] },
        },
      },
    };
    const { url } = await serve(route);
    const r = await send(url, '/r/42');
    assert.equal(r.status, 200);
    assert.deepEqual(lines(r.rawHeaders, 'x-powered'), ['gw 42']);
    assert.deepEqual(lines(r.rawHeaders, 'x-upstream'), ['yes', 'also']);
    assert.deepEqual(lines(r.rawHeaders, 'x-absent'), ['set']);
    assert.equal(r.headers['content-type'], undefined);
    assert.equal(r.headers['x-never'], undefined);
    assert.equal(JSON.parse(r.body).url, '/echo');
  });

  it('response (stock backend): ALLOW keeps only the listed headers and the protected ones (Content-Length)', async () => {
    const route: Route = {
      responsePolicies: { headerTransformations: { renameHeaders: { items: [{ from: 'X-Upstream', to: 'X-Up' }] }, filterHeaders: { type: 'ALLOW', items: [{ name: 'X-Up' }] } } },
      backend: (c) => createStockBackend({ type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'hello', headers: [{ name: 'X-Upstream', value: 'stock' }, { name: 'Content-Type', value: 'text/plain' }] }, 'b', c),
    };
    const { url } = await serve(route);
    const r = await send(url, '/r/42');
    assert.equal(r.body, 'hello');
    assert.equal(r.headers['x-up'], 'stock');
    assert.equal(r.headers['x-upstream'], undefined);
    assert.equal(r.headers['content-type'], undefined);
    assert.equal(r.headers['content-length'], '5');
    // The stock backend's shared headers are not changed by a request's transformation.
    const again = await send(url, '/r/42');
    assert.equal(again.headers['x-up'], 'stock');
  });

  it('function backend: the function gets the transformed headers and query; the client gets the transformed response headers', async () => {
    const route: Route = {
      requestPolicies: {
        headerTransformations: { setHeaders: { items: [set('X-Tenant', ['${request.subdomain[example.com]}'])] }, filterHeaders: { type: 'BLOCK', items: [{ name: 'X-Secret' }] } },
        queryParameterTransformations: { renameQueryParameters: { items: [{ from: 'q', to: 'query' }] } },
      },
      responsePolicies: { headerTransformations: { setHeaders: { items: [set('X-Served-By', ['gatehouse'])] } } },
      backend: (c) => {
        const catalog = compileFunctions({ echo: { path: join(FIXTURES, 'echo') } }, 'functions', c);
        return createFunctionBackend({ type: 'ORACLE_FUNCTIONS_BACKEND', functionId: 'echo' }, 'b', c, catalog);
      },
    };
    const { url } = await serve(route);
    const r = await send(url, '/r/42?q=1&x=2', [['Host', 'acme.example.com'], ['X-Secret', 's'], ['X-Tenant', 'forged']]);
    assert.equal(r.status, 200, r.body);
    assert.equal(r.headers['x-served-by'], 'gatehouse');
    assert.ok(r.headers['fn-call-id'], 'the call id stays the gateway\'s');
    const seen = JSON.parse(r.body) as { requestURL: string; headers: Record<string, string[]> };
    assert.equal(seen.requestURL, '/r/42?x=2&query=1');
    const lower = Object.fromEntries(Object.entries(seen.headers).map(([k, v]) => [k.toLowerCase(), v]));
    assert.deepEqual(lower['x-tenant'], ['acme']);
    assert.equal(lower['x-secret'], undefined);
  });
});
