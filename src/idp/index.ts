/**
 * The local identity provider (issue #4, docs/token-service.md): an Auth0-compatible token service for
 * machine-to-machine clients. `gatehouse serve` starts it when the config has `identityProvider`;
 * `gatehouse idp serve` runs it alone.
 */
import type { AddressInfo } from 'node:net';
import type client from 'prom-client';
import type { Logger } from '../lib/log.ts';
import { listenerUrl } from '../lib/listen_url.ts';
import { IdpState } from './idp_state.ts';
import { createKeyEnvelope, MASTER_KEY_ENV } from './key_envelope.ts';
import { seedFromConfig, type SeedResult } from './seed.ts';
import { createIdpServer } from './server.ts';
import { DEFAULT_DATABASE, DEFAULT_HOST, DEFAULT_PORT, defaultIssuer, managementAudience, type IdentityProviderSection } from './settings.ts';
import { IdpStore, openDriver } from './store/store.ts';

export type { IdentityProviderSection } from './settings.ts';

export interface RunningIdentityProvider {
  /** Base URL, e.g. `http://127.0.0.1:4000`. */
  readonly url: string;
  readonly port: number;
  /** The `iss` of its tokens, with the trailing slash (e.g. `http://localhost:4000/`). */
  readonly issuer: string;
  /** Its live state: what the admin plane manages through operations.ts and checks admin tokens against. */
  readonly state: IdpState;
  /** Human lines for the start-up banner: test client id, ready-to-paste curl commands. */
  banner(): string[];
  close(): Promise<void>;
}

export interface IdentityProviderOptions {
  log: Logger;
  /** Directory of the config file, for relative paths such as the SQLite file. */
  baseDir: string;
  /** Overrides the section's port (`--idp-port`). */
  port?: number;
  /** Environment for the master key (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** How often to pick up changes made by other processes, in ms (default 1000). */
  pollIntervalMs?: number;
  /** Where the token counters are registered (the gateway's metrics registry); default: kept private. */
  metrics?: client.Registry;
}

/** Opens the store named by the section (for the CLI too); the caller closes it. */
export async function openIdpStore(section: IdentityProviderSection, baseDir: string, env: NodeJS.ProcessEnv = process.env): Promise<IdpStore> {
  const store = new IdpStore(openDriver(section.database ?? DEFAULT_DATABASE, baseDir), createKeyEnvelope(env[MASTER_KEY_ENV]));
  try {
    await store.migrate();
  } catch (err) {
    await store.close().catch(() => undefined);
    throw new Error(`identityProvider: cannot open ${store.description}: ${(err as Error).message}`, { cause: err });
  }
  return store;
}

/** The issuer a config gives when nothing is listening (CLI): the configured one, or localhost:<port>. */
export function configuredIssuer(section: IdentityProviderSection, port?: number): string {
  return section.issuer ?? defaultIssuer(port ?? section.port ?? DEFAULT_PORT);
}

function bannerLines(issuer: string, url: string, store: IdpStore, seed: SeedResult): string[] {
  const lines = [`identity provider: ${url} (issuer ${issuer}, store ${store.description})`, `  JWKS: ${issuer}.well-known/jwks.json`];
  const t = seed.testClient;
  if (t !== null) {
    const where =
      t.secretSource === 'config' ? 'secret: the clientSecret in your config'
        : t.secretSource === 'generated' ? `secret generated at first start, in ${seed.secretsFile}`
          : 'secret: as created';
    lines.push(`  test application: client_id ${t.clientId} (${where})`);
    lines.push(
      `  get a token: curl --request POST --url ${issuer}oauth/token --header 'content-type: application/json' ` +
        `--data '{"client_id":"${t.clientId}","client_secret":"<CLIENT_SECRET>","audience":"${t.audience}","grant_type":"client_credentials"}'`,
    );
  }
  if (seed.managementClientId !== null) {
    lines.push(`  management API: ${issuer}api/v2/ (audience ${managementAudience(issuer)}, client_id ${seed.managementClientId}; ` +
      `or: gatehouse token --client-id ${seed.managementClientId} --audience ${managementAudience(issuer)})`);
  }
  return lines;
}

export async function startIdentityProvider(section: unknown, opts: IdentityProviderOptions): Promise<RunningIdentityProvider> {
  const cfg = (section ?? {}) as IdentityProviderSection;
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
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(wantedPort, host, () => {
        server.off('error', fail);
        ok();
      });
    });
    const port = (server.address() as AddressInfo).port;
    if (cfg.issuer === undefined && port !== wantedPort) await state.setIssuer(defaultIssuer(port));
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
        await new Promise<void>((ok) => {
          server.close(() => ok());
          server.closeAllConnections();
        });
        await state.close();
      },
    };
  } catch (err) {
    server.close();
    await state.close().catch(() => undefined);
    throw err;
  }
}
