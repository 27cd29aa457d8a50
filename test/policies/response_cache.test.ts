/**
 * Response cache: the compiled policy run on real requests to a node:http server on 127.0.0.1, in
 * front of real backends (the stock backend, the HTTP backend proxying to a real upstream, and a
 * handler writing the way the function backend does), with the real in-memory store. The handler
 * builds the RequestContext the server builds and runs `serve`, then the backend on a miss, as the
 * data plane does. Plus the compile-time checks and the schema fragments.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ajv } from 'ajv';
import { compileResponseCache, responseCacheLookupSchema, responseCacheStoreSchema, MAX_TTL_SECONDS, type ResponseCacheRoute } from '../../src/policies/response_cache.ts';
import { compileCors, type CorsPolicy } from '../../src/policies/cors.ts';
import { createStockBackend } from '../../src/backends/stock.ts';
import { createHttpBackend } from '../../src/backends/http.ts';
import { routeParameters } from '../../src/backends/context_vars.ts';
import { createMemoryStore } from '../../src/state/memory.ts';
import { createRedisStore, createUnavailableStore, settingsFromUrl } from '../../src/state/redis.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import { createLogger } from '../../src/lib/log.ts';
import { SharedRegistry } from '../../src/lib/shared_registry.ts';
import { RequestContext } from '../../src/server/request_context.ts';
import type { RoutePlan } from '../../src/plan.ts';
import type { SharedStore } from '../../src/state/types.ts';
import type { ConfigIssue } from '../../src/errors.ts';
import type { Backend, CompileContext, GatewayRequest, ResponseCachePolicy, ResponseHeaderTransform } from '../../src/types.ts';
import { authContext } from '../helpers/live_request.ts';
import { eventually } from '../helpers/eventually.ts';
import { startUpstream, type Upstream } from '../helpers/upstream.ts';
import { redisOrSkip, startRedis } from '../helpers/redis.ts';

const ROUTE_PATH = 'deployments[0].specification.routes[0]';
const LOOKUP = { type: 'SIMPLE_LOOKUP_POLICY' };
const STORE = { type: 'FIXED_TTL_STORE_POLICY', timeToLiveInSeconds: 60 };

function makeContext(registry = new SharedRegistry()) {
  const issues: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  const ctx: CompileContext = {
    registry,
    log: createLogger({ level: 'silent' }),
    baseDir: '/',
    issues,
    issue: (path, message) => void issues.push({ path, message }),
    warnings,
    warn: (path, message) => void warnings.push({ path, message }),
  };
  return { ctx, issues, warnings, registry };
}

function routeOf(over: Partial<ResponseCacheRoute> = {}): ResponseCacheRoute {
  return { deployment: 'shop', pattern: '/items/{id}', params: routeParameters('/items/{id}'), maxEntryBytes: 1024 * 1024, ...over };
}

interface Setup {
  lookup?: Record<string, unknown>;
  store?: Record<string, unknown>;
  route?: Partial<ResponseCacheRoute>;
  shared?: SharedStore;
  clock?: ManualClock;
  registry?: SharedRegistry;
}

function compile(s: Setup = {}) {
  const c = makeContext(s.registry);
  const clock = s.clock ?? new ManualClock();
  const shared = s.shared ?? createMemoryStore({ clock });
  const policy = compileResponseCache(s.lookup ?? LOOKUP, s.store ?? STORE, ROUTE_PATH, routeOf(s.route), shared, c.ctx, clock);
  return { ...c, policy, shared, clock };
}

/** A backend under test's control: counts its calls and writes what `answer` says. */
interface CountingBackend extends Backend {
  calls: number;
}

function counting(inner: Backend): CountingBackend {
  const b: CountingBackend = {
    type: inner.type,
    calls: 0,
    handle(rc) {
      b.calls++;
      return inner.handle(rc);
    },
  };
  return b;
}

/** Writes as the function backend does: one writeHead with an object, one end with the whole body. */
function writer(status: number, headers: OutgoingHttpHeaders | string[], body: Buffer | string = ''): Backend {
  return {
    type: 'TEST',
    handle(rc) {
      rc.res.writeHead(status, headers as OutgoingHttpHeaders);
      rc.res.end(body);
    },
  };
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  raw: string[];
  body: Buffer;
}

/**
 * A real server running `policy` then `backend` on each request, the data plane's way. A request
 * header `x-test-sub` stands for a token the route's authentication verified (sets ctx.auth).
 */
