/**
 * Runs the real `gatehouse idp serve` process for end-to-end tests, with a config written to a
 * directory of the test's choosing, and waits for its `gatehouse idp ready` log line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin/gatehouse.js');

export interface IdpProcess {
  url: string;
  issuer: string;
  proc: ChildProcess;
  stderr(): string;
  stop(): Promise<void>;
}

export function writeConfig(dir: string, idp: object): string {
  const file = join(dir, 'gatehouse.yaml');
  writeFileSync(file, stringify({ deployments: [], identityProvider: idp }));
  return file;
}

export async function startIdp(dir: string, idp: object, opts: { env?: NodeJS.ProcessEnv; args?: string[] } = {}): Promise<IdpProcess> {
  const file = writeConfig(dir, idp);
  const proc = spawn(process.execPath, [BIN, 'idp', 'serve', '--config', file, ...(opts.args ?? [])], {
    cwd: dir,
    env: { ...process.env, GATEHOUSE_LOG_LEVEL: 'info', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exited = new Promise<void>((ok) => proc.once('exit', () => ok()));
  const ready = await new Promise<Record<string, unknown>>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`idp not ready in 20 s:\n${err}\n${out}`)), 20_000);
    proc.stdout!.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      for (const line of out.split('\n')) {
        if (!line.includes('gatehouse idp ready')) continue;
        clearTimeout(timer);
        ok(JSON.parse(line) as Record<string, unknown>);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`idp exited with ${code}:\n${err}\n${out}`));
    });
  });
  return {
    url: String(ready['idpUrl']),
    issuer: String(ready['issuer']),
    proc,
    stderr: () => err,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const killer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(killer);
      }
    },
  };
}

/** Asks for a token with the JSON body of Auth0's docs. */
export async function tokenRequest(url: string, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export { freePort } from '../helpers/net.ts';
