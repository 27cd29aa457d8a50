import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfigText } from '../../src/config/load.ts';
import { compilePlan } from '../../src/config/compile.ts';
import { redactConfig } from '../../src/config/redact.ts';
import { ConfigError } from '../../src/errors.ts';
import { createLogger } from '../../src/lib/log.ts';
import { SharedRegistry } from '../../src/lib/shared_registry.ts';

const log = createLogger({ level: 'silent' });

function compileIssues(config: object): string[] {
  const registry = new SharedRegistry();
  try {
    compilePlan(loadConfigText(JSON.stringify(config), '/tmp/g.json', {}), registry, log);
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.issues.map((i) => `${i.path}: ${i.message}`);
  } finally {
    void registry.closeAll();
  }
}

const stock = { type: 'STOCK_RESPONSE_BACKEND', status: 200 };

describe('compilePlan', () => {
  it('reports overlapping routes across deployments, duplicate names and bad backend URLs with their paths', () => {
    const issues = compileIssues({
      deployments: [
        { name: 'a', pathPrefix: '/v1', specification: { routes: [{ path: '/x/{id}', backend: stock }, { path: '/y', backend: { type: 'HTTP_BACKEND', url: 'http://up/${request.path[id]}' } }] } },
        { name: 'a', pathPrefix: '/v1/x', specification: { routes: [{ path: '/{other}', methods: ['GET'], backend: stock }] } },
      ],
    });
    assert.deepEqual(issues, [
      'deployments[1].name: "a" is used by another deployment',
      'deployments[0].specification.routes[1].backend.url: ${request.path[id]}: the route has no parameter {id}',
      'deployments[1].specification.routes[0].path: /v1/x/{other}: overlaps another route with the same path and method GET',
    ]);
  });

  it('refuses stock headers the gateway owns or that could split a response', () => {
    const issues = compileIssues({
      deployments: [{ name: 'a', pathPrefix: '/', specification: { routes: [{ path: '/', backend: { ...stock, headers: [{ name: 'Content-Length', value: '1' }, { name: 'X-A', value: 'a\r\nSet-Cookie: x' }, { name: 'bad name', value: 'v' }] } }] } }],
    });
    assert.deepEqual(issues, [
      'deployments[0].specification.routes[0].backend.headers[0].name: Content-Length is set by the gateway',
      'deployments[0].specification.routes[0].backend.headers[1].value: must not contain CR, LF or NUL',
      'deployments[0].specification.routes[0].backend.headers[2].name: is not a valid header name',
    ]);
  });

  it('refuses response cache policies on a gateway whose responseCacheDetails is NONE, as OCI does', () => {
    const cached = {
      path: '/c',
      backend: stock,
      requestPolicies: { responseCacheLookup: { type: 'SIMPLE_LOOKUP_POLICY' } },
      responsePolicies: { responseCacheStore: { type: 'FIXED_TTL_STORE_POLICY', timeToLiveInSeconds: 60 } },
    };
    const deployments = [{ name: 'a', pathPrefix: '/', specification: { routes: [cached] } }];
    assert.deepEqual(compileIssues({ responseCacheDetails: { type: 'NONE' }, deployments }), [
      'deployments[0].specification.routes[0].requestPolicies.responseCacheLookup: responseCacheDetails is NONE (no response cache for this gateway): remove the response cache policies or give responseCacheDetails a cache',
    ]);
    assert.deepEqual(compileIssues({ deployments }), [], 'without responseCacheDetails the memory cache serves');
  });

  it('loads validationFailurePolicy on a dynamicAuthentication server: the wrapper answers with the chosen server\'s policy', () => {
    const server = {
      type: 'TOKEN_AUTHENTICATION',
      tokenHeader: 'Authorization',
      tokenAuthScheme: 'Bearer',
      validationPolicy: { type: 'REMOTE_JWKS', uri: 'http://127.0.0.1:9/jwks.json', additionalValidationPolicy: { issuers: ['https://idp.example/'], audiences: ['api'] } },
      validationFailurePolicy: { type: 'MODIFY_RESPONSE', responseCode: '403' },
    };
    const issues = compileIssues({
      deployments: [
        {
          name: 'a',
          pathPrefix: '/',
          specification: {
            requestPolicies: {
              dynamicAuthentication: {
                selectionSource: { type: 'SINGLE', selector: 'request.headers[x-tenant]' },
                authenticationServers: [{ key: { type: 'ANY_OF', name: 'a', values: ['a'], isDefault: true }, authenticationServerDetail: server }],
              },
            },
            routes: [{ path: '/', backend: stock }],
          },
        },
      ],
    });
    assert.deepEqual(issues, []);
  });

  it('shares one upstream pool per origin and settings, and keeps it across a recompile', async () => {
    const registry = new SharedRegistry();
    const cfg = (n: number) =>
      loadConfigText(JSON.stringify({ deployments: [{ name: 'a', pathPrefix: '/', specification: { routes: Array.from({ length: n }, (_, i) => ({ path: `/r${i}`, backend: { type: 'HTTP_BACKEND', url: `http://127.0.0.1:1/p${i}` } })) } }] }), '/tmp/g.json', {});
    compilePlan(cfg(3), registry, log);
    await registry.commit();
    const pools = registry.list('http:');
    assert.equal(pools.length, 1);
    compilePlan(cfg(2), registry, log);
    await registry.commit();
    assert.equal(registry.list('http:')[0], pools[0], 'the same pool object survives the reload');
    await registry.closeAll();
  });
});

