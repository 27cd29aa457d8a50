#!/usr/bin/env node
// Entry point of the `gatehouse` command. It runs one of two builds of the same program:
// - dist/: the JavaScript compiled by `npm run build`, committed to the repository, so an install
//   without dev dependencies (`npm ci --omit=dev`, the container image, an installed package) runs
//   with no TypeScript tooling and no transpiling at start-up;
// - src/ through tsx, in a development checkout (tsx, a dev dependency, installed in this package's
//   own node_modules), so the tests and a developer see a change to the sources at once.
// GATEHOUSE_DIST=1 forces dist/, GATEHOUSE_DIST=0 forces src/. Workers (`serve --workers`) run this
// file too and inherit the environment, so they make the same choice as the primary.
import { existsSync } from 'node:fs';

const forced = process.env.GATEHOUSE_DIST;
const fromSource = forced === '0' || (forced !== '1' && existsSync(new URL('../node_modules/tsx/package.json', import.meta.url)));

let entry;
if (fromSource) {
  const { register } = await import('tsx/esm/api');
  register();
  entry = await import('../src/cli/main.ts');
} else {
  const compiled = new URL('../dist/cli/main.js', import.meta.url);
  if (!existsSync(compiled)) {
    process.stderr.write('gatehouse: dist/ is missing: run `npm run build` (or install the dev dependencies to run src/ through tsx)\n');
    process.exit(1);
  }
  entry = await import(compiled.href);
}
process.exitCode = await entry.main(process.argv.slice(2));
