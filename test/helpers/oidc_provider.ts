/**
 * A real third-party authorization server for end-to-end tests: `oidc-provider` (panva, major 8)
 * on 127.0.0.1 in the test process, so the gateway is tested against an implementation it did not
 * write (issue 14: introspection; issue 17: browser sign-in). Token introspection (RFC 7662),
 * revocation (RFC 7009) and the client-credentials grant are on; every other feature keeps
 * oidc-provider's defaults unless `features` / `configuration` say otherwise.
 *
 * Client-credentials tokens are opaque unless a resource server asks for `jwt`: without a
 * `resource` parameter they carry no audience; with one, `resourceServers[resource]` decides the
 * scopes, audience and format.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { errors } from 'oidc-provider';

/** What `getResourceServerInfo` answers for one resource indicator (oidc-provider's shape). */
export interface ResourceServerInfo {
  /** Space-separated scopes the resource server accepts. */
  scope: string;
  audience?: string;
  /** Default 'opaque' (introspectable); 'jwt' gives a signed JWT access token. */
  accessTokenFormat?: 'opaque' | 'jwt';
  accessTokenTTL?: number;
  jwt?: Record<string, unknown>;
}

export interface StartOidcProviderOptions {
  /** oidc-provider client metadata: `{ client_id, client_secret, grant_types, redirect_uris, ... }`. */
  clients: Record<string, unknown>[];
  /** Scopes the provider knows besides openid and offline_access (a client's `scope` limits them). */
  scopes?: string[];
  /** Resource indicators (RFC 8707) the provider issues tokens for. */
  resourceServers?: Record<string, ResourceServerInfo>;
  /** Life of a client-credentials token, seconds (default 600). */
  clientCredentialsTtlSec?: number;
  /** Merged over the defaults' `features` (each feature replaced whole). */
  features?: Record<string, unknown>;
  /** Merged over everything else (findAccount, interactions, ttl, ...). */
  configuration?: Record<string, unknown>;
  /** Default 0 (any free port). */
  port?: number;
}

export interface RunningOidcProvider {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  issuer: string;
  /** `<issuer>/.well-known/openid-configuration`. */
  discoveryUri: string;
  provider: Provider;
  /** Requests the provider has answered on `path` (e.g. '/token/introspection'), any method and status. */
  calls(path: string): number;
  /**
   * How each request on `path` carried client credentials: 'basic' (an Authorization: Basic header)
   * or 'body' (anything else, e.g. client_secret_post). oidc-provider accepts either for a client
   * registered with one of them, so a test that cares about the method asserts it here.
   */
  clientAuthentications(path: string): ('basic' | 'body')[];
  /** Errors oidc-provider reported as server_error (a test that expects none can assert it). */
  serverErrors(): Error[];
  /** POST /token with grant_type=client_credentials and client_secret_basic. */
  clientCredentials(clientId: string, secret: string, params?: { scope?: string; resource?: string }): Promise<{ status: number; body: Record<string, unknown> }>;
  /** POST /token/revocation (RFC 7009) with client_secret_basic; resolves with the HTTP status. */
  revoke(token: string, clientId: string, secret: string): Promise<number>;
  /** Closes the listener and every open connection: the provider is gone, as if it had crashed. */
  stop(): Promise<void>;
}

function basic(id: string, secret: string): string {
  const enc = (s: string): string => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`;
}

/** Starts oidc-provider on 127.0.0.1 and resolves once it listens. */
export async function startOidcProvider(opts: StartOidcProviderOptions): Promise<RunningOidcProvider> {
  // The issuer names the port, so listen first and attach the provider once the port is known.
  let handler: Parameters<typeof createServer>[1] = (_req, res) => res.writeHead(503).end();
  const server: Server = createServer((req, res) => handler!(req, res));
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, '127.0.0.1', () => ok());
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const resourceServers = opts.resourceServers ?? {};
  const provider = new Provider(issuer, {
    clients: opts.clients,
    scopes: ['openid', 'offline_access', ...(opts.scopes ?? [])],
    // Fixed keys keep oidc-provider from warning about its development defaults on every start.
    cookies: { keys: ['gatehouse-test-cookie-key'] },
    ttl: { ClientCredentials: opts.clientCredentialsTtlSec ?? 600 },
    features: {
      // Any confidential client may introspect (the gateway's own client is not the token's);
      // saying so explicitly also keeps oidc-provider from printing a notice about its default.
      introspection: { enabled: true, allowedPolicy: (_ctx: unknown, client: { clientAuthMethod: string }) => client.clientAuthMethod !== 'none' },
      revocation: { enabled: true },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => undefined,
        useGrantedResource: () => false,
        getResourceServerInfo: (_ctx: unknown, indicator: string) => {
          const info = resourceServers[indicator];
          if (info === undefined) throw new errors['InvalidTarget']!();
          return { accessTokenFormat: 'opaque', ...info };
        },
      },
      ...opts.features,
    },
    ...opts.configuration,
  });
  const counts = new Map<string, number>();
  const auths = new Map<string, ('basic' | 'body')[]>();
  const serverErrors: Error[] = [];
  provider.on('server_error', (_ctx: unknown, err: Error) => serverErrors.push(err));
  provider.use(async (ctx, next) => {
    counts.set(ctx.path, (counts.get(ctx.path) ?? 0) + 1);
    const header = ctx.headers['authorization'];
    const list = auths.get(ctx.path) ?? [];
    list.push(typeof header === 'string' && /^basic /i.test(header) ? 'basic' : 'body');
    auths.set(ctx.path, list);
    await next();
  });
  handler = provider.callback();

  const form = async (path: string, id: string, secret: string, fields: Record<string, string>) => {
    const res = await fetch(`${issuer}${path}`, {
      method: 'POST',
      headers: { authorization: basic(id, secret), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
    const text = await res.text();
    return { status: res.status, body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown> };
  };

  return {
    issuer,
    discoveryUri: `${issuer}/.well-known/openid-configuration`,
    provider,
    calls: (path) => counts.get(path) ?? 0,
    clientAuthentications: (path) => [...(auths.get(path) ?? [])],
    serverErrors: () => serverErrors,
    clientCredentials: (clientId, secret, params = {}) =>
      form('/token', clientId, secret, {
        grant_type: 'client_credentials',
        ...(params.scope !== undefined ? { scope: params.scope } : {}),
        ...(params.resource !== undefined ? { resource: params.resource } : {}),
      }),
    revoke: async (token, clientId, secret) => (await form('/token/revocation', clientId, secret, { token })).status,
    stop: () =>
      new Promise<void>((ok) => {
        if (!server.listening) return ok();
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}
