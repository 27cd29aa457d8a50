/**
 * The Kubernetes manifests under deploy/ agree with each other, with the image and with the
 * gateway's configuration: every manifest parses; the container's ports are the config's ports;
 * the probes ask the admin plane's health paths on its port; the ConfigMap is mounted as the
 * directory the `--config` argument reads from; the grace period outlasts the preStop sleep plus
 * the drain; selectors select the pods; the config, with the container's environment, passes
 * `gatehouse validate`. With kubectl on PATH, `kubectl kustomize` builds the whole set too.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { loadConfigFile } from '../../src/config/load.ts';
import { DEFAULTS } from '../../src/config/defaults.ts';
import { BIN } from '../helpers/gateway.ts';
import { containerEnv, DEPLOY, execForm, last, one, parseEnvFile, readDockerfile, readKustomization, type Manifest } from './deploy_files.ts';

const k = readKustomization();
const deployment = one(k, 'Deployment');
const pod = deployment['spec']['template'] as Manifest;
const podLabels = pod['metadata']['labels'] as Record<string, string>;
const container = (pod['spec']['containers'] as Manifest[]).find((c) => c['name'] === 'gatehouse') as Manifest;
const env = containerEnv(k, container);
const loaded = loadConfigFile(join(DEPLOY, 'gatehouse.yaml'), env);
const config = loaded.config;

/** containerPort of a port given by name or number. */
function containerPort(port: string | number): number {
  if (typeof port === 'number') return port;
  const found = (container['ports'] as Manifest[]).find((p) => p['name'] === port);
  assert.ok(found, `the container has a port named ${port}`);
  return found['containerPort'] as number;
}

/** True when every label of `selector` is on the pods. */
function selectsPods(selector: Record<string, string>): boolean {
  return Object.keys(selector).length > 0 && Object.entries(selector).every(([key, v]) => podLabels[key] === v);
}

function configArgument(): string {
  const args = container['args'] as string[];
  const i = args.indexOf('--config');
  assert.ok(i >= 0 && args[i + 1] !== undefined, `the container's args name a --config file: ${JSON.stringify(args)}`);
  return args[i + 1] as string;
}

