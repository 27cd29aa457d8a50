/**
 * Shared by the console's browser tests (test/e2e/console*.test.ts): bundle the console from src/
 * for GATEHOUSE_CONSOLE_DIR, watch a page for errors and Content-Security-Policy violations, and
 * save screenshots as test artifacts (and into docs/console/ with GATEHOUSE_UPDATE_SCREENSHOTS=1).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { ROOT } from './gateway.ts';

const ARTIFACTS = join(ROOT, 'test/artifacts/console');
const DOCS_SHOTS = join(ROOT, 'docs/console');

/**
 * Saves a screenshot as a test artifact, and into docs/ when asked to refresh them: the full page,
 * or one part of it (`part`); `mask` hides secrets.
 */
export async function shoot(page: Page, name: string, mask: string[] = [], part?: Locator): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, `${name}.png`);
  const options = { path: file, animations: 'disabled', mask: mask.map((s) => page.locator(s)), maskColor: '#c9d1d9' } as const;
  await (part === undefined ? page.screenshot({ ...options, fullPage: true }) : part.screenshot(options));
  if (process.env['GATEHOUSE_UPDATE_SCREENSHOTS'] === '1') {
    mkdirSync(DOCS_SHOTS, { recursive: true });
    copyFileSync(file, join(DOCS_SHOTS, `${name}.png`));
  }
}

/** Bundles the console from src/ into a temp directory (removed after `t`) for GATEHOUSE_CONSOLE_DIR. */
export function bundleConsole(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-console-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const built = spawnSync(process.execPath, [join(ROOT, 'scripts/build_console.mjs'), '--out', dir], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(built.status, 0, `console build failed:\n${built.stdout}${built.stderr}`);
  return dir;
}

/**
 * Collects page errors and Content-Security-Policy violations, which Chromium reports on the
 * console ("Refused to ..."). Other console errors are not collected: a 401 answer (the wrong-key
 * sign-in) is logged there too, and is expected.
 */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`console error: ${m.text()}`);
  });
  return problems;
}