class Harness {
  policy: ResponseCachePolicy | null = null;
  backend: Backend = writer(200, { 'content-type': 'text/plain' }, 'hello');
  cors: CorsPolicy | null = null;
  responseTransform: ResponseHeaderTransform | null = null;
  /** What the last `serve` returned, and whether the response had ended when it returned. */
  lastServed: boolean | Promise<boolean> | null = null;
  endedWhenServed = false;
  readonly #server: Server;
  #seq = 0;
  port = 0;

  constructor() {
    this.#server = createServer((req, res) => {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const path = q < 0 ? url : url.slice(0, q);
      const requestId = `req-${++this.#seq}`;
      res.setHeader('opc-request-id', requestId);
      const route = this.responseTransform === null ? null : ({ responseTransform: this.responseTransform } as RoutePlan);
      const rc = new RequestContext(req, res, requestId, path, q < 0 ? '' : url.slice(q), {}, path.split('/').slice(1), -1, 1 << 20, createLogger({ level: 'silent' }), route, 0n, '127.0.0.1');
      const sub = req.headers['x-test-sub'];
      if (typeof sub === 'string') rc.auth = authContext({ sub });
      if (this.cors !== null) this.cors.decorate(req, res);
      const backend = this.backend;
      const policy = this.policy;
      if (policy === null) return void backend.handle(rc);
      const served = policy.serve(rc);
      this.lastServed = served;
      this.endedWhenServed = res.writableEnded;
      void Promise.resolve(served).then((hit) => (hit ? undefined : backend.handle(rc)));
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', r));
    this.port = (this.#server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((r) => this.#server.close(() => r()));
  }

  send(path: string, opts: { method?: string; headers?: OutgoingHttpHeaders } = {}): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: this.port, path, method: opts.method ?? 'GET', headers: opts.headers ?? {}, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, raw: res.rawHeaders, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  }

  /** Sends until the answer is a HIT (the store is written once the first answer has finished). */
  async untilHit(path: string, opts: { method?: string; headers?: OutgoingHttpHeaders } = {}): Promise<Answer> {
    let last: Answer | null = null;
    await eventually(`${path} answered from the cache`, async () => {
      last = await this.send(path, opts);
      return last.headers['x-cache-status'] === 'HIT';
    });
    return last as unknown as Answer;
  }
}

