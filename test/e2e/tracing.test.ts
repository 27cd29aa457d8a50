/**
 * Tracing end to end (issue 15): real `gatehouse serve` processes, a real upstream, a real JWKS
 * server, a real @fnproject/fdk function, and spans received by a real OTLP/HTTP endpoint on
 * loopback (test/helpers/otlp.ts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ROOT, startGateway, type RunningGatewayProcess } from '../helpers/gateway.ts';
import { startUpstream, type Upstream } from '../helpers/upstream.ts';
import { JwksServer, makeKey, signToken, type TestKey } from '../helpers/jwks_server.ts';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp.ts';
import { eventually } from '../helpers/eventually.ts';

const FIX = join(ROOT, 'test/fixtures/functions');
const AUD = 'https://api.example';
/** Spans leave the gateway 50 ms after they end, not 5 s (the SDK's default), so tests wait less. */
const FAST_EXPORT = { OTEL_BSP_SCHEDULE_DELAY: '50' };

function traceparent(traceId: string, parentId: string, sampled = true): string {
  return `00-${traceId}-${parentId}-${sampled ? '01' : '00'}`;
}

function randomHex(bytes: number): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('hex');
}

function configFor(upstream: Upstream, idp: JwksServer, tracing: object | undefined) {
  return {
    ...(tracing === undefined ? {} : { telemetry: tracing }),
    deployments: [
      {
        name: 'api',
        pathPrefix: '/v1',
        specification: {
          requestPolicies: {
            authentication: { type: 'JWT_AUTHENTICATION', issuers: [idp.issuer], audiences: [AUD], publicKeys: { type: 'REMOTE_JWKS', uri: idp.jwksUri, maxCacheDurationInHours: 1 } },
          },
          routes: [{ path: '/echo', methods: ['GET'], backend: { type: 'HTTP_BACKEND', url: `${upstream.url}/echo` } }],
        },
      },
      {
        name: 'open',
        pathPrefix: '/open',
        specification: {
          routes: [
            { path: '/echo', methods: ['GET'], backend: { type: 'HTTP_BACKEND', url: `${upstream.url}/echo` } },
            { path: '/fn', methods: ['GET', 'POST'], backend: { type: 'ORACLE_FUNCTIONS_BACKEND', functionId: 'echo' } },
          ],
        },
      },
    ],
    functions: { echo: { path: join(FIX, 'echo') } },
  };
}

/** Waits until `receiver` holds spans named `names` in trace `traceId`; returns them by name. */
async function spansOf(receiver: OtlpReceiver, traceId: string, names: string[]): Promise<Map<string, ReceivedSpan>> {
  await eventually(`spans ${names.join(', ')} of trace ${traceId}`, () => names.every((n) => receiver.trace(traceId).some((s) => s.name === n)));
  return new Map(receiver.trace(traceId).map((s) => [s.name, s]));
}

let upstream: Upstream;
let idp: JwksServer;
let key: TestKey;
let token: string;

before(async () => {
  upstream = await startUpstream();
  idp = await JwksServer.start();
  key = await makeKey('RS256', 'k1');
  idp.keys = [key];
  const now = Math.floor(Date.now() / 1000);
  token = await signToken(key, { iss: idp.issuer, aud: AUD, sub: 'client-1@clients', iat: now, exp: now + 3600 });
});

after(async () => {
  await upstream?.close();
  await idp?.stop();
});

