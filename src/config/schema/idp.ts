/**
 * Schema of the top-level `identityProvider` section. Owned by the identity provider (issue #4).
 * Until it lands, the section is rejected as not supported.
 */
import { NOT_SUPPORTED } from './common.ts';

export const identityProviderSchema: Record<string, unknown> = { ...NOT_SUPPORTED };
