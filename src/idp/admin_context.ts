/**
 * Opens the identity provider's store from a config section for one CLI command (no server, no
 * polling): the same state and operations the management API uses. The config is seeded first, so
 * the CLI works before `gatehouse serve` ever ran.
 */
import { configuredIssuer, openIdpStore } from './index.ts';
import { IdpState } from './idp_state.ts';
import { seedFromConfig } from './seed.ts';
import type { IdentityProviderSection } from './settings.ts';

export async function openIdpState(section: IdentityProviderSection, baseDir: string, env: NodeJS.ProcessEnv = process.env): Promise<IdpState> {
  const store = await openIdpStore(section, baseDir, env);
  const state = new IdpState(store, configuredIssuer(section));
  try {
    await state.refresh(true);
    await seedFromConfig(state, section, baseDir);
  } catch (err) {
    await state.close().catch(() => undefined);
    throw err;
  }
  return state;
}
