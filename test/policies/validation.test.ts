/**
 * Request validation: the compiled policy run on real requests from a node:http server on
 * 127.0.0.1 (the handler builds a GatewayRequest the way the server does and answers 400 with the
 * policy's message, or 200), plus the compile-time checks and the schema fragments.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type OutgoingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ajv } from 'ajv';
import {
  bodyValidationSchema,
  compileMediaRanges,
  compileValidation,
  headerValidationsSchema,
  mediaTypeOf,
  queryParameterValidationsSchema,
  type RequestValidation,
} from '../../src/policies/validation.ts';
import { createLogger, type Logger } from '../../src/lib/log.ts';
import { SharedRegistry } from '../../src/lib/shared_registry.ts';
import type { ConfigIssue } from '../../src/errors.ts';
import type { CompileContext, GatewayRequest } from '../../src/types.ts';
import { collectingLogger } from '../helpers/log_sink.ts';

const LABELS = { deployment: 'shop', route: '/v1/items' };
const PATH = 'deployments[0].specification.routes[0].requestPolicies';

function makeContext(registry = new SharedRegistry()): { ctx: CompileContext; issues: ConfigIssue[]; logs: Record<string, unknown>[] } {
  const { log: collected, records: logs } = collectingLogger();
  const issues: ConfigIssue[] = [];
  const ctx: CompileContext = {
    registry,
    log: collected,
    baseDir: '/',
    issues,
    issue: (path, message) => void issues.push({ path, message }),
    warnings: [],
    warn: () => undefined,
  };
  return { ctx, issues, logs };
}

function compile(policies: Record<string, unknown>, registry?: SharedRegistry) {
  const c = makeContext(registry);
  const validation = compileValidation(policies, PATH, c.ctx, LABELS);
  return { ...c, validation };
}

/** A real server whose handler runs `validation` (swappable per test) on each request. */
class Harness {
  validation: RequestValidation | null = null;
  log: Logger = createLogger({ level: 'silent' });
  readonly #server: Server;
  port = 0;

  constructor() {
    this.#server = createServer((req, res) => {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const path = q < 0 ? url : url.slice(0, q);
      const search = q < 0 ? '' : url.slice(q);
      let parsed: URLSearchParams | null = null;
      const g: GatewayRequest = {
        req,
        res,
        requestId: 'test-req',
        path,
        search,
        params: {},
        segments: path.split('/').slice(1),
        wildcardFrom: -1,
        auth: null,
        clientIp: '127.0.0.1',
        protocol: 'http',
        maxBodyBytes: 1024 * 1024,
        query: () => (parsed ??= new URLSearchParams(search)),
        log: this.log,
        forwardRawHeaders: null,
        forwardSearch: null,
        responseTransform: null,
        usagePlan: null,
      };
      const message = this.validation === null ? null : this.validation.check(g);
      req.resume();
      req.on('end', () => {
        const body = JSON.stringify(message === null ? { passed: true } : { code: 400, message });
        res.writeHead(message === null ? 200 : 400, { 'content-type': 'application/json' }).end(body);
      });
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', r));
    this.port = (this.#server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }

  /** Sends one request with exactly these headers (plus Host); `body` written as one chunk. */
  send(opts: { method?: string; path?: string; headers?: OutgoingHttpHeaders; body?: string }): Promise<{ status: number; body: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: this.port, method: opts.method ?? 'GET', path: opts.path ?? '/v1/items', headers: opts.headers ?? {}, agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
      });
      req.on('error', reject);
      if (opts.body !== undefined) req.write(opts.body);
      req.end();
    });
  }

  /** Installs the compiled validation of `policies` and returns what compiling gave. */
  use(policies: Record<string, unknown>, registry?: SharedRegistry) {
    const compiled = compile(policies, registry);
    assert.deepEqual(compiled.issues, []);
    assert.ok(compiled.validation !== null, 'something to check');
    this.validation = compiled.validation;
    this.log = compiled.ctx.log;
    return compiled;
  }
}