describe('tracing on', () => {
  let receiver: OtlpReceiver;
  let gw: RunningGatewayProcess;

  before(async () => {
    receiver = await startOtlpReceiver();
    const tracing = { otlp: { endpoint: receiver.endpoint, headers: { 'x-collector-key': 'k-123' } }, serviceName: 'edge-gw' };
    gw = await startGateway({ config: configFor(upstream, idp, tracing), env: FAST_EXPORT });
  });

  after(async () => {
    await gw?.stop();
    await receiver?.close();
  });

  test('one trace per request: server → authentication → backend, the client\'s traceparent honoured, the upstream told the backend span', async () => {
    const traceId = randomHex(16);
    const clientParent = randomHex(8);
    const res = await fetch(`${gw.url}/v1/echo?api_key=s3cret`, {
      headers: { authorization: `Bearer ${token}`, traceparent: traceparent(traceId, clientParent), tracestate: 'vendor=abc' },
    });
    assert.equal(res.status, 200);
    const seen = (await res.json()) as { headers: Record<string, string> };

    const spans = await spansOf(receiver, traceId, ['GET /v1/echo', 'authentication', 'GET']);
    const server = spans.get('GET /v1/echo')!;
    const auth = spans.get('authentication')!;
    const backend = spans.get('GET')!;
    assert.equal(server.kind, 'SERVER');
    assert.equal(server.parentSpanId, clientParent, 'the request span is a child of the client\'s span');
    assert.equal(auth.kind, 'INTERNAL');
    assert.equal(auth.parentSpanId, server.spanId);
    assert.equal(backend.kind, 'CLIENT');
    assert.equal(backend.parentSpanId, server.spanId);

    assert.deepEqual(
      { route: server.attributes['http.route'], method: server.attributes['http.request.method'], status: server.attributes['http.response.status_code'], id: server.attributes['gatehouse.request_id'], deployment: server.attributes['gatehouse.deployment'] },
      { route: '/v1/echo', method: 'GET', status: 200, id: res.headers.get('opc-request-id'), deployment: 'api' },
    );
    assert.equal(auth.attributes['gatehouse.auth.reason'], 'ok');
    assert.equal(auth.attributes['gatehouse.auth.cache_hit'], false);
    assert.equal(backend.attributes['url.full'], `${upstream.url}/echo`, 'the upstream URL without the query');
    assert.equal(backend.attributes['http.response.status_code'], 200);
    assert.equal(server.resource['service.name'], 'edge-gw');

    // The upstream's parent is the backend span, in the client's trace, with the client's tracestate.
    assert.equal(seen.headers['traceparent'], traceparent(traceId, backend.spanId));
    assert.equal(seen.headers['tracestate'], 'vendor=abc');

    // Exports carry the configured headers; nothing exported holds the token or the query's secret.
    const exported = receiver.requests.map((r) => r.body).join('\n');
    assert.ok(receiver.requests.every((r) => r.headers['x-collector-key'] === 'k-123'));
    assert.ok(!exported.includes(token.split('.')[2]!), 'no token in any span');
    assert.ok(!exported.includes('s3cret'), 'no query secret in any span');
  });

  test('a decision served from the cache is marked on the authentication span; a denial carries its reason', async () => {
    const hit = randomHex(16);
    const ok = await fetch(`${gw.url}/v1/echo`, { headers: { authorization: `Bearer ${token}`, traceparent: traceparent(hit, randomHex(8)) } });
    assert.equal(ok.status, 200);
    assert.equal((await spansOf(receiver, hit, ['authentication'])).get('authentication')!.attributes['gatehouse.auth.cache_hit'], true);

    const denied = randomHex(16);
    const res = await fetch(`${gw.url}/v1/echo`, { headers: { traceparent: traceparent(denied, randomHex(8)) } });
    assert.equal(res.status, 401);
    const spans = await spansOf(receiver, denied, ['GET /v1/echo', 'authentication']);
    assert.equal(spans.get('authentication')!.attributes['gatehouse.auth.reason'], 'token_missing');
    assert.equal(spans.get('GET /v1/echo')!.attributes['http.response.status_code'], 401);
    assert.equal(spans.get('GET /v1/echo')!.attributes['gatehouse.reason'], 'token_missing');
    assert.equal(spans.size, 2, 'no backend span for a request that never reached the backend');
  });

  test('a function backend gets a traceparent naming its backend span', async () => {
    const traceId = randomHex(16);
    const res = await fetch(`${gw.url}/open/fn`, { headers: { traceparent: traceparent(traceId, randomHex(8)), tracestate: 'fn=1' } });
    assert.equal(res.status, 200);
    const seen = (await res.json()) as { headers: Record<string, string[] | string> };
    const spans = await spansOf(receiver, traceId, ['GET /open/fn', 'echo']);
    const call = spans.get('echo')!;
    assert.equal(call.kind, 'CLIENT');
    assert.equal(call.parentSpanId, spans.get('GET /open/fn')!.spanId);
    assert.equal(call.attributes['faas.invoked_name'], 'echo');
    assert.equal(call.attributes['http.response.status_code'], 200);
    const header = (name: string) => {
      const v = Object.entries(seen.headers).find(([k]) => k.toLowerCase() === name)?.[1];
      return Array.isArray(v) ? v : [v];
    };
    assert.deepEqual(header('traceparent'), [traceparent(traceId, call.spanId)], 'one traceparent, the gateway\'s');
    assert.deepEqual(header('tracestate'), ['fn=1']);
  });

  test('without a valid client traceparent the gateway starts a trace (and drops a tracestate that came alone)', async () => {
    const res = await fetch(`${gw.url}/open/echo`, { headers: { traceparent: '00-zz-not-valid', tracestate: 'orphan=1' } });
    assert.equal(res.status, 200);
    const seen = (await res.json()) as { headers: Record<string, string> };
    const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(seen.headers['traceparent'] ?? '');
    assert.ok(m, `a fresh traceparent: ${seen.headers['traceparent']}`);
    assert.equal(seen.headers['tracestate'], undefined);
    const spans = await spansOf(receiver, m[1]!, ['GET /open/echo', 'GET']);
    assert.equal(spans.get('GET /open/echo')!.parentSpanId, '');
    assert.equal(spans.get('GET')!.spanId, m[2]);
  });

  test('a client trace that is not sampled is followed: no spans, the upstream told "not sampled" in the same trace', async () => {
    const unsampled = randomHex(16);
    const res = await fetch(`${gw.url}/open/echo`, { headers: { traceparent: traceparent(unsampled, randomHex(8), false) } });
    const seen = (await res.json()) as { headers: Record<string, string> };
    assert.match(seen.headers['traceparent'] ?? '', new RegExp(`^00-${unsampled}-[0-9a-f]{16}-00$`));
    // Spans are exported in the order they end: once a later request's spans are in, the first's would be.
    const later = randomHex(16);
    await fetch(`${gw.url}/open/echo`, { headers: { traceparent: traceparent(later, randomHex(8)) } }).then((r) => r.arrayBuffer());
    await spansOf(receiver, later, ['GET /open/echo']);
    assert.deepEqual(receiver.trace(unsampled), []);
  });

  test('JWKS fetches are spans with their URL and status', async () => {
    await eventually('a JWKS fetch span', () => receiver.spans.some((s) => s.name === 'JWKS fetch'));
    const fetchSpan = receiver.spans.find((s) => s.name === 'JWKS fetch')!;
    assert.equal(fetchSpan.kind, 'CLIENT');
    assert.equal(fetchSpan.attributes['url.full'], idp.jwksUri);
    assert.equal(fetchSpan.attributes['http.response.status_code'], 200);
  });
});