describe('Kubernetes manifests (deploy/)', () => {
  it('every manifest parses and the kustomization lists the pieces of a deployment', () => {
    for (const { file, doc } of k.manifests) {
      assert.equal(typeof doc['apiVersion'], 'string', `${file}: apiVersion`);
      assert.equal(typeof doc['kind'], 'string', `${file}: kind`);
      assert.equal(typeof doc['metadata']?.['name'], 'string', `${file}: metadata.name`);
    }
    const kinds = k.manifests.map((m) => m.doc['kind']).sort();
    assert.deepEqual(kinds, ['Deployment', 'HorizontalPodAutoscaler', 'NetworkPolicy', 'PodDisruptionBudget', 'Service', 'ServiceAccount']);
    const cm = (k.raw['configMapGenerator'] as Manifest[]).find((g) => g['name'] === 'gatehouse-config') as Manifest;
    assert.deepEqual(cm['files'], ['gatehouse.yaml']);
    // A hashed name would roll the pods on every edit instead of letting them hot-reload.
    assert.equal(cm['options']?.['disableNameSuffixHash'], true);
    for (const g of k.raw['secretGenerator'] as Manifest[]) {
      for (const f of g['envs'] as string[]) {
        assert.ok(existsSync(join(DEPLOY, `${f}.example`)), `${f}.example shows the keys of ${g['name']}`);
        assert.match(readFileSync(join(DEPLOY, '.gitignore'), 'utf8'), new RegExp(`^${f.replace('.', '\\.')}$`, 'm'), `${f} is git-ignored`);
      }
    }
  });

  it('the config, with the container\'s environment, passes `gatehouse validate`', () => {
    const r = spawnSync(process.execPath, [BIN, 'validate', '--config', join(DEPLOY, 'gatehouse.yaml')], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /valid/);
  });

  it('container ports are the config\'s ports, and every listener binds all interfaces', () => {
    assert.equal(containerPort('http'), config.server?.port);
    assert.equal(containerPort('admin'), config.admin?.port);
    assert.equal(containerPort('token'), (config.identityProvider as { port?: number }).port);
    // Probes come from the kubelet to the pod's address, not over the pod's loopback.
    assert.equal(config.server?.host, '0.0.0.0');
    assert.equal(config.admin?.host, '0.0.0.0');
    assert.equal((config.identityProvider as { host?: string }).host, '0.0.0.0');
    const exposed = last(readDockerfile().at(-1)!, 'EXPOSE')!.args.split(/\s+/).map(Number);
    for (const p of container['ports'] as Manifest[]) assert.ok(exposed.includes(p['containerPort'] as number), `the image EXPOSEs ${p['containerPort']}`);
  });

  it('probes ask the admin plane: liveness and startup /health/live, readiness /health/ready', () => {
    const expected = { livenessProbe: '/health/live', startupProbe: '/health/live', readinessProbe: '/health/ready' } as const;
    for (const [probe, path] of Object.entries(expected)) {
      const get = container[probe]?.['httpGet'] as Manifest | undefined;
      assert.ok(get, `${probe} is an httpGet`);
      assert.equal(get['path'], path, probe);
      assert.equal(containerPort(get['port'] as string | number), config.admin?.port, `${probe} on the admin port`);
      assert.notEqual(get['scheme'], 'HTTPS', `${probe}: the admin plane speaks plain HTTP`);
    }
  });

  it('the ConfigMap is mounted as the directory --config reads, never through subPath', () => {
    const file = configArgument();
    const mount = (container['volumeMounts'] as Manifest[]).find((m) => m['mountPath'] === posix.dirname(file));
    assert.ok(mount, `a volume is mounted at ${posix.dirname(file)}`);
    // A subPath mount is a copy taken at start: the kubelet never updates it.
    assert.equal(mount['subPath'], undefined);
    assert.equal(mount['readOnly'], true);
    const volume = (pod['spec']['volumes'] as Manifest[]).find((v) => v['name'] === mount['name']) as Manifest;
    assert.equal(volume['configMap']?.['name'], 'gatehouse-config');
    assert.equal(volume['configMap']?.['items'], undefined, 'every key of the ConfigMap, under its own name');
    assert.equal(posix.basename(file), 'gatehouse.yaml', 'the file --config names is the ConfigMap\'s key');
    // The image's own CMD reads the same path, so the Deployment's args only restate it.
    const cmd = execForm(last(readDockerfile().at(-1)!, 'CMD')!.args);
    assert.deepEqual(container['args'], cmd);
  });

  it('terminationGracePeriodSeconds covers the preStop sleep, the drain and a margin', () => {
    const preStop = container['lifecycle']?.['preStop'] as Manifest;
    const command = preStop?.['exec']?.['command'] as string[] | undefined;
    assert.ok(command !== undefined && command[0] === 'sleep', 'preStop sleeps, so the endpoints are updated before the drain');
    const sleepSec = Number(command[1]);
    assert.ok(sleepSec >= 3, `a few seconds for load balancers to notice: ${sleepSec}`);
    const drainSec = config.server?.shutdownTimeoutInSeconds ?? DEFAULTS.server.shutdownTimeoutInSeconds;
    const grace = pod['spec']['terminationGracePeriodSeconds'] as number;
    assert.ok(grace >= sleepSec + drainSec + 5, `grace ${grace} s < preStop ${sleepSec} s + shutdownTimeoutInSeconds ${drainSec} s + 5 s`);
  });

  it('runs as the image\'s non-root user with a read-only root file system and a writable /tmp', () => {
    const user = last(readDockerfile().at(-1)!, 'USER')!.args;
    const [uid, gid] = user.split(':').map(Number);
    assert.ok(uid !== undefined && uid > 0, `the image's USER is a non-root uid: ${user}`);
    const podSec = pod['spec']['securityContext'] as Manifest;
    assert.equal(podSec['runAsNonRoot'], true);
    assert.equal(podSec['runAsUser'], uid);
    assert.equal(podSec['runAsGroup'], gid);
    const sec = container['securityContext'] as Manifest;
    assert.equal(sec['readOnlyRootFilesystem'], true);
    assert.equal(sec['allowPrivilegeEscalation'], false);
    assert.deepEqual(sec['capabilities']?.['drop'], ['ALL']);
    const tmp = (container['volumeMounts'] as Manifest[]).find((m) => m['mountPath'] === '/tmp') as Manifest;
    assert.ok((pod['spec']['volumes'] as Manifest[]).find((v) => v['name'] === tmp?.['name'])?.['emptyDir'], '/tmp is an emptyDir');
    assert.equal(pod['spec']['automountServiceAccountToken'], false);
    assert.equal(pod['spec']['serviceAccountName'], one(k, 'ServiceAccount')['metadata']['name']);
  });

  it('several replicas share state: Redis for counters, PostgreSQL for the token service', () => {
    assert.match(String(config.state?.redis?.url), /^rediss?:\/\//);
    assert.match(String((config.identityProvider as { database?: string }).database), /^postgres(ql)?:\/\//, 'a SQLite file would be one per pod');
    const hpa = one(k, 'HorizontalPodAutoscaler');
    assert.deepEqual(hpa['spec']['scaleTargetRef'], { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment['metadata']['name'] });
    assert.ok((hpa['spec']['minReplicas'] as number) >= 2, 'at least two replicas');
    // The HPA owns the count; a replicas field would reset it at each apply.
    assert.equal(deployment['spec']['replicas'], undefined);
    // Utilization is measured against the request.
    assert.ok(container['resources']?.['requests']?.['cpu'], 'a CPU request for the HPA');
    assert.ok(container['resources']?.['requests']?.['memory'], 'a memory request');
    assert.ok(container['resources']?.['limits']?.['memory'], 'a memory limit');
    const pdb = one(k, 'PodDisruptionBudget');
    assert.ok(selectsPods(pdb['spec']['selector']['matchLabels']), 'the PDB selects the pods');
    const allowedDown = pdb['spec']['maxUnavailable'] ?? (hpa['spec']['minReplicas'] as number) - (pdb['spec']['minAvailable'] as number);
    assert.ok(allowedDown >= 1 && allowedDown < hpa['spec']['minReplicas'], 'drains can proceed, one replica at a time');
  });

  it('selectors select the pods; the Service exposes the data plane and the token service, not the admin plane', () => {
    assert.ok(selectsPods(deployment['spec']['selector']['matchLabels']));
    const svc = one(k, 'Service');
    assert.ok(selectsPods(svc['spec']['selector']));
    const targets = (svc['spec']['ports'] as Manifest[]).map((p) => containerPort(p['targetPort'] as string | number));
    assert.deepEqual(targets.sort(), [config.server?.port, (config.identityProvider as { port?: number }).port].sort());
    assert.ok(!targets.includes(config.admin?.port as number), 'the admin port is on no Service');
    const np = one(k, 'NetworkPolicy');
    assert.ok(selectsPods(np['spec']['podSelector']['matchLabels']));
    for (const rule of np['spec']['ingress'] as Manifest[]) {
      const ports = (rule['ports'] as Manifest[]).map((p) => containerPort(p['port'] as string | number));
      if (ports.includes(config.admin?.port as number)) assert.ok(Array.isArray(rule['from']) && rule['from'].length > 0, 'the admin port is open to chosen peers only');
    }
    // The token service's issuer is the Service's name: tokens name the place they come from.
    assert.equal(new URL(env['GATEHOUSE_ISSUER'] as string).hostname, svc['metadata']['name']);
  });

  it('kubectl kustomize builds the set, the Secret from secrets.env and the ConfigMap from gatehouse.yaml', (t) => {
    if (spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status !== 0) {
      t.skip('kubectl is not installed: the manifests were checked one by one above');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-kustomize-'));
    try {
      cpSync(DEPLOY, dir, { recursive: true });
      for (const g of k.raw['secretGenerator'] as Manifest[]) for (const f of g['envs'] as string[]) cpSync(join(DEPLOY, `${f}.example`), join(dir, f));
      const out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
      const docs = parseAllDocuments(out).map((d) => d.toJS() as Manifest);
      const byKind = (kind: string) => docs.filter((d) => d['kind'] === kind);
      const cm = byKind('ConfigMap')[0] as Manifest;
      assert.equal(cm['metadata']['name'], 'gatehouse-config');
      assert.equal(cm['data']['gatehouse.yaml'], readFileSync(join(DEPLOY, 'gatehouse.yaml'), 'utf8'));
      const secret = byKind('Secret')[0] as Manifest;
      const keys = Object.keys(parseEnvFile(readFileSync(join(DEPLOY, 'secrets.env.example'), 'utf8'))).sort();
      assert.deepEqual(Object.keys(secret['data']).sort(), keys);
      const built = byKind('Deployment')[0] as Manifest;
      const c = (built['spec']['template']['spec']['containers'] as Manifest[])[0] as Manifest;
      assert.equal(c['envFrom'][0]['secretRef']['name'], secret['metadata']['name'], 'the Deployment names the generated (hashed) Secret');
      assert.equal(docs.length, k.manifests.length + 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the config file the manifests mount is the one the image ships', () => {
    const copy = readDockerfile().at(-1)!.instructions.find((i) => i.keyword === 'COPY' && i.args.endsWith(configArgument()));
    assert.ok(copy, `the image COPYs a config to ${configArgument()}`);
    assert.equal(copy.args.split(/\s+/)[0], 'deploy/gatehouse.yaml');
    assert.equal(basename(dirname(loaded.file)), 'deploy');
  });
});