/** The value of one `gatehouse_validation_failures_total` series, or undefined when absent. */
async function failures(registry: SharedRegistry, mode: 'enforcing' | 'permissive', labels = LABELS): Promise<number | undefined> {
  const text = await registry.metrics.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`gatehouse_validation_failures_total{deployment="${labels.deployment}",route="${labels.route}",mode="${mode}"}`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

const h = new Harness();
before(() => h.start());
after(() => h.close());

const json = { 'application/json': { validationType: 'NONE' } };

describe('headerValidations', () => {
  it('ENFORCING: a missing required header is a 400 naming it as configured; any case of the name passes', async () => {
    h.use({ headerValidations: { validationMode: 'ENFORCING', headers: [{ name: 'X-Api-Version', required: true }] } });
    assert.deepEqual(await h.send({}), { status: 400, body: { code: 400, message: 'Missing required header: X-Api-Version' } });
    assert.equal((await h.send({ headers: { 'x-api-version': '2' } })).status, 200);
    assert.equal((await h.send({ headers: { 'X-API-VERSION': '2' } })).status, 200);
  });

  it('a header sent with an empty value is present', async () => {
    h.use({ headerValidations: { headers: [{ name: 'X-Api-Version', required: true }] } });
    assert.equal((await h.send({ headers: { 'x-api-version': '' } })).status, 200);
  });

  it('names every missing header in one message, in config order, never a client value', async () => {
    h.use({ headerValidations: { headers: [{ name: 'X-A', required: true }, { name: 'X-Present', required: true }, { name: 'X-B', required: true }] } });
    const r = await h.send({ headers: { 'x-present': 'client-secret-value' } });
    assert.deepEqual(r, { status: 400, body: { code: 400, message: 'Missing required headers: X-A, X-B' } });
  });

  it('validationMode absent means ENFORCING', async () => {
    h.use({ headerValidations: { headers: [{ name: 'X-Api-Version', required: true }] } });
    assert.equal((await h.send({})).status, 400);
  });

  it('items with required false (or no required) check nothing: no step is compiled', async () => {
    const { validation, issues } = compile({ headerValidations: { headers: [{ name: 'X-A', required: false }, { name: 'X-B' }] } });
    assert.deepEqual(issues, []);
    assert.equal(validation, null);
    h.use({ headerValidations: { headers: [{ name: 'X-Optional', required: false }, { name: 'X-Needed', required: true }] } });
    assert.deepEqual((await h.send({})).body['message'], 'Missing required header: X-Needed');
  });
});

describe('queryParameterValidations', () => {
  before(() => h.use({ queryParameterValidations: { validationMode: 'ENFORCING', parameters: [{ name: 'page', required: true }, { name: 'size', required: false }] } }));

  it('ENFORCING: a missing required parameter is a 400 naming it', async () => {
    assert.deepEqual(await h.send({}), { status: 400, body: { code: 400, message: 'Missing required query parameter: page' } });
    assert.equal((await h.send({ path: '/v1/items?' })).status, 400);
    assert.equal((await h.send({ path: '/v1/items?size=3' })).status, 400);
  });

  it('present means the name appears, with any value, empty included; names are decoded', async () => {
    for (const q of ['?page=2', '?page=', '?page', '?size=1&page=x', '?pa%67e=1']) assert.equal((await h.send({ path: `/v1/items${q}` })).status, 200, q);
  });

  it('names are case-sensitive (OCI): Page is not page', async () => {
    assert.equal((await h.send({ path: '/v1/items?Page=1' })).status, 400);
  });

  it('names every missing parameter', async () => {
    h.use({ queryParameterValidations: { parameters: [{ name: 'a', required: true }, { name: 'b', required: true }] } });
    assert.equal((await h.send({ path: '/v1/items?c=1' })).body['message'], 'Missing required query parameters: a, b');
    assert.equal((await h.send({ path: '/v1/items?b=1' })).body['message'], 'Missing required query parameter: a');
  });
});

describe('bodyValidation', () => {
  it('required: no body, or Content-Length: 0, is "Request body is required"; a chunked body is present', async () => {
    h.use({ bodyValidation: { required: true, content: { '*/*': { validationType: 'NONE' } } } });
    const refused = { status: 400, body: { code: 400, message: 'Request body is required' } };
    assert.deepEqual(await h.send({ method: 'POST', headers: { 'content-length': '0' } }), refused);
    assert.deepEqual(await h.send({ method: 'GET' }), refused);
    assert.equal((await h.send({ method: 'POST', headers: { 'content-length': '2', 'content-type': 'text/plain' }, body: 'hi' })).status, 200);
    assert.equal((await h.send({ method: 'POST', headers: { 'transfer-encoding': 'chunked' }, body: 'hi' })).status, 200, 'no Content-Type passes */*');
  });

  it('content type: parameters ignored, compared case-insensitively', async () => {
    h.use({ bodyValidation: { required: true, validationMode: 'ENFORCING', content: json } });
    for (const type of ['application/json', 'application/json; charset=utf-8', 'Application/JSON;charset=UTF-8', ' application/json ']) {
      assert.equal((await h.send({ method: 'POST', headers: { 'content-type': type, 'content-length': '2' }, body: '{}' })).status, 200, type);
    }
  });

  it('a type that is not accepted is a 400 listing what is, without echoing the client value', async () => {
    h.use({ bodyValidation: { required: true, content: { ...json, 'text/*': { validationType: 'NONE' } } } });
    const r = await h.send({ method: 'POST', headers: { 'content-type': 'image/evil-client-value', 'content-length': '2' }, body: 'xx' });
    assert.deepEqual(r, { status: 400, body: { code: 400, message: 'Content-Type not accepted; expected one of: application/json, text/*' } });
    const wildcard = await h.send({ method: 'POST', headers: { 'content-type': 'text/*', 'content-length': '2' }, body: 'xx' });
    assert.equal(wildcard.status, 400, 'a media range sent as Content-Type is not a media type');
    assert.equal((await h.send({ method: 'POST', headers: { 'content-type': 'text/csv', 'content-length': '2' }, body: 'xx' })).status, 200);
  });

  it('a body without Content-Type fails unless */* is accepted', async () => {
    h.use({ bodyValidation: { content: json } });
    const r = await h.send({ method: 'POST', headers: { 'content-length': '2' }, body: '{}' });
    assert.deepEqual(r, { status: 400, body: { code: 400, message: 'Content-Type is required; expected one of: application/json' } });
    h.use({ bodyValidation: { content: { ...json, '*/*': { validationType: 'NONE' } } }, headerValidations: { headers: [{ name: 'X-K', required: true }] } });
    assert.equal((await h.send({ method: 'POST', headers: { 'content-length': '2', 'x-k': '1' }, body: '{}' })).status, 200);
  });

  it('required false: a bodyless request passes without a content check, a body is still checked', async () => {
    h.use({ bodyValidation: { required: false, content: json } });
    assert.equal((await h.send({ method: 'GET', headers: { 'content-type': 'text/plain' } })).status, 200);
    assert.equal((await h.send({ method: 'POST', headers: { 'content-type': 'text/plain', 'content-length': '0' } })).status, 200);
    assert.equal((await h.send({ method: 'POST', headers: { 'content-type': 'text/plain', 'content-length': '1' }, body: 'x' })).status, 400);
  });

  it('*/* without required checks nothing: no step is compiled', () => {
    assert.equal(compile({ bodyValidation: { required: false, content: { '*/*': { validationType: 'NONE' } } } }).validation, null);
  });

  it('the most specific media range matches: type/subtype, then type/*, then */*', () => {
    const { ctx, issues } = makeContext();
    const m = compileMediaRanges({ 'text/*': {}, 'TEXT/Plain': {}, '*/*': {}, 'application/json': {} }, 'c', ctx);
    assert.deepEqual(issues, []);
    assert.ok(m !== null);
    assert.equal(m.match(mediaTypeOf('text/plain; charset=utf-8')), 'TEXT/Plain');
    assert.equal(m.match(mediaTypeOf('text/html')), 'text/*');
    assert.equal(m.match(mediaTypeOf('application/json')), 'application/json');
    assert.equal(m.match(mediaTypeOf('image/png')), '*/*');
    assert.equal(m.match(mediaTypeOf('not-a-type')), '*/*');
    const narrow = compileMediaRanges({ 'text/*': {} }, 'c', ctx);
    assert.equal(narrow?.match(mediaTypeOf('text/x')), 'text/*');
    assert.equal(narrow?.match(mediaTypeOf('texts/x')), null);
    assert.equal(narrow?.match(null), null);
  });

  it('mediaTypeOf drops parameters and refuses what is not type/subtype', () => {
    assert.equal(mediaTypeOf('Application/JSON ; charset=utf-8'), 'application/json');
    for (const bad of ['', 'json', '/json', 'application/', 'text/*', '*/*', 'a b/c', 'a/b/c']) assert.equal(mediaTypeOf(bad), null, bad);
  });
});

describe('modes, logging and the metric', () => {
  it('PERMISSIVE: the request passes, one warn line names the check, the permissive series counts it', async () => {
    const registry = new SharedRegistry();
    const { logs } = h.use({ headerValidations: { validationMode: 'PERMISSIVE', headers: [{ name: 'X-Api-Version', required: true }] } }, registry);
    assert.equal(await failures(registry, 'permissive'), 0, 'series exists from compile time');
    const r = await h.send({ headers: { 'x-other': 'client-value' } });
    assert.deepEqual(r, { status: 200, body: { passed: true } });
    const lines = logs.filter((l) => l['validation'] !== undefined);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.['level'], 40, 'warn');
    assert.equal(lines[0]?.['validation'], 'headerValidations');
    assert.equal(lines[0]?.['mode'], 'PERMISSIVE');
    assert.deepEqual(lines[0]?.['missing'], ['X-Api-Version']);
    assert.doesNotMatch(JSON.stringify(lines[0]), /client-value/);
    assert.equal(await failures(registry, 'permissive'), 1);
    assert.equal(await failures(registry, 'enforcing'), 0);
    assert.equal((await h.send({ headers: { 'x-api-version': '1' } })).status, 200);
    assert.equal(await failures(registry, 'permissive'), 1, 'a passing request does not count');
  });

  it('ENFORCING: counted under mode="enforcing" and logged at info', async () => {
    const registry = new SharedRegistry();
    const { logs } = h.use({ queryParameterValidations: { parameters: [{ name: 'page', required: true }] } }, registry);
    assert.equal((await h.send({})).status, 400);
    assert.equal(await failures(registry, 'enforcing'), 1);
    const line = logs.find((l) => l['validation'] === 'queryParameterValidations');
    assert.equal(line?.['level'], 30);
    assert.equal(line?.['mode'], 'ENFORCING');
  });

  it('mixed modes: a PERMISSIVE failure is logged and counted, then the ENFORCING one refuses', async () => {
    const registry = new SharedRegistry();
    const { logs } = h.use(
      {
        headerValidations: { validationMode: 'PERMISSIVE', headers: [{ name: 'X-Api-Version', required: true }] },
        bodyValidation: { validationMode: 'ENFORCING', required: true, content: json },
      },
      registry,
    );
    assert.deepEqual((await h.send({ method: 'POST', headers: { 'content-length': '0' } })).body['message'], 'Request body is required');
    assert.equal(await failures(registry, 'permissive'), 1);
    assert.equal(await failures(registry, 'enforcing'), 1);
    assert.deepEqual(
      logs.filter((l) => l['validation'] !== undefined).map((l) => [l['validation'], l['reason'] ?? null]),
      [['headerValidations', null], ['bodyValidation', 'no_body']],
    );
  });

  it('the log line of a refused content type carries the client media type (capped), the answer does not', async () => {
    const { logs } = h.use({ bodyValidation: { content: json } });
    const long = `text/${'x'.repeat(300)}`;
    const r = await h.send({ method: 'POST', headers: { 'content-type': long, 'content-length': '1' }, body: 'x' });
    assert.doesNotMatch(String(r.body['message']), /xxx/);
    const line = logs.find((l) => l['validation'] === 'bodyValidation');
    assert.equal(line?.['reason'], 'content_type_not_accepted');
    assert.equal(String(line?.['contentType']).length, 128);
  });

  it('DISABLED checks nothing: all DISABLED compiles to null, a DISABLED policy beside an active one is skipped', async () => {
    const off = compile({
      headerValidations: { validationMode: 'DISABLED', headers: [{ name: 'X-A', required: true }] },
      queryParameterValidations: { validationMode: 'DISABLED', parameters: [{ name: 'p', required: true }] },
      bodyValidation: { validationMode: 'DISABLED', required: true, content: json },
    });
    assert.deepEqual(off.issues, []);
    assert.equal(off.validation, null);
    assert.deepEqual(await off.ctx.registry.metrics.getMetricsAsJSON(), [], 'no metric for a route with nothing to check');
    h.use({ headerValidations: { validationMode: 'DISABLED', headers: [{ name: 'X-A', required: true }] }, queryParameterValidations: { parameters: [{ name: 'p', required: true }] } });
    assert.deepEqual((await h.send({})).body['message'], 'Missing required query parameter: p');
    assert.equal((await h.send({ path: '/v1/items?p=1' })).status, 200);
  });

  it('a route that a reload no longer validates loses its series; the metric goes with the last one', async () => {
    const registry = new SharedRegistry();
    const policies = { headerValidations: { headers: [{ name: 'X-A', required: true }] } };
    compile(policies, registry);
    compileValidation(policies, PATH, makeContext(registry).ctx, { deployment: 'shop', route: '/v1/other' });
    await registry.commit();
    assert.equal(await failures(registry, 'enforcing', { deployment: 'shop', route: '/v1/other' }), 0);
    compile(policies, registry); // the reload keeps /v1/items only
    await registry.commit();
    assert.equal(await failures(registry, 'enforcing'), 0);
    assert.equal(await failures(registry, 'enforcing', { deployment: 'shop', route: '/v1/other' }), undefined);
    compile({}, registry);
    await registry.commit();
    assert.doesNotMatch(await registry.metrics.metrics(), /gatehouse_validation_failures_total/);
  });
});

