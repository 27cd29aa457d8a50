/**
 * The Dockerfile's structure, read as Docker reads it: the final stage installs nothing and holds
 * no dev dependency (its node_modules come from a stage that ran `npm ci --omit=dev` on the lock
 * file alone, its dist/ from the stage that ran `npm run build`); it has every file the entry
 * command reads; it runs as a numeric non-root user, in exec form; .dockerignore keeps local state
 * and secrets out of the build context but not what the build needs. (No Docker daemon here: the
 * image is not built; entry_command.test.ts runs its command.)
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { ROOT } from '../helpers/gateway.ts';
import { execForm, last, readDockerfile, type Stage } from './deploy_files.ts';

const stages = readDockerfile();
const final = stages.at(-1) as Stage;

/** The final stage's COPY instructions: source(s), destination, and the stage copied from (null: the context). */
function copies(stage: Stage): { from: string | null; sources: string[]; dest: string }[] {
  return stage.instructions
    .filter((i) => i.keyword === 'COPY')
    .map((i) => {
      const words = i.args.split(/\s+/);
      const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length) ?? null;
      const paths = words.filter((w) => !w.startsWith('--'));
      return { from, sources: paths.slice(0, -1), dest: paths.at(-1) as string };
    });
}

function stageNamed(name: string): Stage {
  const s = stages.find((x) => x.name === name);
  assert.ok(s, `a stage named ${name}`);
  return s;
}

const runs = (stage: Stage) => stage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);

/** .dockerignore patterns as Docker matches them (no `!` exceptions are used): a path or a parent. */
function ignored(path: string): boolean {
  const patterns = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  assert.ok(!patterns.some((p) => p.startsWith('!')), 'no exceptions: this reader does not handle them');
  const regexes = patterns.map(
    (p) => new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*\//g, '\u0000').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]').replace(/\u0000/g, '(?:.*/)?')}$`),
  );
  const parts = path.split('/');
  return parts.some((_, i) => regexes.some((r) => r.test(parts.slice(0, i + 1).join('/'))));
}

describe('Dockerfile', () => {
  it('the final stage is a slim Node on the build stages\' Debian release, and installs nothing', () => {
    assert.match(final.from, /^node:.+-bookworm-slim$/);
    for (const s of stages.slice(0, -1)) assert.match(s.from, /-bookworm$/, `${s.name}: same glibc as the final stage, for better-sqlite3's binary`);
    assert.deepEqual(runs(final), [], 'no RUN in the final stage: nothing is installed or built there');
  });

  it('node_modules come from `npm ci --omit=dev` on the lock file alone; dist/ from `npm run build`', () => {
    const c = copies(final);
    const modules = c.find((x) => x.dest === './node_modules' || x.dest === '/app/node_modules');
    assert.ok(modules?.from, 'node_modules are copied from a stage');
    const deps = stageNamed(modules.from);
    assert.ok(runs(deps).some((r) => /\bnpm ci\b.*--omit=dev/.test(r)), `${deps.name} runs npm ci --omit=dev`);
    const depsCopies = copies(deps).flatMap((x) => x.sources);
    assert.deepEqual(depsCopies.sort(), ['package-lock.json', 'package.json'], 'only the manifest and the lock file decide the production dependencies');
    const dist = c.find((x) => x.dest === './dist');
    assert.ok(dist?.from, 'dist/ is copied from a stage');
    assert.ok(runs(stageNamed(dist.from)).some((r) => /\bnpm run build\b/.test(r)), `${dist.from} runs npm run build`);
  });

  it('the final stage has every file the entry command reads', () => {
    const workdir = last(final, 'WORKDIR')!.args;
    const entry = execForm(last(final, 'ENTRYPOINT')!.args);
    assert.equal(entry[0], 'node');
    // Node flags first (the young generation the gateway is measured with), then the entry file.
    const file = entry.find((a) => !a.startsWith('-') && a !== 'node') as string;
    assert.ok(entry.includes('--max-semi-space-size=32'), 'node runs with the young generation Gatehouse is measured with');
    const dests = copies(final).map((x) => posix.resolve(workdir, x.dest));
    const has = (p: string) => dests.some((d) => p === d || p.startsWith(`${d}/`));
    // bin/gatehouse.js imports ../dist/cli/main.js, which reads ../../package.json for --version.
    for (const p of [file, 'dist/cli/main.js', 'package.json', 'node_modules']) assert.ok(has(posix.resolve(workdir, p)), `${p} is in the image`);
    const cmd = execForm(last(final, 'CMD')!.args);
    assert.ok(has(cmd[cmd.indexOf('--config') + 1] as string), 'the config CMD names is in the image');
    for (const c of copies(final).filter((x) => x.from === null)) {
      for (const s of c.sources) {
        assert.ok(existsSync(join(ROOT, s)), `COPY ${s}: in the repository`);
        assert.equal(ignored(s), false, `COPY ${s}: not excluded by .dockerignore`);
      }
    }
  });

  it('runs as a numeric non-root user, in exec form, stops on SIGTERM, checks its health with node', () => {
    assert.match(last(final, 'USER')!.args, /^[1-9]\d*(:\d+)?$/, 'numeric, so that Kubernetes can check runAsNonRoot');
    assert.equal(last(final, 'STOPSIGNAL')?.args, 'SIGTERM');
    for (const k of ['ENTRYPOINT', 'CMD']) execForm(last(final, k)!.args);
    const hc = last(final, 'HEALTHCHECK')!.args;
    assert.match(hc, /CMD \["node", /, 'node, not curl: the slim image has none');
    assert.match(hc, /\/health\/ready/);
  });

  it('.dockerignore keeps local state and secrets out, and lets in what the build needs', () => {
    for (const p of ['.git/config', 'node_modules/tsx/package.json', '.gatehouse/idp.sqlite', 'examples/quickstart/.gatehouse/idp-secrets.json', 'deploy/secrets.env', '.env', 'tls/gw-key.pem']) {
      assert.equal(ignored(p), true, `${p} stays out of the image`);
    }
    for (const p of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts/build.mjs', 'src/cli/main.ts', 'bin/gatehouse.js', 'deploy/gatehouse.yaml']) {
      assert.ok(existsSync(join(ROOT, p)), `${p} exists`);
      assert.equal(ignored(p), false, `${p} reaches the build`);
    }
  });
});
