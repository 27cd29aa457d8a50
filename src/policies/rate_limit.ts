/**
 * Deployment rate limiting (OCI `requestPolicies.rateLimiting`).
 */
import { object } from '../lib/json_schema.ts';
import type { Consumed, SharedStore } from '../state/types.ts';
import type { AdmissionPolicy, CompileContext } from '../types.ts';

/** JSON-schema fragment for `requestPolicies.rateLimiting` (deployment level), OCI's RateLimitingPolicy. */
export const rateLimitingSchema: Record<string, unknown> = object(
  {
    rateInRequestsPerSecond: { type: 'integer', minimum: 1, maximum: 1000000 },
    rateKey: { enum: ['CLIENT_IP', 'TOTAL', 'client_ip', 'total'] },
  },
  ['rateInRequestsPerSecond', 'rateKey'],
);

/** Compiles a schema-valid `rateLimiting` object; null when there is none. */
export function compileRateLimit(config: unknown, path: string, deployment: string, counters: SharedStore, ctx: CompileContext): AdmissionPolicy | null {
  void path;
  void deployment;
  void counters;
  void ctx;
  if (config === undefined) return null;
  return null;
}

/** Retry-After + IETF RateLimit headers for a refusal; shared with usage plans. */
export function limitHeaders(policyName: string, limit: number, windowSeconds: number, c: Consumed): Record<string, string> {
  const retryAfterSec = Math.max(1, Math.ceil(c.resetMs / 1000));
  return {
    'retry-after': String(retryAfterSec),
    'ratelimit-policy': `"${policyName}";q=${limit};w=${windowSeconds}`,
    ratelimit: `"${policyName}";r=${c.remaining};t=${retryAfterSec}`,
  };
}