describe('compile errors, with their paths', () => {
  it('header names: not a token, or repeated in any case', () => {
    const { issues } = compile({ headerValidations: { validationMode: 'DISABLED', headers: [{ name: 'X Bad', required: true }, { name: 'X-A' }, { name: 'x-a', required: true }] } });
    assert.deepEqual(issues, [
      { path: `${PATH}.headerValidations.headers[0].name`, message: 'is not a valid header name' },
      { path: `${PATH}.headerValidations.headers[2].name`, message: 'duplicates headers[1] (header names are case-insensitive)' },
    ]);
  });

  it('query parameter names repeated (case-sensitive: page and Page are two names)', () => {
    const { issues } = compile({ queryParameterValidations: { parameters: [{ name: 'page' }, { name: 'Page' }, { name: 'page', required: true }] } });
    assert.deepEqual(issues, [{ path: `${PATH}.queryParameterValidations.parameters[2].name`, message: 'duplicates parameters[0]' }]);
  });

  it('content keys must be media ranges, unique in any case, and there must be one', () => {
    const bad = ['application', '*/json', 'text/plain; charset=utf-8', 'te xt/plain', 'text/pl*', 'text/'];
    const content: Record<string, unknown> = { 'Application/Json': { validationType: 'NONE' }, 'application/json': { validationType: 'NONE' } };
    for (const k of bad) content[k] = { validationType: 'NONE' };
    const { issues, validation } = compile({ bodyValidation: { content } });
    assert.equal(validation, null);
    assert.deepEqual(issues, [
      { path: `${PATH}.bodyValidation.content.application/json`, message: 'duplicates Application/Json (media types are case-insensitive)' },
      ...bad.map((k) => ({ path: `${PATH}.bodyValidation.content.${k}`, message: 'is not a media range: use type/subtype, type/* or */* (no parameters)' })),
    ]);
    assert.deepEqual(compile({ bodyValidation: { validationMode: 'DISABLED', content: {} } }).issues, [
      { path: `${PATH}.bodyValidation.content`, message: 'needs at least one media type (type/subtype, type/* or */*)' },
    ]);
  });
});

