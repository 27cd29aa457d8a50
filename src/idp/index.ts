/**
 * The local identity provider's entry point for `gatehouse serve`. Placeholder until issue #4
 * lands: the schema rejects the `identityProvider` section before this is reached.
 */
import type { Logger } from '../lib/log.ts';

export interface RunningIdentityProvider {
  /** Base URL, e.g. `http://127.0.0.1:4000`. */
  readonly url: string;
  readonly port: number;
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
}

export async function startIdentityProvider(_section: unknown, _opts: IdentityProviderOptions): Promise<RunningIdentityProvider> {
  throw new Error('identityProvider: not supported yet');
}
