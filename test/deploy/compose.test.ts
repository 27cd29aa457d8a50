/**
 * compose.yaml holds together: the services it depends on exist and have the health checks its
 * conditions wait for; the gateway's environment, as Compose interpolates it, gives the shipped
 * config everything it needs, and the addresses in it name the services of the file with the
 * database, user and password those services are given; only the data plane and the token
 * service are published; the stop grace period outlasts the drain. (Docker Compose itself is not
 * installed here: this reads the file as Compose would.)
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadConfigFile } from '../../src/config/load.ts';
import { DEFAULTS } from '../../src/config/defaults.ts';
import { ROOT } from '../helpers/gateway.ts';
import { DEPLOY, type Manifest } from './deploy_files.ts';

const text = readFileSync(join(ROOT, 'compose.yaml'), 'utf8');
const compose = parseYaml(text) as Manifest;
const services = compose['services'] as Record<string, Manifest>;
const gw = services['gatehouse'] as Manifest;

/** What a user puts in `.env`: one distinct value per variable, to see which one lands where. */
const dotEnv: Record<string, string> = {
  POSTGRES_PASSWORD: 'pg-secret',
  REDIS_PASSWORD: 'redis-secret',
  CLIENT_SECRET: 'client-secret',
  MANAGEMENT_CLIENT_SECRET: 'management-secret',
  GATEHOUSE_IDP_MASTER_KEY: 'master-key-master-key-master-key',
  GATEHOUSE_ADMIN_KEY: 'admin-key-admin-key-admin-key',
};

/** Compose's interpolation: `${VAR}`, `${VAR:-default}`, `${VAR:?error}`, and `$$` for a literal `$`. */
function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([-?])([^}]*))?\}/g, (whole, name: string | undefined, op: string | undefined, arg: string | undefined) => {
    if (whole === '$$') return '$';
    const v = vars[name as string];
    if (v !== undefined && v !== '') return v;
    if (op === '-') return arg ?? '';
    throw new Error(`${name}: ${op === '?' ? arg : 'not set'}`);
  });
}

function environment(service: Manifest, vars: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries((service['environment'] ?? {}) as Record<string, string>)) out[key] = interpolate(String(v), vars);
  return out;
}

