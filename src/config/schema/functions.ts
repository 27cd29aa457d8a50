/**
 * Schema of the top-level `functions` map and of `ORACLE_FUNCTIONS_BACKEND`.
 * Owned by the functions stage (issue #5). Until it lands, both are rejected as not supported.
 */
import { NOT_SUPPORTED } from './common.ts';

export const functionsSchema: Record<string, unknown> = { ...NOT_SUPPORTED };
export const functionBackendSchema: Record<string, unknown> = { properties: { type: NOT_SUPPORTED } };