describe('sampling', () => {
  test('sampleRatio 0 records no trace that starts at the gateway, yet follows a caller that sampled its own', async () => {
    const receiver = await startOtlpReceiver();
    const gw = await startGateway({ config: configFor(upstream, idp, { otlp: { endpoint: receiver.endpoint }, sampleRatio: 0 }), env: FAST_EXPORT });
    try {
      const fresh = await fetch(`${gw.url}/open/echo`);
      const seen = (await fresh.json()) as { headers: Record<string, string> };
      const m = /^00-([0-9a-f]{32})-[0-9a-f]{16}-00$/.exec(seen.headers['traceparent'] ?? '');
      assert.ok(m, `a trace context, marked not sampled, still reaches the upstream: ${seen.headers['traceparent']}`);

      const sampled = randomHex(16);
      const res = await fetch(`${gw.url}/open/echo`, { headers: { traceparent: traceparent(sampled, randomHex(8)) } });
      await res.arrayBuffer();
      await spansOf(receiver, sampled, ['GET /open/echo', 'GET']);
      assert.deepEqual(receiver.trace(m[1]!), []);
    } finally {
      await gw.stop();
      await receiver.close();
    }
  });
});

describe('tracing with --workers', () => {
  test('requests served by the workers are traced and exported, authentication span included', async () => {
    const receiver = await startOtlpReceiver();
    const gw = await startGateway({ args: ['--workers', '2'], config: configFor(upstream, idp, { otlp: { endpoint: receiver.endpoint } }), env: FAST_EXPORT });
    try {
      const traceIds: string[] = [];
      for (let i = 0; i < 6; i++) {
        const traceId = randomHex(16);
        traceIds.push(traceId);
        const res = await fetch(`${gw.url}/v1/echo`, { headers: { authorization: `Bearer ${token}`, traceparent: traceparent(traceId, randomHex(8)) } });
        assert.equal(res.status, 200);
        await res.arrayBuffer();
      }
      for (const traceId of traceIds) await spansOf(receiver, traceId, ['GET /v1/echo', 'authentication', 'GET']);
    } finally {
      await gw.stop();
      await receiver.close();
    }
  });
});