async function metricValue(registry: SharedRegistry, result: string): Promise<number> {
  const text = await registry.metrics.metrics();
  const line = text.split('\n').find((l) => l.startsWith('gatehouse_response_cache_total{') && l.includes(`result="${result}"`));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('response cache: hits and misses', () => {
  const h = new Harness();
  before(() => h.start());
  after(() => h.close());

  it('answers a repeated GET from the cache: MISS first, then HIT with the same status, headers and binary body, without calling the backend', async () => {
    const body = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7) % 256));
    const backend = counting(writer(200, { 'content-type': 'application/octet-stream', 'x-custom': 'kept' }, body));
    const { policy, registry, clock } = compile();
    h.policy = policy;
    h.backend = backend;
    const first = await h.send('/items/1');
    assert.equal(first.status, 200);
    assert.equal(first.headers['x-cache-status'], 'MISS');
    assert.deepEqual(first.body, body);
    clock.advance(3000);
    const hit = await h.untilHit('/items/1');
    assert.equal(backend.calls, 1, 'the backend ran once');
    assert.equal(hit.status, 200);
    assert.deepEqual(hit.body, body, 'byte for byte');
    assert.equal(hit.headers['content-type'], 'application/octet-stream');
    assert.equal(hit.headers['x-custom'], 'kept');
    assert.equal(hit.headers['content-length'], String(body.length));
    assert.equal(hit.headers['age'], '3');
    assert.match(String(hit.headers['opc-request-id']), /^req-\d+$/);
    assert.notEqual(hit.headers['opc-request-id'], first.headers['opc-request-id'], 'the request id is this request\'s, not the stored one');
    const again = await h.send('/items/1');
    assert.equal(again.headers['x-cache-status'], 'HIT');
    assert.deepEqual(again.body, body, 'a hot entry (decoded once) is written whole again');
    assert.equal(again.headers['content-length'], String(body.length));
    assert.equal(backend.calls, 1);
    assert.equal(await metricValue(registry, 'miss'), 1);
    assert.ok((await metricValue(registry, 'hit')) >= 2);
    assert.equal(await metricValue(registry, 'stored'), 1);
  });

  it('regression: a hit from the memory store is written before serve returns, without a Promise (issue 13: a HIT costs no more than a stock response)', async () => {
    const backend = counting(writer(200, { 'content-type': 'text/plain' }, 'now'));
    h.backend = backend;
    h.policy = compile().policy;
    await h.send('/items/sync');
    assert.equal(h.lastServed, false, 'a miss in memory is known at once too: the backend runs in the same tick');
    await h.untilHit('/items/sync');
    const hit = await h.send('/items/sync');
    assert.equal(hit.headers['x-cache-status'], 'HIT');
    assert.equal(hit.body.toString(), 'now');
    assert.equal(h.lastServed, true, 'true itself, not a Promise of it');
    assert.equal(h.endedWhenServed, true, 'the whole answer was written before serve returned');
    assert.equal(backend.calls, 1);
  });

  it('a hot entry (decoded once, its header object reused and updated in place) gives every hit its own Age', async () => {
    const { policy, clock } = compile();
    h.backend = writer(200, { 'content-type': 'text/plain' }, 'aging');
    h.policy = policy;
    await h.send('/items/age');
    assert.equal((await h.untilHit('/items/age')).headers['age'], '0');
    clock.advance(2500);
    assert.equal((await h.send('/items/age')).headers['age'], '2');
    assert.equal((await h.send('/items/age')).headers['age'], '2');
    clock.advance(600);
    const later = await h.send('/items/age');
    assert.equal(later.headers['age'], '3');
    assert.equal(later.headers['x-cache-status'], 'HIT');
    assert.deepEqual(later.raw.filter((_, i) => i % 2 === 0 && /^(age|x-cache-status)$/i.test(later.raw[i] as string)).length, 2, 'each once');
  });

  it('paths too long for the remembered keys are cached, and kept apart, like short ones', async () => {
    const backend: Backend = {
      type: 'TEST',
      handle(rc) {
        rc.res.writeHead(200, { 'content-type': 'text/plain' });
        rc.res.end(rc.path.slice(-1));
      },
    };
    h.backend = backend;
    h.policy = compile({ lookup: { ...LOOKUP, cacheKeyAdditions: ['${request.query[v]}'] } }).policy;
    const long = `/items/${'a'.repeat(600)}`;
    for (const policy of [compile().policy, h.policy]) {
      h.policy = policy;
      for (const end of ['b', 'c']) {
        const first = await h.send(`${long}${end}?v=1`);
        assert.equal(first.headers['x-cache-status'], 'MISS', `${end}: first`);
        const hit = await h.untilHit(`${long}${end}?v=1`);
        assert.equal(hit.body.toString(), end, `${end}: its own entry`);
      }
    }
  });

  it('ignores the query by default, and keys on each cacheKeyAdditions value (${} and bare forms)', async () => {
    const backend = counting(writer(200, { 'content-type': 'text/plain' }, 'q'));
    h.backend = backend;
    h.policy = compile().policy;
    assert.equal((await h.send('/items/1?page=1')).headers['x-cache-status'], 'MISS');
    await h.untilHit('/items/1?page=2');
    assert.equal(backend.calls, 1, '?page=2 shares the entry of ?page=1');

    h.policy = compile({ lookup: { ...LOOKUP, cacheKeyAdditions: ['${request.query[page]}', 'request.headers[Accept]'] } }).policy;
    assert.equal((await h.send('/items/1?page=1', { headers: { accept: 'text/plain' } })).headers['x-cache-status'], 'MISS');
    await h.untilHit('/items/1?page=1', { headers: { accept: 'text/plain' } });
    assert.equal((await h.send('/items/1?page=2', { headers: { accept: 'text/plain' } })).headers['x-cache-status'], 'MISS', 'another page');
    assert.equal((await h.send('/items/1?page=1', { headers: { accept: 'text/html' } })).headers['x-cache-status'], 'MISS', 'another Accept');
  });

  it('key parts cannot run into each other (?a=x&b=yz and ?a=xy&b=z are different entries)', async () => {
    h.backend = writer(200, { 'content-type': 'text/plain' }, 'parts');
    h.policy = compile({ lookup: { ...LOOKUP, cacheKeyAdditions: ['${request.query[a]}', '${request.query[b]}'] } }).policy;
    await h.send('/items/1?a=x&b=yz');
    await h.untilHit('/items/1?a=x&b=yz');
    assert.equal((await h.send('/items/1?a=xy&b=z')).headers['x-cache-status'], 'MISS');
    assert.equal((await h.send('/items/1?a=x:&b=yz')).headers['x-cache-status'], 'MISS');
  });

  it('keys on the path (without the query) and the deployment: its id when given, else its name', async () => {
    const shared = createMemoryStore();
    h.backend = writer(200, { 'content-type': 'text/plain' }, 'd');
    h.policy = compile({ shared, route: { deployment: 'shop', deploymentId: 'ocid1.apideployment.oc1..aaa' } }).policy;
    await h.send('/items/1');
    await h.untilHit('/items/1');
    assert.equal((await h.send('/items/2')).headers['x-cache-status'], 'MISS', 'another path');
    h.policy = compile({ shared, route: { deployment: 'renamed', deploymentId: 'ocid1.apideployment.oc1..aaa' } }).policy;
    assert.equal((await h.send('/items/1')).headers['x-cache-status'], 'HIT', 'same id, another name: the same deployment');
    h.policy = compile({ shared, route: { deployment: 'shop' } }).policy;
    assert.equal((await h.send('/items/1')).headers['x-cache-status'], 'MISS', 'another deployment (no id: keyed by name)');
  });

  it('expires an entry after timeToLiveInSeconds', async () => {
    const clock = new ManualClock();
    const backend = counting(writer(200, { 'content-type': 'text/plain' }, 'ttl'));
    h.backend = backend;
    h.policy = compile({ clock, store: { ...STORE, timeToLiveInSeconds: 10 } }).policy;
    await h.send('/items/ttl');
    await h.untilHit('/items/ttl');
    clock.advance(9999);
    assert.equal((await h.send('/items/ttl')).headers['x-cache-status'], 'HIT', 'still fresh 1 ms before the TTL');
    clock.advance(1);
    assert.equal((await h.send('/items/ttl')).headers['x-cache-status'], 'MISS', 'expired');
    assert.equal(backend.calls, 2);
  });
});

