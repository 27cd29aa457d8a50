/**
 * A real browser for tests: Debian's Chromium (`apt-get install chromium`), driven by
 * playwright-core, which never downloads a browser of its own. The path is `GATEHOUSE_CHROMIUM`,
 * else /usr/bin/chromium. Missing, the test is skipped with a visible message, unless
 * `GATEHOUSE_REQUIRE_BROWSER=1` (set by `.ci/run`), where a missing browser is a failure.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { chromium, type BrowserContext } from 'playwright-core';

export function chromiumOrSkip(t: TestContext): string | null {
  const path = process.env['GATEHOUSE_CHROMIUM'] || '/usr/bin/chromium';
  if (existsSync(path)) return path;
  if (process.env['GATEHOUSE_REQUIRE_BROWSER'] === '1') assert.fail(`GATEHOUSE_REQUIRE_BROWSER=1 but there is no browser at ${path} (apt-get install chromium, or set GATEHOUSE_CHROMIUM)`);
  t.skip('chromium not installed: apt-get install chromium');
  return null;
}

export interface RunningBrowser {
  context: BrowserContext;
  /** Closes the browser and removes its profile directory. */
  close(): Promise<void>;
}

/**
 * Starts headless Chromium with a fresh profile. The flags keep it off the network except for the
 * pages the test opens: without them it calls Google's hosts at start and in the background,
 * which a closed test machine refuses.
 */
export async function launchChromium(executablePath: string): Promise<RunningBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'gatehouse-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      timeout: 30000,
    });
    return {
      context,
      async close() {
        await context.close();
        // Retries: Chromium's helper processes may still be letting go of files in the profile.
        rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
      },
    };
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
}
