/**
 * The image's build stage runs `npm run build` as root, and the final stage copies dist/ from it
 * with its modes (Docker's COPY --from keeps them) for a non-root USER to run. So the dist/ that
 * `npm run build` leaves must be readable and searchable by others. The build runs here the way
 * the build stage runs it (no --out), in a scratch copy of the files it reads.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/gateway.ts';

/** Paths under `dir` (itself included) that others cannot read (files) or enter (directories). */
function closedToOthers(dir: string): string[] {
  const closed: string[] = [];
  const mode = statSync(dir).mode;
  if ((mode & 0o005) !== 0o005) closed.push(`${dir} (${(mode & 0o777).toString(8)})`);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) closed.push(...closedToOthers(p));
    else if ((statSync(p).mode & 0o004) === 0) closed.push(`${p} (${(statSync(p).mode & 0o777).toString(8)})`);
  }
  return closed;
}

describe('npm run build output, as the image copies it', () => {
  const root = mkdtempSync(join(tmpdir(), 'gatehouse-build-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('regression: the dist/ that `npm run build` leaves is readable by the image\'s non-root user (it was made by mkdtemp, mode 700)', { timeout: 120_000 }, () => {
    cpSync(join(ROOT, 'src'), join(root, 'src'), { recursive: true });
    mkdirSync(join(root, 'scripts'));
    for (const f of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts/build.mjs', 'scripts/build_console.mjs']) copyFileSync(join(ROOT, f), join(root, f));
    symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
    // The build stage's umask (Docker's default): what is left closed is the build's doing.
    const r = spawnSync('sh', ['-c', 'umask 022 && exec npm run --silent build'], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    assert.deepEqual(closedToOthers(join(root, 'dist')), [], 'closed to the image\'s USER 1000');
  });
});
