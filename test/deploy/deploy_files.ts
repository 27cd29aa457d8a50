/**
 * Readers for the deployment files the tests in this folder check: the Dockerfile (stages and
 * instructions, exec-form arrays), the kustomization under deploy/ with the manifests it lists,
 * `KEY=value` env files, and the environment a container of the Deployment starts with.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { ROOT } from '../helpers/gateway.ts';

export const DEPLOY = join(ROOT, 'deploy');

export interface Instruction {
  /** Upper-cased keyword: FROM, RUN, CMD... */
  keyword: string;
  /** The rest of the line, continuation lines joined. */
  args: string;
}

export interface Stage {
  from: string;
  name: string | null;
  instructions: Instruction[];
}

/** Splits a Dockerfile into stages; comments and `\` line continuations handled as Docker does. */
export function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (/^\s*#/.test(line)) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    current += line;
    if (current.trim() !== '') logical.push(current.trim());
    current = '';
  }
  if (current.trim() !== '') logical.push(current.trim());
  const stages: Stage[] = [];
  for (const l of logical) {
    const m = /^(\S+)\s*(.*)$/.exec(l) as RegExpExecArray;
    const keyword = (m[1] as string).toUpperCase();
    const args = (m[2] as string).trim();
    if (keyword === 'FROM') {
      const f = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      stages.push({ from: f?.[1] ?? args, name: f?.[2] ?? null, instructions: [] });
    } else if (stages.length > 0) {
      (stages[stages.length - 1] as Stage).instructions.push({ keyword, args });
    }
  }
  return stages;
}

export function readDockerfile(): Stage[] {
  return parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
}

/** The last instruction with this keyword in a stage, or undefined. */
export function last(stage: Stage, keyword: string): Instruction | undefined {
  return stage.instructions.filter((i) => i.keyword === keyword).at(-1);
}

/** An exec-form argument (`["node", "x"]`) as an array; throws on the shell form. */
export function execForm(args: string): string[] {
  const parsed = JSON.parse(args) as unknown;
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) throw new Error(`not an exec-form array: ${args}`);
  return parsed as string[];
}

/** HEALTHCHECK's options and its exec-form command. */
export function healthcheck(ins: Instruction): { options: Record<string, string>; command: string[] } {
  const options: Record<string, string> = {};
  let rest = ins.args;
  for (let m = /^--([a-z-]+)=(\S+)\s+/.exec(rest); m !== null; m = /^--([a-z-]+)=(\S+)\s+/.exec(rest)) {
    options[m[1] as string] = m[2] as string;
    rest = rest.slice(m[0].length);
  }
  const cmd = /^CMD\s+(.*)$/s.exec(rest);
  if (cmd === null) throw new Error(`HEALTHCHECK without CMD: ${ins.args}`);
  return { options, command: execForm(cmd[1] as string) };
}

/** `KEY=value` lines (kustomize's `envs`, docker's env files); `#` comments and blanks skipped. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    const eq = t.indexOf('=');
    if (eq <= 0) throw new Error(`not KEY=value: ${t}`);
    out[t.slice(0, eq)] = t.slice(eq + 1);
  }
  return out;
}

/** A parsed Kubernetes object: free-form YAML, read field by field by the assertions. */
export type Manifest = Record<string, any>;

export interface Kustomization {
  raw: Manifest;
  /** Every document of every file in `resources`, with the file it came from. */
  manifests: { file: string; doc: Manifest }[];
}

export function readKustomization(): Kustomization {
  const raw = parseYaml(readFileSync(join(DEPLOY, 'kustomization.yaml'), 'utf8')) as Manifest;
  const manifests: { file: string; doc: Manifest }[] = [];
  for (const file of raw['resources'] as string[]) {
    for (const d of parseAllDocuments(readFileSync(join(DEPLOY, file), 'utf8'))) {
      if (d.errors.length > 0) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
      const doc = d.toJS() as Manifest | null;
      if (doc !== null) manifests.push({ file, doc });
    }
  }
  return { raw, manifests };
}

export function one(k: Kustomization, kind: string): Manifest {
  const found = k.manifests.filter((m) => m.doc['kind'] === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return (found[0] as { doc: Manifest }).doc;
}

/**
 * The environment the gateway's container starts with: the Deployment's literal `env` values and,
 * for each `envFrom` secret made by the secretGenerator, the keys of its example env file.
 */
export function containerEnv(k: Kustomization, container: Manifest): Record<string, string> {
  const env: Record<string, string> = {};
  const generators = (k.raw['secretGenerator'] ?? []) as Manifest[];
  for (const from of (container['envFrom'] ?? []) as Manifest[]) {
    const name = from['secretRef']?.['name'] as string | undefined;
    const gen = generators.find((g) => g['name'] === name);
    if (gen === undefined) throw new Error(`envFrom secret ${name} is made by no secretGenerator`);
    for (const f of gen['envs'] as string[]) Object.assign(env, parseEnvFile(readFileSync(join(DEPLOY, `${f}.example`), 'utf8')));
  }
  for (const e of (container['env'] ?? []) as Manifest[]) {
    if (typeof e['value'] !== 'string') throw new Error(`env ${e['name']}: only literal values are expected here`);
    env[e['name'] as string] = e['value'];
  }
  return env;
}
