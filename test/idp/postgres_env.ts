/**
 * PostgreSQL for tests: `GATEHOUSE_TEST_POSTGRES_URL` (set by `.ci/run` through
 * scripts/start-postgres.sh). Unset, the test is skipped with a visible message, unless
 * `GATEHOUSE_REQUIRE_POSTGRES=1`, where a missing database is a failure.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';

export function postgresUrlOrSkip(t: TestContext): string | null {
  const url = process.env['GATEHOUSE_TEST_POSTGRES_URL'];
  if (url !== undefined && url !== '') return url;
  if (process.env['GATEHOUSE_REQUIRE_POSTGRES'] === '1') assert.fail('GATEHOUSE_REQUIRE_POSTGRES=1 but GATEHOUSE_TEST_POSTGRES_URL is not set (run scripts/start-postgres.sh)');
  t.skip('PostgreSQL not available: set GATEHOUSE_TEST_POSTGRES_URL (eval "$(scripts/start-postgres.sh)")');
  return null;
}