/** The `${VAR...}` variable a raw environment entry reads. */
function variableOf(service: Manifest, key: string): string | undefined {
  return /\$\{([A-Za-z_][A-Za-z0-9_]*)/.exec(String(service['environment']?.[key]))?.[1];
}

describe('compose.yaml', () => {
  it('depends_on names services of the file, with the health checks its conditions wait for', () => {
    assert.deepEqual(Object.keys(services).sort(), ['backend', 'gatehouse', 'postgres', 'redis']);
    const build = typeof gw['build'] === 'string' ? { context: gw['build'] } : (gw['build'] as Manifest);
    assert.ok(existsSync(join(ROOT, build['context'] as string, (build['dockerfile'] as string | undefined) ?? 'Dockerfile')), 'the build context has the Dockerfile');
    for (const [name, dep] of Object.entries(gw['depends_on'] as Record<string, Manifest>)) {
      const target = services[name];
      assert.ok(target, `depends_on ${name}: no such service`);
      if (dep['condition'] === 'service_healthy') assert.ok(Array.isArray(target['healthcheck']?.['test']), `${name} has a health check to wait for`);
    }
    assert.equal(gw['depends_on']['postgres']['condition'], 'service_healthy');
    assert.equal(gw['depends_on']['redis']['condition'], 'service_healthy');
    // The gateway's own check is the image's HEALTHCHECK: not turned off here.
    assert.notEqual(gw['healthcheck']?.['disable'], true);
  });

  it('every secret is required from the environment: nothing secret is written in the file', () => {
    assert.throws(() => environment(gw, {}), /set POSTGRES_PASSWORD|set REDIS_PASSWORD|set CLIENT_SECRET/);
    for (const name of Object.keys(dotEnv)) {
      assert.match(text, new RegExp(`\\$\\{${name}:\\?`), `${name} is required (\${${name}:?...})`);
      assert.doesNotMatch(text, new RegExp(`\\$\\{${name}:-`), `${name} has no default`);
    }
  });

  it('the gateway\'s environment gives the shipped config everything it needs, pointing at the services of the file', () => {
    const env = environment(gw, dotEnv);
    const loaded = loadConfigFile(join(DEPLOY, 'gatehouse.yaml'), env);
    const idp = loaded.config.identityProvider as { database: string; issuer: string; port: number };

    const db = new URL(idp.database);
    assert.equal(db.protocol, 'postgres:');
    assert.ok(services[db.hostname], `the database host ${db.hostname} is a service`);
    const pgEnv = environment(services[db.hostname] as Manifest, dotEnv);
    assert.equal(db.username, pgEnv['POSTGRES_USER']);
    assert.equal(db.pathname, `/${pgEnv['POSTGRES_DB']}`);
    assert.equal(decodeURIComponent(db.password), pgEnv['POSTGRES_PASSWORD']);
    assert.equal(variableOf(services[db.hostname] as Manifest, 'POSTGRES_PASSWORD'), 'POSTGRES_PASSWORD');

    const redis = new URL(loaded.config.state?.redis?.url as string);
    assert.ok(services[redis.hostname], `the Redis host ${redis.hostname} is a service`);
    assert.equal(loaded.config.state?.redis?.password, environment(services[redis.hostname] as Manifest, dotEnv)['REDIS_PASSWORD']);
    assert.match(JSON.stringify(services[redis.hostname]?.['command']), /--requirepass/);

    const backend = new URL(env['BACKEND_URL'] as string);
    const backendService = services[backend.hostname] as Manifest;
    assert.ok(backendService, `the backend host ${backend.hostname} is a service`);
    assert.deepEqual(backendService['command'], ['--port', backend.port]);

    // The issuer names the gateway's service: what other containers would call it by.
    assert.ok(services[new URL(idp.issuer).hostname], 'the issuer names a service of the file');
  });

  it('publishes the data plane and the token service; the admin plane on loopback only', () => {
    const env = environment(gw, dotEnv);
    const config = loadConfigFile(join(DEPLOY, 'gatehouse.yaml'), env).config;
    const published = (gw['ports'] as string[]).map((p) => {
      const parts = p.split(':');
      return { host: parts.length === 3 ? parts[0] : '0.0.0.0', container: Number(parts.at(-1)) };
    });
    const on = (port: number | undefined) => published.find((p) => p.container === port);
    assert.ok(on(config.server?.port), 'the data plane is published');
    assert.ok(on((config.identityProvider as { port: number }).port), 'the token service is published');
    const admin = on(config.admin?.port);
    assert.ok(admin === undefined || admin.host === '127.0.0.1', `the admin plane is private: ${JSON.stringify(admin)}`);
  });

  it('the stop grace period outlasts the drain, and the Redis health check keeps the password off the command line', () => {
    const config = loadConfigFile(join(DEPLOY, 'gatehouse.yaml'), environment(gw, dotEnv)).config;
    const drainSec = config.server?.shutdownTimeoutInSeconds ?? DEFAULTS.server.shutdownTimeoutInSeconds;
    const m = /^(\d+)s$/.exec(String(gw['stop_grace_period']));
    assert.ok(m, `stop_grace_period in seconds: ${gw['stop_grace_period']}`);
    assert.ok(Number(m[1]) >= drainSec + 5, `stop_grace_period ${m[1]} s < shutdownTimeoutInSeconds ${drainSec} s + 5 s`);
    const check = (services['redis']?.['healthcheck']?.['test'] as string[]).join(' ');
    assert.match(check, /REDISCLI_AUTH=/);
    assert.doesNotMatch(check, /\s-a\s/);
  });
});
