import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/gateway.ts';
import { JwksServer } from '../helpers/jwks_server.ts';

describe('gatehouse CLI (e2e)', () => {
  it('validate: 0 for a valid file, 1 with every problem and its path otherwise', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-'));
    try {
      writeFileSync(join(dir, 'ok.yaml'), 'deployments:\n  - name: a\n    pathPrefix: /a\n    specification:\n      routes:\n        - { path: /x, backend: { type: STOCK_RESPONSE_BACKEND, status: 204 } }\n');
      const ok = await runCli(['validate', '--config', join(dir, 'ok.yaml')]);
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /valid \(1 deployment\(s\), 1 route\(s\)\)/);
      writeFileSync(join(dir, 'bad.yaml'), 'deployments:\n  - name: a\n    pathPrefix: /a\n    specification:\n      routes:\n        - { path: /x, backend: { type: HTTP_BACKEND, url: "not a url" } }\n      requestPolicies: { usagePlans: { tokenLocations: ["request.headers[k]"] } }\n');
      const bad = await runCli(['validate', '--config', join(dir, 'bad.yaml')]);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /deployments\[0\]\.specification\.requestPolicies\.usagePlans: not supported yet/);
      const missing = await runCli(['validate', '--config', join(dir, 'nope.yaml')]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /cannot read .*nope\.yaml: ENOENT/);
      const url = await runCli(['serve', '--config', join(dir, 'bad.yaml')]);
      assert.equal(url.code, 1, 'serve refuses to start on an invalid config');
      assert.match(url.stderr, /cannot start/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('validate works offline: it never fetches a JWKS (regression: compiling used to start key stores)', async () => {
    const jwks = await JwksServer.start();
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-'));
    try {
      const auth = { type: 'JWT_AUTHENTICATION', issuers: [jwks.issuer], audiences: ['a'], publicKeys: { type: 'REMOTE_JWKS', uri: jwks.jwksUri } };
      const discovery = { type: 'TOKEN_AUTHENTICATION', validationPolicy: { type: 'REMOTE_DISCOVERY', sourceUriDetails: { type: 'DISCOVERY_URI', uri: jwks.discoveryUri } } };
      const config = {
        deployments: [
          { name: 'a', pathPrefix: '/a', specification: { requestPolicies: { authentication: auth }, routes: [{ path: '/x', backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200 } }] } },
          { name: 'b', pathPrefix: '/b', specification: { requestPolicies: { authentication: discovery }, routes: [{ path: '/x', backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200 } }] } },
        ],
      };
      writeFileSync(join(dir, 'g.json'), JSON.stringify(config));
      const r = await runCli(['validate', '--config', join(dir, 'g.json')]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(jwks.fetches, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await jwks.stop();
    }
  });

  it('schema prints the JSON Schema; unknown commands and flags are usage errors', async () => {
    const schema = await runCli(['schema']);
    assert.equal(schema.code, 0);
    const doc = JSON.parse(schema.stdout) as { properties: Record<string, unknown> };
    assert.ok('deployments' in doc.properties && 'server' in doc.properties);
    const unknown = await runCli(['frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "frobnicate"/);
    const flag = await runCli(['serve', '--bogus']);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /Unknown option '--bogus'/);
    const help = await runCli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: gatehouse <command>/);
  });
});
