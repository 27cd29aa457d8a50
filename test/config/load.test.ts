import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile, loadConfigText } from '../../src/config/load.ts';
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
    assert.deepEqual(issuesOf(base('{ mutualTls: { isVerifiedCertificateRequired: false, allowedSans: [] }, cors: null }')), []);
    const dyn = issuesOf(
      base('{ authentication: { type: TOKEN_AUTHENTICATION, validationPolicy: { type: REMOTE_DISCOVERY, sourceUriDetails: { type: DISCOVERY_URI, uri: "https://t/" }, clientDetails: { type: VALIDATION_BLOCK } } } }'),
    );
    assert.ok(dyn.includes('deployments[0].specification.requestPolicies.authentication.validationPolicy.clientDetails.type: not supported yet'), dyn.join('\n'));
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

  it('camel-cases the OCI resources pasted from the oci CLI: responseCacheDetails, usagePlans, subscribers', () => {
    const out = normalizeKeys(
      {
        responseCacheDetails: { type: 'EXTERNAL_RESP_CACHE', 'authentication-secret-id': 'ocid1.vaultsecret.oc1..a', 'is-ssl-enabled': false },
        usagePlans: [{ id: 'p', 'display-name': 'Free', entitlements: [{ name: 'e', quota: { 'operation-on-breach': 'REJECT' } }] }],
        subscribers: [{ id: 's', 'display-name': 'Acme', 'usage-plans': ['p'] }],
      },
      false,
    );
    assert.deepEqual(out, {
      responseCacheDetails: { type: 'EXTERNAL_RESP_CACHE', authenticationSecretId: 'ocid1.vaultsecret.oc1..a', isSslEnabled: false },
      usagePlans: [{ id: 'p', displayName: 'Free', entitlements: [{ name: 'e', quota: { operationOnBreach: 'REJECT' } }] }],
      subscribers: [{ id: 's', displayName: 'Acme', usagePlans: ['p'] }],
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

/** Writes `files` into a fresh directory, loads `main` from it, and returns the problems as lines (or [] when valid). */
function issuesOfFiles(files: Record<string, string>, main = 'gatehouse.yaml', env: NodeJS.ProcessEnv = {}): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-load-'));
  try {
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(join(dir, name, '..'), { recursive: true });
      writeFileSync(join(dir, name), content);
    }
    loadConfigFile(join(dir, main), env);
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.message.split(`${dir}/`).join('').split('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const specDeployment = (file: string) => `deployments:\n  - name: a\n    pathPrefix: /a\n    specificationFile: ${file}\n`;

describe('configuration errors a newcomer reads (issue 11)', () => {
  it('regression: a YAML parse error gives line, column and the reason, with the offending line (it ended in "column 1:")', () => {
    const lines = (text: string): string[] => {
      try {
        loadConfigText(text, 'g.yaml', {});
      } catch (err) {
        assert.ok(err instanceof ConfigError && err.issues.length === 1, String(err));
        return err.message.split('\n');
      }
      return [];
    };
    assert.deepEqual(lines('deployments:\n  - name: a\n   pathPrefix: /x\n'), [
      'g.yaml: cannot parse: line 3, column 1: Sequence item without - indicator',
      '     3 |    pathPrefix: /x',
      '         ^',
    ]);
    assert.deepEqual(lines('server:\n  port: 1\n  host: [a\n'), [
      'g.yaml: cannot parse: line 4, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]',
      '     3 |   host: [a',
    ], 'an unclosed bracket is found at the end of the file: the last line with text is shown');
    assert.deepEqual(lines('a: 1\n\ta: 2\n'), [
      'g.yaml: cannot parse: line 2, column 1: Tabs are not allowed as indentation',
      '     2 | \ta: 2',
      '         ^',
    ]);
    assert.deepEqual(lines('a: 1\na: 2\n'), ['g.yaml: cannot parse: line 2, column 1: Map keys must be unique', '     2 | a: 2', '         ^']);
  });

  it('regression: a .json file with a trailing comma is refused with line and column (it was read as YAML and accepted)', () => {
    const line3 = '    { "name": "a", "pathPrefix": "/a", "specification": { "routes": [] } },';
    const text = `{\n  "deployments": [\n${line3}\n  ]\n}\n`;
    assert.deepEqual(issuesOfFiles({ 'gatehouse.json': text }, 'gatehouse.json'), [
      `gatehouse.json: cannot parse: line 3, column ${line3.length}: trailing comma (JSON allows none: remove it, or write the file as YAML)`,
      `     3 | ${line3}`,
      `         ${' '.repeat(line3.length - 1)}^`,
    ]);
    // The same text as .yaml is YAML, where the comma is allowed.
    assert.deepEqual(issuesOfFiles({ 'gatehouse.yaml': text }), []);
    // A specificationFile ending in .json is JSON too, and its errors name the file.
    const spec = issuesOfFiles({ 'gatehouse.yaml': specDeployment('specs/hello.json'), 'specs/hello.json': '{"routes": [\n  {"path": "/x", "backend": {"type": "STOCK_RESPONSE_BACKEND", "status": 200},}\n]}' });
    assert.equal(spec[0], 'deployments[0].specificationFile: specs/hello.json: cannot parse: line 2, column 78: trailing comma (JSON allows none: remove it, or write the file as YAML)');
    // Duplicate keys stay refused, as they are in YAML.
    assert.match(issuesOfFiles({ 'g.json': '{"server": {"port": 1}, "server": {"port": 2}}' }, 'g.json')[0] ?? '', /^g\.json: cannot parse: line 1, column 25: duplicate key "server"/);
    // A byte-order mark and a one-line export load; a long line is shown around the error only.
    assert.deepEqual(issuesOfFiles({ 'g.json': '\ufeff{"deployments": []}' }, 'g.json'), []);
    const oneLine = `{"deployments": [], "server": {${Array.from({ length: 40 }, (_, i) => `"x${i}": 1, `).join('')}"y": 2,}}`;
    const long = issuesOfFiles({ 'g.json': oneLine }, 'g.json');
    assert.match(long[0] ?? '', new RegExp(`line 1, column ${oneLine.lastIndexOf(',') + 1}: trailing comma`));
    assert.ok((long[1]?.length ?? 0) < 100, `excerpt cut to a window: ${long[1]}`);
    assert.match(long[1] ?? '', /^ +1 \| ….*"y": 2,}}$/);
    assert.equal(long[2]?.indexOf('^'), long[1]?.lastIndexOf(','), 'the caret is under the comma');
  });

  it('regression: an unknown field suggests the closest known field ("did you mean pathPrefix?"), only when one is close', () => {
    assert.deepEqual(
      issuesOf(`deployments:\n  - name: a\n    pathprefix: /a\n    specification:\n      routes:\n        - path: /x\n          methds: [GET]\n          surprise: 1\n          ${stock}\n`).sort(),
      [
        'deployments[0].pathPrefix: is required',
        'deployments[0].pathprefix: unknown field; did you mean pathPrefix?',
        'deployments[0].specification.routes[0].methds: unknown field; did you mean methods?',
        'deployments[0].specification.routes[0].surprise: unknown field',
      ].sort(),
    );
    // Within a type's own fields: HTTP_BACKEND knows connectTimeoutInSeconds.
    assert.deepEqual(issuesOf(`deployments:\n  - name: a\n    pathPrefix: /a\n    specification:\n      routes:\n        - path: /x\n          backend: { type: HTTP_BACKEND, url: "http://u/", conectTimeoutInSeconds: 5 }\n`), [
      'deployments[0].specification.routes[0].backend.conectTimeoutInSeconds: unknown field; did you mean connectTimeoutInSeconds?',
    ]);
    assert.deepEqual(issuesOf('deployment: []\n').sort(), ['deployment: unknown field; did you mean deployments?', 'deployments: is required']);
  });

  it('regression: problems inside a specificationFile name the file and use its own paths and spelling (kebab-case for an oci CLI export)', () => {
    const config = `${specDeployment('specs/hello.json')}  - name: b\n    pathPrefix: /b\n    specificationFile: specs/cli.json\n  - name: c\n    pathPrefix: /c\n    specification:\n      routes:\n        - { path: /x, backend: { type: HTTP_BACKEND } }\n`;
    const hello = JSON.stringify({ routes: [{ path: '/h', methds: ['GET'], backend: { type: 'HTTP_BACKEND' } }] });
    // The oci CLI's whole answer: kebab-case keys under data.specification, nulls for unset fields.
    const cli = JSON.stringify({
      data: {
        specification: {
          'logging-policies': null,
          'request-policies': { authentication: { type: 'JWT_AUTHENTICATION', 'token-header': 'Authorization', issuers: ['https://i/'], audiences: ['a'], 'public-keys': { type: 'REMOTE_JWKS', uri: 'https://i/jwks', 'max-cache-duration-in-hours': 1 }, 'is-anonymous-access-alowed': false } },
          routes: [null, { path: '/x', backend: { type: 'ORACLE_FUNCTIONS_BACKEND' }, 'request-policis': {} }],
        },
      },
    });
    assert.deepEqual(issuesOfFiles({ 'gatehouse.yaml': config, 'specs/hello.json': hello, 'specs/cli.json': cli }).sort(), [
      'deployments[2].specification.routes[0].backend.url: is required',
      'specs/cli.json: data.specification.request-policies.authentication.is-anonymous-access-alowed: unknown field; did you mean is-anonymous-access-allowed?',
      'specs/cli.json: data.specification.routes[1].backend.function-id: is required',
      'specs/cli.json: data.specification.routes[1].request-policis: unknown field; did you mean request-policies?',
      'specs/hello.json: routes[0].backend.url: is required',
      'specs/hello.json: routes[0].methds: unknown field; did you mean methods?',
    ].sort());
    // Unset environment variables inside the file are named the same way.
    const env = issuesOfFiles({ 'gatehouse.yaml': specDeployment('spec.yaml'), 'spec.yaml': 'specification:\n  routes:\n    - path: /x\n      backend: { type: HTTP_BACKEND, url: "http://${UPSTREAM}/" }\n' });
    assert.deepEqual(env, ['spec.yaml: specification.routes[0].backend.url: environment variable UPSTREAM is not set (use ${UPSTREAM:-default} for a default)']);
    // An inline kebab-case specification keeps its deployments[...] path, in its own spelling.
    assert.deepEqual(issuesOf(`deployments:\n  - name: a\n    pathPrefix: /a\n    specification:\n      routes:\n        - path: /x\n          ${stock}\n          logging-policies: { access-log: { is-enabld: true } }\n`), [
      'deployments[0].specification.routes[0].logging-policies.access-log.is-enabld: unknown field; did you mean is-enabled?',
    ]);
  });

  it('regression: sourcePath names where a path found after loading is written (compile-time problems in a specificationFile)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-load-'));
    try {
      writeFileSync(join(dir, 'gatehouse.yaml'), `${specDeployment('cli.json')}  - name: b\n    pathPrefix: /b\n    specification: { routes: [] }\n`);
      writeFileSync(join(dir, 'cli.json'), JSON.stringify({ data: { specification: { routes: [null, { path: '/x', backend: { type: 'HTTP_BACKEND', url: 'nope', 'connect-timeout-in-seconds': 5 } }] } } }));
      const loaded = loadConfigFile(join(dir, 'gatehouse.yaml'), {});
      assert.equal(loaded.sourcePath('deployments[0].specification.routes[0].backend.url'), 'cli.json: data.specification.routes[1].backend.url');
      assert.equal(loaded.sourcePath('deployments[0].specification.routes[0].backend.connectTimeoutInSeconds'), 'cli.json: data.specification.routes[1].backend.connect-timeout-in-seconds');
      assert.equal(loaded.sourcePath('deployments[0].specification.routes[0].backend.readTimeoutInSeconds'), 'cli.json: data.specification.routes[1].backend.read-timeout-in-seconds');
      assert.equal(loaded.sourcePath('deployments[0].specification'), 'cli.json: data.specification');
      assert.equal(loaded.sourcePath('deployments[0].name'), 'deployments[0].name');
      assert.equal(loaded.sourcePath('deployments[1].specification.routes'), 'deployments[1].specification.routes');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