describe('response cache: what is stored', () => {
  const h = new Harness();
  before(() => h.start());
  after(() => h.close());

  for (const status of [200, 204, 301, 410]) {
    it(`stores a ${status}`, async () => {
      const headers: OutgoingHttpHeaders = status === 301 ? { location: '/elsewhere' } : { 'content-type': 'text/plain' };
      const backend = counting(writer(status, headers, status === 204 ? '' : `s${status}`));
      h.backend = backend;
      h.policy = compile().policy;
      await h.send(`/s/${status}`);
      const hit = await h.untilHit(`/s/${status}`);
      assert.equal(hit.status, status);
      assert.equal(hit.body.toString(), status === 204 ? '' : `s${status}`);
      if (status === 301) assert.equal(hit.headers.location, '/elsewhere');
      if (status === 204) assert.equal(hit.headers['content-length'], undefined, 'a 204 has no Content-Length (RFC 9110 §8.6)');
      assert.equal(backend.calls, 1);
    });
  }

  for (const status of [404, 500, 302, 206]) {
    it(`does not store a ${status}`, async () => {
      const backend = counting(writer(status, { 'content-type': 'text/plain' }, 'no'));
      h.backend = backend;
      const { policy, registry } = compile();
      h.policy = policy;
      for (let i = 0; i < 3; i++) assert.equal((await h.send('/nope')).headers['x-cache-status'], 'MISS');
      assert.equal(backend.calls, 3);
      assert.equal(await metricValue(registry, 'stored'), 0);
    });
  }

  it('never caches POST, PUT or DELETE, and says nothing about the cache on them', async () => {
    const backend = counting(writer(200, { 'content-type': 'text/plain' }, 'post'));
    h.backend = backend;
    h.policy = compile().policy;
    for (const method of ['POST', 'POST', 'PUT', 'DELETE']) {
      const a = await h.send('/items/1', { method });
      assert.equal(a.headers['x-cache-status'], undefined);
    }
    assert.equal(backend.calls, 4);
  });

  it('caches OPTIONS (not a CORS preflight) like GET', async () => {
    const backend = counting(writer(200, { allow: 'GET, OPTIONS' }, ''));
    h.backend = backend;
    h.policy = compile().policy;
    await h.send('/items/1', { method: 'OPTIONS' });
    const hit = await h.untilHit('/items/1', { method: 'OPTIONS' });
    assert.equal(hit.headers.allow, 'GET, OPTIONS');
    assert.equal(backend.calls, 1);
  });

  it('answers HEAD from a stored HEAD, with the Content-Length the backend sent; GET and HEAD are cached apart', async () => {
    const body = 'x'.repeat(1234);
    const stock = counting(createStockBackend({ type: 'STOCK_RESPONSE_BACKEND', status: 200, body, headers: [{ name: 'content-type', value: 'text/plain' }] }, 'b', makeContext().ctx));
    h.backend = stock;
    h.policy = compile().policy;
    const miss = await h.send('/head', { method: 'HEAD' });
    assert.equal(miss.headers['x-cache-status'], 'MISS');
    const hit = await h.untilHit('/head', { method: 'HEAD' });
    assert.equal(hit.headers['content-length'], '1234');
    assert.equal(hit.body.length, 0);
    assert.equal(stock.calls, 1);
    const get = await h.send('/head');
    assert.equal(get.headers['x-cache-status'], 'MISS', 'a stored HEAD has no body to answer a GET with');
    assert.equal(get.body.toString(), body);
    const getHit = await h.untilHit('/head');
    assert.equal(getHit.body.toString(), body);
  });

  it('does not store an answer over maxEntryBytes (body and head), and still sends it whole', async () => {
    const body = Buffer.alloc(5000, 0x61);
    const backend = counting(writer(200, { 'content-type': 'text/plain' }, body));
    h.backend = backend;
    for (const maxEntryBytes of [4999, 5000]) {
      // A body over the limit stops the recording at once; one that fits but whose entry does not is refused at store time.
      const { policy, registry } = compile({ route: { maxEntryBytes } });
      h.policy = policy;
      for (let i = 0; i < 2; i++) {
        const a = await h.send('/big');
        assert.equal(a.headers['x-cache-status'], 'MISS');
        assert.deepEqual(a.body, body);
      }
      await eventually('both answers counted as too large', async () => (await metricValue(registry, 'too_large')) === 2);
      assert.equal(await metricValue(registry, 'stored'), 0);
    }
    assert.equal(backend.calls, 4);
    h.policy = compile({ route: { maxEntryBytes: 5200 } }).policy;
    await h.send('/big');
    assert.deepEqual((await h.untilHit('/big')).body, body, 'an entry within the limit is stored');
  });

  it('keeps the response headers but not per-request, hop-by-hop or CORS ones; repeated headers stay repeated', async () => {
    h.backend = writer(200, {
      'content-type': 'text/plain',
      'x-multi': ['one', 'two'],
      date: 'Mon, 01 Jan 2024 00:00:00 GMT',
      'keep-alive': 'timeout=5',
      'fn-call-id': 'call-1',
      'access-control-allow-origin': '*',
      'set-cookie': 'session=abc',
      'cache-control': 'no-store',
    });
    h.policy = compile().policy;
    const miss = await h.send('/hdr', { headers: { 'cache-control': 'no-cache' } });
    assert.equal(miss.headers['set-cookie']?.[0], 'session=abc', 'the MISS is the backend\'s answer, untouched');
    const hit = await h.untilHit('/hdr', { headers: { 'cache-control': 'no-cache' } });
    assert.equal(hit.headers['cache-control'], 'no-store', 'Cache-Control is ignored both ways, and kept');
    assert.deepEqual(
      hit.raw.filter((_, i) => i % 2 === 0 && /^x-multi$/i.test(hit.raw[i] as string)).length,
      2,
    );
    assert.equal(hit.headers['x-multi'], 'one, two');
    assert.equal(hit.headers['fn-call-id'], undefined);
    assert.equal(hit.headers['access-control-allow-origin'], undefined);
    assert.equal(hit.headers['set-cookie'], undefined, 'a shared entry never hands out a cookie');
    assert.notEqual(hit.headers['date'], 'Mon, 01 Jan 2024 00:00:00 GMT', 'Date is this answer\'s');
    assert.notEqual(hit.headers['keep-alive'], 'timeout=5');
  });

  it('records headers a backend passes to writeHead as a raw array, as they were sent', async () => {
    h.backend = writer(200, ['Content-Type', 'text/plain', 'X-Raw', '1', 'Opc-Request-Id', 'backend-id'], 'raw');
    h.policy = compile().policy;
    const miss = await h.send('/raw');
    assert.equal(miss.headers['x-raw'], '1');
    const hit = await h.untilHit('/raw');
    assert.equal(hit.headers['x-raw'], '1');
    assert.equal(hit.headers['content-type'], 'text/plain');
    assert.equal(hit.body.toString(), 'raw');
    assert.match(String(hit.headers['opc-request-id']), /^req-\d+$/, 'never a stored request id');
  });

  it('stores the answer after the response transformation, and a HIT keeps the CORS headers of its own request', async () => {
    const c = makeContext();
    h.backend = createStockBackend(
      { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'cors', headers: [{ name: 'content-type', value: 'text/plain' }, { name: 'vary', value: 'Accept-Encoding' }] },
      'b',
      c.ctx,
    );
    h.cors = compileCors({ allowedOrigins: ['https://a.test', 'https://b.test'], exposedHeaders: ['X-Cache-Status'] }, 'cors', c.ctx);
    h.responseTransform = {
      apply(headers) {
        headers['x-transformed'] = 'yes';
      },
    };
    try {
      h.policy = compile().policy;
      const miss = await h.send('/cors', { headers: { origin: 'https://a.test' } });
      assert.equal(miss.headers['access-control-allow-origin'], 'https://a.test');
      const hit = await h.untilHit('/cors', { headers: { origin: 'https://b.test' } });
      assert.equal(hit.headers['access-control-allow-origin'], 'https://b.test', 'the CORS headers are this request\'s');
      assert.equal(hit.headers['access-control-expose-headers'], 'X-Cache-Status');
      assert.equal(hit.headers['x-transformed'], 'yes');
      assert.equal(hit.headers['vary'], 'Accept-Encoding');
      const noOrigin = await h.send('/cors');
      assert.equal(noOrigin.headers['x-cache-status'], 'HIT');
      assert.equal(noOrigin.headers['access-control-allow-origin'], undefined);
    } finally {
      h.cors = null;
      h.responseTransform = null;
    }
  });
});

