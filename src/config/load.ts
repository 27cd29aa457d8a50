/**
 * Reads `gatehouse.yaml` (YAML or JSON), interpolates the environment, loads each deployment's
 * `specificationFile`, normalises OCI's spellings and validates the result against the schema.
 * Throws one ConfigError listing every problem, each with its path.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError, type ConfigIssue } from '../errors.ts';
import type { GatehouseConfig } from './types.ts';
import { interpolateEnv, normalizeKeys } from './normalize.ts';
import { validateConfig } from './validate.ts';

export interface LoadedConfig {
  config: GatehouseConfig;
  /** Absolute path of the file read. */
  file: string;
  /** Directory that relative paths in the file resolve against. */
  baseDir: string;
  /** Every file read: the config file, then each specificationFile (watched for hot reload). */
  sources: string[];
}

function parseDocument(text: string, file: string): unknown {
  try {
    // YAML 1.2 is a superset of JSON, so one parser reads both.
    return parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (err) {
    throw new ConfigError([{ path: '', message: `${file}: cannot parse: ${(err as Error).message.split('\n')[0]}` }], { cause: err });
  }
}

function readText(file: string, path: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError([{ path, message: `cannot read ${file}: ${code ?? (err as Error).message}` }], { cause: err });
  }
}

/**
 * An OCI export comes in three wrappings: the specification itself (`--query data.specification`),
 * a deployment (`{specification: ...}`), or the CLI's whole answer (`{data: {specification}}`).
 */
function unwrapSpecification(doc: unknown): unknown {
  let node = doc as Record<string, unknown> | null;
  if (node && typeof node === 'object' && 'data' in node && node['data'] && typeof node['data'] === 'object') {
    node = node['data'] as Record<string, unknown>;
  }
  if (node && typeof node === 'object' && 'specification' in node) return node['specification'];
  return node;
}

/** Loads a config from text (for tests and `validate`); `file` is used for messages and paths. */
export function loadConfigText(text: string, file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const abs = resolve(file);
  const baseDir = dirname(abs);
  const issues: ConfigIssue[] = [];
  const sources = [abs];
  const raw = parseDocument(text, file);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError([{ path: '', message: `${file}: the configuration must be a mapping (an object)` }]);
  }
  const doc = normalizeKeys(interpolateEnv(raw, env, '', issues), false) as Record<string, unknown>;

  const deployments = Array.isArray(doc['deployments']) ? (doc['deployments'] as Record<string, unknown>[]) : [];
  deployments.forEach((d, i) => {
    const specFile = d && typeof d === 'object' ? d['specificationFile'] : undefined;
    if (typeof specFile !== 'string') return;
    const path = `deployments[${i}].specificationFile`;
    if ('specification' in d) {
      issues.push({ path, message: 'give specification or specificationFile, not both' });
      return;
    }
    const target = resolve(baseDir, specFile);
    sources.push(target);
    try {
      const spec = unwrapSpecification(parseDocument(readText(target, path), specFile));
      d['specification'] = normalizeKeys(interpolateEnv(spec, env, `deployments[${i}].specification`, issues), true);
    } catch (err) {
      if (err instanceof ConfigError) issues.push(...err.issues.map((x) => ({ path: x.path || path, message: x.message })));
      else throw err;
    }
  });

  issues.push(...validateConfig(doc));
  if (issues.length > 0) throw new ConfigError(issues);
  return { config: doc as unknown as GatehouseConfig, file: abs, baseDir, sources };
}

/** Reads and validates a config file. */
export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  return loadConfigText(readText(resolve(file), ''), file, env);
}