describe('schema fragments (OCI shapes)', () => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const check = (schema: Record<string, unknown>, value: unknown) => ajv.validate(schema, value);

  it('accept OCI\'s documented shapes', () => {
    assert.ok(check(headerValidationsSchema, { validationMode: 'ENFORCING', headers: [{ name: 'X-Api-Version', required: true }] }));
    assert.ok(check(queryParameterValidationsSchema, { validationMode: 'PERMISSIVE', parameters: [{ name: 'page', required: false }] }));
    assert.ok(check(bodyValidationSchema, { required: true, validationMode: 'DISABLED', content: { 'application/json': { validationType: 'NONE' }, 'text/*': { validationType: 'NONE' } } }));
    assert.ok(check(headerValidationsSchema, {}));
  });

  it('refuse other enum values, unknown fields and a body policy without content', () => {
    assert.ok(!check(headerValidationsSchema, { validationMode: 'enforcing' }));
    assert.ok(!check(queryParameterValidationsSchema, { parameters: [{ name: 'p', optional: true }] }));
    assert.ok(!check(queryParameterValidationsSchema, { parameters: [{ required: true }] }));
    assert.ok(!check(bodyValidationSchema, { required: true }));
    assert.ok(!check(bodyValidationSchema, { content: { 'application/json': { validationType: 'SCHEMA' } } }));
    assert.ok(!check(bodyValidationSchema, { content: { 'application/json': {} } }));
  });
});