describe('response cache: credentials', () => {
  const h = new Harness();
  before(() => h.start());
  after(() => h.close());

  it('without private caching, a request with Authorization is neither looked up nor stored (BYPASS)', async () => {
    const backend = counting(writer(200, { 'content-type': 'text/plain' }, 'secret'));
    h.backend = backend;
    const { policy, registry } = compile();
    h.policy = policy;
    for (let i = 0; i < 2; i++) {
      const a = await h.send('/me', { headers: { authorization: 'Bearer t1' } });
      assert.equal(a.headers['x-cache-status'], 'BYPASS');
    }
    const anonymous = await h.send('/me');
    assert.equal(anonymous.headers['x-cache-status'], 'MISS', 'the answer to the credentialed request was not stored');
    assert.equal(backend.calls, 3);
    assert.equal(await metricValue(registry, 'bypass'), 2);
  });

  it('without private caching, a request the route authenticated by other means (a token header) is bypassed too', async () => {
    const backend = counting(writer(200, { 'content-type': 'text/plain' }, 'mine'));
    h.backend = backend;
    h.policy = compile().policy;
    assert.equal((await h.send('/me2', { headers: { 'x-test-sub': 'alice' } })).headers['x-cache-status'], 'BYPASS');
    assert.equal((await h.send('/me2')).headers['x-cache-status'], 'MISS');
  });

  it('with private caching, each principal has its own entry, and keeps its Set-Cookie', async () => {
    let n = 0;
    const backend: Backend = {
      type: 'TEST',
      handle(rc) {
        n++;
        rc.res.writeHead(200, { 'content-type': 'text/plain', 'set-cookie': `s=${rc.auth?.subject ?? rc.req.headers.authorization ?? 'anon'}` });
        rc.res.end(`for ${rc.auth?.subject ?? rc.req.headers.authorization ?? 'anon'}`);
      },
    };
    h.backend = backend;
    h.policy = compile({ lookup: { ...LOOKUP, isPrivateCachingEnabled: true } }).policy;
    const alice = { 'x-test-sub': 'alice', authorization: 'Bearer a1' };
    await h.send('/p', { headers: alice });
    const aliceHit = await h.untilHit('/p', { headers: { 'x-test-sub': 'alice', authorization: 'Bearer a2' } });
    assert.equal(aliceHit.body.toString(), 'for alice', 'keyed on the subject, not on the token');
    assert.equal(aliceHit.headers['set-cookie']?.[0], 's=alice');
    const bob = await h.send('/p', { headers: { 'x-test-sub': 'bob', authorization: 'Bearer b1' } });
    assert.equal(bob.headers['x-cache-status'], 'MISS');
    assert.equal(bob.body.toString(), 'for bob');
    // No verified token: keyed on the Authorization value.
    await h.send('/p', { headers: { authorization: 'Basic eDp5' } });
    assert.equal((await h.untilHit('/p', { headers: { authorization: 'Basic eDp5' } })).body.toString(), 'for Basic eDp5');
    assert.equal((await h.send('/p', { headers: { authorization: 'Basic eDp6' } })).headers['x-cache-status'], 'MISS');
    const anonymous = await h.send('/p');
    assert.equal(anonymous.headers['x-cache-status'], 'MISS', 'anonymous requests share no principal\'s entry');
    assert.equal(anonymous.body.toString(), 'for anon');
    assert.equal(n, 5);
  });
});

