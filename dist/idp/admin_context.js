/**
 * Opens the identity provider's store from a config section for one CLI command (no server, no
 * polling): the same state and operations the management API uses. The config is seeded first, so
 * the CLI works before `gatehouse serve` ever ran.
 */
import { configuredIssuer, openIdpStore } from './index.js';
import { IdpState } from './idp_state.js';
import { seedFromConfig } from './seed.js';
export async function openIdpState(section, baseDir, env = process.env) {
    const store = await openIdpStore(section, baseDir, env);
    const state = new IdpState(store, configuredIssuer(section));
    try {
        await state.refresh(true);
        await seedFromConfig(state, section, baseDir);
    }
    catch (err) {
        await state.close().catch(() => undefined);
        throw err;
    }
    return state;
}
