import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfigText } from '../../src/config/load.ts';
import { ConfigError } from '../../src/errors.ts';
import { interpolateEnv, normalizeKeys } from '../../src/config/normalize.ts';

function issuesOf(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    loadConfigText(text, '/tmp/gatehouse.yaml', env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.issues.map((i) => `${i.path}: ${i.message}`);
  }
  return [];
}

const stock = "backend: { type: STOCK_RESPONSE_BACKEND, status: 200 }";

describe('loadConfigText', () => {
  it('loads YAML and JSON alike', () => {
    const yaml = loadConfigText(`deployments:\n  - name: a\n    pathPrefix: /a\n    specification:\n      routes:\n        - path: /x\n          ${stock}\n`, 'g.yaml', {});
    assert.equal(yaml.config.deployments[0]?.name, 'a');
    const json = loadConfigText(JSON.stringify({ deployments: [{ name: 'a', pathPrefix: '/a', specification: { routes: [] } }] }), 'g.json', {});
    assert.equal(json.config.deployments[0]?.pathPrefix, '/a');
  });

  it('names the path of every problem in one pass', () => {
    const issues = issuesOf(`
server: { port: 70000 }
deployments:
  - name: "bad name"
    pathPrefix: v1
    specification:
      routes:
        - path: /x
          methods: [FETCH]
          backend: { type: HTTP_BACKEND }
          surprise: 1
`);
    assert.deepEqual(issues.sort(), [
      'deployments[0].name: must start with a letter or digit and use only letters, digits, ".", "_" and "-"',
      'deployments[0].pathPrefix: must start with /',
      'deployments[0].specification.routes[0].backend.url: is required',
      'deployments[0].specification.routes[0].methods[0]: must be one of "ANY", "HEAD", "GET", "POST", "PATCH", "DELETE", "PUT", "OPTIONS"',
      'deployments[0].specification.routes[0].surprise: unknown field',
      'server.port: must be <= 65535',
    ].sort());
  });

  it('rejects OCI fields that are not implemented as "not supported yet", but loads their empty defaults', () => {
    const base = (policies: string) => `deployments:\n  - name: a\n    pathPrefix: /a\n    specification:\n      requestPolicies: ${policies}\n      routes: []\n`;
    assert.deepEqual(issuesOf(base('{ rateLimiting: { rateInRequestsPerSecond: 10, rateKey: CLIENT_IP } }')), ['deployments[0].specification.requestPolicies.rateLimiting: not supported yet']);
    assert.deepEqual(issuesOf(base('{ mutualTls: { isVerifiedCertificateRequired: false, allowedSans: [] }, cors: null }')), []);
    const dyn = issuesOf(`deployments:\n  - name: a\n    pathPrefix: /a\n    specification:\n      routes:\n        - path: /x\n          backend: { type: DYNAMIC_ROUTING_BACKEND, selectionSource: {} }\n`);
    assert.ok(dyn.includes('deployments[0].specification.routes[0].backend.type: not supported yet'), dyn.join('\n'));
  });

  it('interpolates ${VAR} and ${VAR:-default}, reports unset variables, leaves context variables alone', () => {
    const text = `deployments:\n  - name: \${NAME}\n    pathPrefix: \${PREFIX:-/d}\n    specification:\n      routes:\n        - path: /x/{id}\n          backend: { type: HTTP_BACKEND, url: "http://\${HOST}/i/\${request.path[id]}" }\n`;
    const loaded = loadConfigText(text, 'g.yaml', { NAME: 'svc', HOST: 'up.internal' });
    const d = loaded.config.deployments[0]!;
    assert.equal(d.name, 'svc');
    assert.equal(d.pathPrefix, '/d');
    assert.equal((d.specification.routes[0]!.backend as { url: string }).url, 'http://up.internal/i/${request.path[id]}');
    assert.deepEqual(issuesOf(text, { NAME: 'svc' }), ['deployments[0].specification.routes[0].backend.url: environment variable HOST is not set (use ${HOST:-default} for a default)']);
  });

  it('reports an unreadable specificationFile and a file that is not a mapping', () => {
    assert.deepEqual(issuesOf('deployments:\n  - { name: a, pathPrefix: /a, specificationFile: missing.json }\n'), ['deployments[0].specificationFile: cannot read /tmp/missing.json: ENOENT']);
    assert.match(issuesOf('- just\n- a list\n')[0] ?? '', /must be a mapping/);
    assert.match(issuesOf('a: [unclosed\n')[0] ?? '', /cannot parse/);
    assert.match(issuesOf('a: 1\na: 2\n')[0] ?? '', /cannot parse/);
  });
});

describe('normalizeKeys', () => {
  it('camel-cases kebab keys under specification only, drops nulls, keeps map keys', () => {
    const out = normalizeKeys(
      { 'not-spec': { 'a-b': null, 'c-d': 1 }, specification: { 'request-policies': { 'body-validation': { content: { 'application/x-www-form-urlencoded': { 'validation-type': 'NONE' } } } } } },
      false,
    );
    assert.deepEqual(out, {
      'not-spec': { 'c-d': 1 },
      specification: { requestPolicies: { bodyValidation: { content: { 'application/x-www-form-urlencoded': { validationType: 'NONE' } } } } },
    });
  });
});

describe('interpolateEnv', () => {
  it('gives a whole reference its scalar type, so ports and flags can come from the environment', () => {
    const issues: { path: string; message: string }[] = [];
    assert.deepEqual(interpolateEnv({ port: '${PORT:-8080}', on: '${ON}', id: '${ID}', mixed: 'p${PORT:-1}' }, { ON: 'true', ID: '007' }, '', issues), { port: 8080, on: true, id: '007', mixed: 'p1' });
    assert.deepEqual(issues, []);
  });
  it('keeps $${...} as a literal', () => {
    assert.equal(interpolateEnv('a$${B}c', {}, 'p', []), 'a${B}c');
  });
});