describe('response cache: HTTP backend (streamed answers)', () => {
  const h = new Harness();
  let upstream: Upstream;
  before(async () => {
    upstream = await startUpstream();
    await h.start();
  });
  after(async () => {
    await h.close();
    await upstream.close();
  });

  function proxyTo(path: string): Backend {
    const backend = createHttpBackend({ type: 'HTTP_BACKEND', url: `${upstream.url}${path}` }, 'b', '/x', makeContext().ctx);
    assert.ok(backend !== null);
    return backend;
  }

  it('stores a body the upstream sent in many chunks, and answers it byte for byte', async () => {
    h.backend = proxyTo('/big?bytes=300000');
    h.policy = compile().policy;
    const before = upstream.received.length;
    const miss = await h.send('/x');
    assert.equal(miss.headers['x-cache-status'], 'MISS');
    assert.equal(miss.body.length, 300000);
    const hit = await h.untilHit('/x');
    assert.deepEqual(hit.body, miss.body);
    assert.equal(hit.headers['content-type'], 'application/octet-stream');
    assert.equal(upstream.received.length - before, 1, 'the upstream was called once');
  });

  it('an answer the upstream broke off is not stored (the next request is a MISS again)', async () => {
    h.backend = proxyTo('/reset');
    const { policy, registry } = compile();
    h.policy = policy;
    await assert.rejects(h.send('/x'));
    await assert.rejects(h.send('/x'), 'not answered from a stored partial body');
    assert.equal(await metricValue(registry, 'miss'), 2);
    assert.equal(await metricValue(registry, 'stored'), 0);
  });

  it('does not store an upstream 500', async () => {
    h.backend = proxyTo('/status/500');
    h.policy = compile().policy;
    const before = upstream.received.length;
    assert.equal((await h.send('/x')).status, 500);
    assert.equal((await h.send('/x')).headers['x-cache-status'], 'MISS');
    assert.equal(upstream.received.length - before, 2);
  });
});

