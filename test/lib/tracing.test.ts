import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as semconv from '@opentelemetry/semantic-conventions';
import * as incubating from '@opentelemetry/semantic-conventions/incubating';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { loadConfigText } from '../../src/config/load.ts';
import { compilePlan } from '../../src/config/compile.ts';
import { ConfigError } from '../../src/errors.ts';
import { createLogger } from '../../src/lib/log.ts';
import { SharedRegistry } from '../../src/lib/shared_registry.ts';
import { ATTR, startKeyFetchSpan, urlWithoutQuery } from '../../src/lib/tracing.ts';

const log = createLogger({ level: 'silent' });
const stock = { type: 'STOCK_RESPONSE_BACKEND', status: 200 };
const deployments = [{ name: 'a', pathPrefix: '/v1', specification: { routes: [{ path: '/x', backend: stock }] } }];

function compile(config: object, registry = new SharedRegistry()) {
  return compilePlan(loadConfigText(JSON.stringify({ deployments, ...config }), '/tmp/g.json', {}), registry, log);
}

function issues(config: object): string[] {
  try {
    compile(config);
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.issues.map((i) => `${i.path}: ${i.message}`);
  }
}

/** Whether the OpenTelemetry SDK has been loaded into this process (each test file runs in its own). */
function sdkLoaded(): boolean {
  return Object.keys(createRequire(import.meta.url).cache).some((p) => p.includes('sdk-trace-base'));
}

/** The service.name of the tracer a span came from (the SDK's spans are ReadableSpans). */
function serviceOf(span: ReturnType<typeof startKeyFetchSpan>): unknown {
  return (span?.span as unknown as ReadableSpan | undefined)?.resource.attributes['service.name'];
}

describe('tracing configuration', () => {
  it('regression: without a telemetry section the plan has no tracer and the OpenTelemetry SDK is never loaded', () => {
    const plan = compile({});
    assert.equal(plan.tracer, null);
    assert.equal(sdkLoaded(), false);
  });

  it('a telemetry section compiles into a tracer shared across reloads while the section is unchanged, and shut down when it goes', async () => {
    const registry = new SharedRegistry();
    const tracing = { otlp: { endpoint: 'http://127.0.0.1:9/v1/traces', timeoutMs: 100 } };
    const first = compile({ telemetry: tracing }, registry);
    await registry.commit();
    assert.notEqual(first.tracer, null);
    assert.equal(sdkLoaded(), true);
    assert.equal(serviceOf(startKeyFetchSpan('jwks', 'http://idp/jwks.json')), 'gatehouse');

    const same = compile({ telemetry: tracing }, registry);
    await registry.commit();
    assert.equal(same.tracer, first.tracer, 'an unchanged section keeps its tracer (and its queued spans)');

    const changed = compile({ telemetry: { ...tracing, serviceName: 'other' } }, registry);
    await registry.commit();
    assert.notEqual(changed.tracer, first.tracer);

    // A rejected reload leaves the live tracer in place for key fetches.
    const broken = [{ name: 'a', pathPrefix: '/v1', specification: { routes: [{ path: '/x', backend: { type: 'HTTP_BACKEND', url: 'http://up/${request.path[nope]}' } }] } }];
    assert.throws(() => compile({ telemetry: { ...tracing, serviceName: 'rejected' }, deployments: broken }, registry), ConfigError);
    await registry.abort();
    assert.equal(serviceOf(startKeyFetchSpan('jwks', 'http://idp/jwks.json')), 'other');

    const off = compile({}, registry);
    await registry.commit();
    assert.equal(off.tracer, null);
    assert.equal(startKeyFetchSpan('jwks', 'http://idp/jwks.json'), null, 'no key-fetch spans once tracing is off');
  });

  it('refuses an endpoint that is not an absolute http(s) URL, and what the schema does not allow, with their paths', () => {
    assert.deepEqual(issues({ telemetry: { otlp: { endpoint: 'collector:4318' } } }), [
      "telemetry.otlp.endpoint: must be an absolute http(s) URL (the collector's OTLP/HTTP traces endpoint, e.g. http://collector:4318/v1/traces)",
    ]);
    assert.throws(() => compile({ telemetry: { otlp: { endpoint: 'http://c/v1/traces' }, sampleRatio: 1.5 } }), /telemetry\.sampleRatio/);
    assert.throws(() => compile({ telemetry: { otlp: { endpoint: 'http://c/v1/traces', header: {} } } }), /telemetry\.otlp/);
    assert.throws(() => compile({ telemetry: { serviceName: 'x' } }), /telemetry/);
  });
});

describe('tracing attributes', () => {
  it('uses the OpenTelemetry semantic-convention names', () => {
    assert.deepEqual(ATTR, {
      HTTP_REQUEST_METHOD: semconv.ATTR_HTTP_REQUEST_METHOD,
      HTTP_RESPONSE_STATUS_CODE: semconv.ATTR_HTTP_RESPONSE_STATUS_CODE,
      HTTP_ROUTE: semconv.ATTR_HTTP_ROUTE,
      URL_PATH: semconv.ATTR_URL_PATH,
      URL_SCHEME: semconv.ATTR_URL_SCHEME,
      URL_FULL: semconv.ATTR_URL_FULL,
      CLIENT_ADDRESS: semconv.ATTR_CLIENT_ADDRESS,
      USER_AGENT_ORIGINAL: semconv.ATTR_USER_AGENT_ORIGINAL,
      ERROR_TYPE: semconv.ATTR_ERROR_TYPE,
      FAAS_INVOKED_NAME: incubating.ATTR_FAAS_INVOKED_NAME,
    });
  });

  it('records URLs without their query or fragment', () => {
    assert.equal(urlWithoutQuery('https://up.example/a/b?api_key=s3cret&x=1'), 'https://up.example/a/b');
    assert.equal(urlWithoutQuery('https://up.example/a#frag'), 'https://up.example/a');
    assert.equal(urlWithoutQuery('https://up.example/a'), 'https://up.example/a');
  });

  it('regression: a JWKS URI\'s user:password@ stayed in the key-fetch span\'s url.full', () => {
    assert.equal(urlWithoutQuery('https://svc:s3cret@idp.example/.well-known/jwks.json?x=1'), 'https://idp.example/.well-known/jwks.json');
    assert.equal(urlWithoutQuery('http://user@127.0.0.1:4000/jwks'), 'http://127.0.0.1:4000/jwks');
    // An @ in the path is not userinfo.
    assert.equal(urlWithoutQuery('https://idp.example/keys/ops@example.com'), 'https://idp.example/keys/ops@example.com');
  });
});