describe('tracing off', () => {
  test('the client\'s traceparent and tracestate reach the upstream and the function unchanged, and nothing is exported', async () => {
    const receiver = await startOtlpReceiver();
    // The OpenTelemetry variables are set, yet without a telemetry: section the SDK is never started.
    const env = { ...FAST_EXPORT, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint.replace('/v1/traces', ''), OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint };
    const gw = await startGateway({ config: configFor(upstream, idp, undefined), env });
    try {
      const sent = traceparent(randomHex(16), randomHex(8));
      const res = await fetch(`${gw.url}/v1/echo`, { headers: { authorization: `Bearer ${token}`, traceparent: sent, tracestate: 'a=1,b=2' } });
      const seen = (await res.json()) as { headers: Record<string, string> };
      assert.equal(seen.headers['traceparent'], sent);
      assert.equal(seen.headers['tracestate'], 'a=1,b=2');
      const fn = await fetch(`${gw.url}/open/fn`, { headers: { traceparent: sent } });
      const fnSeen = (await fn.json()) as { headers: Record<string, string[] | string> };
      const relayed = Object.entries(fnSeen.headers).find(([k]) => k.toLowerCase() === 'traceparent')?.[1];
      assert.deepEqual(Array.isArray(relayed) ? relayed : [relayed], [sent]);
    } finally {
      await gw.stop();
    }
    // A stopped gateway has flushed whatever it had: nothing.
    assert.equal(receiver.requests.length, 0);
    await receiver.close();
  });
});

describe('collector trouble', () => {
  test('an unreachable collector never fails a request; the failure is logged, and stopping is not held up', async () => {
    const gone = await startOtlpReceiver();
    const endpoint = gone.endpoint;
    await gone.close(); // nothing listens there any more
    const gw = await startGateway({ config: configFor(upstream, idp, { otlp: { endpoint, timeoutMs: 1000 } }), env: FAST_EXPORT });
    try {
      for (let i = 0; i < 20; i++) {
        const res = await fetch(`${gw.url}/open/echo`);
        assert.equal(res.status, 200);
        await res.arrayBuffer();
      }
      const warning = await gw.waitFor((r) => r['msg'] === 'tracing: span export failed (spans dropped)', 8000);
      assert.equal(warning['endpoint'], endpoint);
    } finally {
      const stoppedAt = Date.now();
      assert.equal(await gw.stop(), 0);
      assert.ok(Date.now() - stoppedAt < 5000, 'stopped without waiting on the collector');
    }
  });

  test('a collector that never answers holds up neither requests nor the stop beyond timeoutMs', async () => {
    const silent = await startOtlpReceiver();
    silent.mode = 'hang';
    const gw = await startGateway({ config: configFor(upstream, idp, { otlp: { endpoint: silent.endpoint, timeoutMs: 500 } }), env: FAST_EXPORT });
    try {
      for (let i = 0; i < 10; i++) {
        const res = await fetch(`${gw.url}/open/echo`);
        assert.equal(res.status, 200);
        await res.arrayBuffer();
      }
      await eventually('an export attempt', () => silent.requests.length > 0);
    } finally {
      const stoppedAt = Date.now();
      assert.equal(await gw.stop(), 0);
      assert.ok(Date.now() - stoppedAt < 5000, 'stopped within the export timeout');
      await silent.close();
    }
  });

  test('spans still queued when the gateway stops are flushed before it exits', async () => {
    const receiver = await startOtlpReceiver();
    // The SDK's default batch delay (5 s): only the shutdown flush can send these in time.
    const gw = await startGateway({ config: configFor(upstream, idp, { otlp: { endpoint: receiver.endpoint } }) });
    const traceId = randomHex(16);
    try {
      const res = await fetch(`${gw.url}/open/echo`, { headers: { traceparent: traceparent(traceId, randomHex(8)) } });
      assert.equal(res.status, 200);
      await res.arrayBuffer();
    } finally {
      assert.equal(await gw.stop(), 0);
    }
    assert.deepEqual(receiver.trace(traceId).map((s) => s.name).sort(), ['GET', 'GET /open/echo']);
    await receiver.close();
  });
});