describe('response cache: store failures', () => {
  const h = new Harness();
  before(() => h.start());
  after(() => h.close());

  it('bypasses a store whose reads fail: the backend answers, X-Cache-Status: BYPASS', async () => {
    const backend = counting(writer(200, { 'content-type': 'text/plain' }, 'fine'));
    h.backend = backend;
    const { policy, registry } = compile({ shared: createUnavailableStore('redis', 'redis://127.0.0.1:1/0', 'secret missing') });
    h.policy = policy;
    for (let i = 0; i < 2; i++) {
      const a = await h.send('/down');
      assert.equal(a.status, 200);
      assert.equal(a.body.toString(), 'fine');
      assert.equal(a.headers['x-cache-status'], 'BYPASS');
    }
    assert.equal(backend.calls, 2);
    assert.equal(await metricValue(registry, 'bypass'), 2);
  });

  it('regression: a store whose set throws (instead of rejecting) costs nothing but the entry — the process keeps serving', async () => {
    const memory = createMemoryStore();
    const throwing: SharedStore = {
      ...memory,
      cache: {
        get: (key) => memory.cache.get(key),
        set: () => {
          throw new Error('set failed synchronously');
        },
      },
    };
    const backend = counting(writer(200, { 'content-type': 'text/plain' }, 'ok'));
    h.backend = backend;
    h.policy = compile({ shared: throwing }).policy;
    for (let i = 0; i < 3; i++) {
      const a = await h.send('/throws');
      assert.equal(a.status, 200);
      assert.equal(a.headers['x-cache-status'], 'MISS');
    }
    assert.equal(backend.calls, 3);
  });

  it('with a real Redis: HIT across two policies sharing it, BYPASS while it is down, caching again once it is back', async (t) => {
    if (redisOrSkip(t) === null) return;
    const redis = await startRedis();
    const settings = settingsFromUrl(redis.url, { connectTimeoutMs: 500, commandTimeoutMs: 500 });
    const a = createRedisStore(settings, { log: createLogger({ level: 'silent' }) });
    const b = createRedisStore(settings, { log: createLogger({ level: 'silent' }) });
    try {
      const backend = counting(writer(200, { 'content-type': 'application/octet-stream' }, Buffer.from([0, 255, 1, 254])));
      h.backend = backend;
      h.policy = compile({ shared: a }).policy;
      await eventually('the store is up', () => a.health().up);
      assert.equal((await h.send('/r')).headers['x-cache-status'], 'MISS');
      await h.untilHit('/r');
      // Another instance (another connection, another policy) reads the same entry.
      h.policy = compile({ shared: b }).policy;
      const other = await h.send('/r');
      assert.equal(other.headers['x-cache-status'], 'HIT');
      assert.deepEqual(other.body, Buffer.from([0, 255, 1, 254]));
      assert.equal(backend.calls, 1);

      await redis.stop();
      await eventually('the store notices the outage', () => !b.health().up);
      const down = await h.send('/r');
      assert.equal(down.status, 200, 'never a failed request');
      assert.equal(down.headers['x-cache-status'], 'BYPASS');
      assert.deepEqual(down.body, Buffer.from([0, 255, 1, 254]));

      await redis.restart();
      await eventually('the store reconnects on its own', () => b.health().up, { timeoutMs: 15000 });
      assert.equal((await h.send('/r')).headers['x-cache-status'], 'MISS', 'the restarted server is empty');
      await h.untilHit('/r');
    } finally {
      await a.close();
      await b.close();
      await redis.close();
    }
  });
});

