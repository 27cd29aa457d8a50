import { listenerUrl } from '../lib/listen_url.js';
import { IdpState } from './idp_state.js';
import { createKeyEnvelope, MASTER_KEY_ENV } from './key_envelope.js';
import { seedFromConfig } from './seed.js';
import { createIdpServer } from './server.js';
import { DEFAULT_DATABASE, DEFAULT_HOST, DEFAULT_PORT, defaultIssuer, managementAudience } from './settings.js';
import { IdpStore, openDriver } from './store/store.js';
/** Opens the store named by the section (for the CLI too); the caller closes it. */
export async function openIdpStore(section, baseDir, env = process.env) {
    const store = new IdpStore(openDriver(section.database ?? DEFAULT_DATABASE, baseDir), createKeyEnvelope(env[MASTER_KEY_ENV]));
    try {
        await store.migrate();
    }
    catch (err) {
        await store.close().catch(() => undefined);
        throw new Error(`identityProvider: cannot open ${store.description}: ${err.message}`, { cause: err });
    }
    return store;
}
/** The issuer a config gives when nothing is listening (CLI): the configured one, or localhost:<port>. */
export function configuredIssuer(section, port) {
    return section.issuer ?? defaultIssuer(port ?? section.port ?? DEFAULT_PORT);
}
function bannerLines(issuer, url, store, seed) {
    const lines = [`identity provider: ${url} (issuer ${issuer}, store ${store.description})`, `  JWKS: ${issuer}.well-known/jwks.json`];
    const t = seed.testClient;
    if (t !== null) {
        const where = t.secretSource === 'config' ? 'secret: the clientSecret in your config'
            : t.secretSource === 'generated' ? `secret generated at first start, in ${seed.secretsFile}`
                : 'secret: as created';
        lines.push(`  test application: client_id ${t.clientId} (${where})`);
        lines.push(`  get a token: curl --request POST --url ${issuer}oauth/token --header 'content-type: application/json' ` +
            `--data '{"client_id":"${t.clientId}","client_secret":"<CLIENT_SECRET>","audience":"${t.audience}","grant_type":"client_credentials"}'`);
    }
    if (seed.managementClientId !== null) {
        lines.push(`  management API: ${issuer}api/v2/ (audience ${managementAudience(issuer)}, client_id ${seed.managementClientId}; ` +
            `or: gatehouse token --client-id ${seed.managementClientId} --audience ${managementAudience(issuer)})`);
    }
    return lines;
}
export async function startIdentityProvider(section, opts) {
    const cfg = (section ?? {});
    const env = opts.env ?? process.env;
    const store = await openIdpStore(cfg, opts.baseDir, env);
    const host = cfg.host ?? DEFAULT_HOST;
    const wantedPort = opts.port ?? cfg.port ?? DEFAULT_PORT;
    // The state is loaded and seeded before the server listens; with port 0 the default issuer is
    // only known once listening, and is set before anyone can know the port.
    const state = new IdpState(store, cfg.issuer ?? defaultIssuer(wantedPort), { log: opts.log });
    const server = createIdpServer(state, { log: opts.log, defaultAudience: cfg.defaultAudience, ...(opts.metrics !== undefined ? { metrics: opts.metrics } : {}) });
    try {
        await state.refresh(true);
        const seed = await seedFromConfig(state, cfg, opts.baseDir);
        await new Promise((ok, fail) => {
            server.once('error', fail);
            server.listen(wantedPort, host, () => {
                server.off('error', fail);
                ok();
            });
        });
        const port = server.address().port;
        if (cfg.issuer === undefined && port !== wantedPort)
            await state.setIssuer(defaultIssuer(port));
        state.startPolling(opts.pollIntervalMs);
        const url = listenerUrl(host, port);
        const lines = bannerLines(state.issuer, url, store, seed);
        opts.log.info({ url, issuer: state.issuer, store: store.description }, 'identity provider ready');
        return {
            url,
            port,
            issuer: state.issuer,
            state,
            banner: () => lines,
            async close() {
                await new Promise((ok) => {
                    server.close(() => ok());
                    server.closeAllConnections();
                });
                await state.close();
            },
        };
    }
    catch (err) {
        server.close();
        await state.close().catch(() => undefined);
        throw err;
    }
}