describe('redactConfig', () => {
  it('blanks secrets, URL credentials and function config values', () => {
    assert.deepEqual(
      redactConfig({ identityProvider: { database: 'postgres://u:pw@db/x', applications: [{ clientId: 'id', clientSecret: 's3cret' }] }, functions: { f: { config: { API_KEY: 'k' } } } }),
      { identityProvider: { database: 'postgres://[redacted]@db/x', applications: [{ clientId: 'id', clientSecret: '[redacted]' }] }, functions: { f: { config: { API_KEY: '[redacted]' } } } },
    );
  });

  it('blanks the secrets map, Redis credentials, subscriber client tokens and collector headers', () => {
    assert.deepEqual(
      redactConfig({
        secrets: { 'ocid1.vaultsecret.oc1..a': 'hunter2', 'ocid1.vaultsecret.oc1..b': { file: '/run/secrets/b' } },
        state: { redis: { url: 'redis://:pw@cache:6379/0', password: 'pw' } },
        subscribers: [{ id: 's', clients: [{ name: 'c', token: 'ghk_abc' }] }],
        telemetry: { otlp: { endpoint: 'http://c:4318/v1/traces', headers: { 'x-api-key': 'k-1' } } },
      }),
      {
        secrets: { 'ocid1.vaultsecret.oc1..a': '[redacted]', 'ocid1.vaultsecret.oc1..b': { file: '/run/secrets/b' } },
        state: { redis: { url: 'redis://[redacted]@cache:6379/0', password: '[redacted]' } },
        subscribers: [{ id: 's', clients: [{ name: 'c', token: '[redacted]' }] }],
        telemetry: { otlp: { endpoint: 'http://c:4318/v1/traces', headers: { 'x-api-key': '[redacted]' } } },
      },
    );
  });
});

describe('compile: problems inside a specificationFile', () => {
  it('regression: a compile-time problem in a specificationFile is named by that file and its own path and spelling', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { loadConfigFile } = await import('../../src/config/load.ts');
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-compile-'));
    try {
      writeFileSync(join(dir, 'gatehouse.yaml'), 'deployments:\n  - name: a\n    pathPrefix: /a\n    specificationFile: cli.json\n');
      // As the oci CLI exports it: kebab-case, wrapped in `data`, with a null first route.
      writeFileSync(join(dir, 'cli.json'), JSON.stringify({ data: { specification: { routes: [null, { path: '/x', backend: { type: 'HTTP_BACKEND', url: 'nope' } }] } } }));
      const loaded = loadConfigFile(join(dir, 'gatehouse.yaml'), {});
      const registry = new SharedRegistry();
      let issues: string[] = [];
      try {
        compilePlan(loaded, registry, createLogger({ level: 'silent' }), { offline: true });
      } catch (err) {
        issues = (err as ConfigError).issues.map((i) => `${i.path}: ${i.message}`);
      }
      await registry.closeAll();
      assert.equal(issues.length, 1, issues.join('\n'));
      assert.match(issues[0] ?? '', /^cli\.json: data\.specification\.routes\[1\]\.backend\.url: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