describe('response cache: compile', () => {
  it('is null without policies, and null with a warning when disabled or when one of the two policies is missing', () => {
    const c = makeContext();
    const shared = createMemoryStore();
    assert.equal(compileResponseCache(undefined, undefined, ROUTE_PATH, routeOf(), shared, c.ctx), null);
    assert.equal(c.warnings.length, 0);
    assert.equal(compileResponseCache({ ...LOOKUP, isEnabled: false }, STORE, ROUTE_PATH, routeOf(), shared, c.ctx), null);
    assert.equal(compileResponseCache(LOOKUP, undefined, ROUTE_PATH, routeOf(), shared, c.ctx), null);
    assert.equal(compileResponseCache(undefined, STORE, ROUTE_PATH, routeOf(), shared, c.ctx), null);
    assert.deepEqual(
      c.warnings.map((w) => w.path),
      [`${ROUTE_PATH}.requestPolicies.responseCacheLookup.isEnabled`, `${ROUTE_PATH}.requestPolicies.responseCacheLookup`, `${ROUTE_PATH}.responsePolicies.responseCacheStore`],
    );
    assert.match(c.warnings[1]?.message ?? '', /responseCacheStore/);
    assert.match(c.warnings[2]?.message ?? '', /responseCacheLookup/);
    assert.deepEqual(c.issues, []);
    assert.ok(compileResponseCache({ ...LOOKUP, isEnabled: true }, STORE, ROUTE_PATH, routeOf(), shared, c.ctx) !== null);
  });

  it('refuses cacheKeyAdditions that are not request context variables, naming each', () => {
    const c = makeContext();
    const additions = ['${request.path[id]}', '${request.path[nope]}', 'request.bogus[x]', 'plain text', '${request.headers[bad header]}', 'v-${request.query[v]}'];
    const policy = compileResponseCache({ ...LOOKUP, cacheKeyAdditions: additions }, STORE, ROUTE_PATH, routeOf(), createMemoryStore(), c.ctx);
    assert.equal(policy, null);
    assert.deepEqual(
      c.issues.map((i) => i.path),
      [1, 2, 3, 4].map((i) => `${ROUTE_PATH}.requestPolicies.responseCacheLookup.cacheKeyAdditions[${i}]`),
    );
    assert.match(c.issues[0]?.message ?? '', /no parameter \{nope\}/);
    assert.match(c.issues[2]?.message ?? '', /unknown context variable/);
  });

  it('schema fragments: types are OCI\'s, the TTL is required, a whole number from 1 to a day', () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const lookup = ajv.compile(responseCacheLookupSchema);
    const store = ajv.compile(responseCacheStoreSchema);
    assert.ok(lookup({ type: 'SIMPLE_LOOKUP_POLICY', isEnabled: true, isPrivateCachingEnabled: false, cacheKeyAdditions: ['${request.query[a]}'] }));
    assert.ok(!lookup({ type: 'OTHER' }));
    assert.ok(!lookup({ type: 'SIMPLE_LOOKUP_POLICY', extra: 1 }));
    assert.ok(store({ type: 'FIXED_TTL_STORE_POLICY', timeToLiveInSeconds: 1 }));
    assert.ok(store({ type: 'FIXED_TTL_STORE_POLICY', timeToLiveInSeconds: MAX_TTL_SECONDS }));
    assert.equal(MAX_TTL_SECONDS, 86400);
    for (const bad of [0, MAX_TTL_SECONDS + 1, 1.5]) assert.ok(!store({ type: 'FIXED_TTL_STORE_POLICY', timeToLiveInSeconds: bad }), String(bad));
    assert.ok(!store({ type: 'FIXED_TTL_STORE_POLICY' }));
  });
});

/** GatewayRequest is what the policy reads; RequestContext implements it (a compile-time check that the harness builds the real shape). */
const _shape: (rc: RequestContext) => GatewayRequest = (rc) => rc;
void _shape;
