/**
 * Schema of `requestPolicies.authentication` and route `requestPolicies.authorization`.
 * Owned by the auth stage (issue #3). Until it lands, both policies are rejected as not supported.
 */
import { NOT_SUPPORTED } from './common.ts';

export const authenticationSchema: Record<string, unknown> = { ...NOT_SUPPORTED };
export const authorizationSchema: Record<string, unknown> = { ...NOT_SUPPORTED };
