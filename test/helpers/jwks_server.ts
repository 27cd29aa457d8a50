/**
 * A real JWKS server on loopback for tests and the bench: serves a mutable key set (and an OIDC
 * discovery document), counts fetches, honours If-None-Match, and can be told to fail: answer 500,
 * drop connections, hang, be slow, return garbage, or redirect. Also signs tokens with its keys.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import { createHash, randomUUID, type KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type JWK, type JWTPayload } from 'jose';

export interface TestKey {
  kid: string;
  alg: string;
  privateKey: CryptoKeyLike;
  publicJwk: JWK;
}
type CryptoKeyLike = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'] | KeyObject;

/** Generates a key pair for `alg` (RS256, PS256, ES256, EdDSA, ...). */
export async function makeKey(alg: string, kid: string = randomUUID(), opts: { modulusLength?: number; crv?: string } = {}): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...opts });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicJwk };
}

/** Signs `claims` with `key`; `header` overrides the protected header (alg and kid default to the key's). */
export async function signToken(key: TestKey, claims: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header } as never).sign(key.privateKey as never);
}

export type JwksMode = 'ok' | 'error' | 'drop' | 'hang' | 'garbage' | 'redirect' | 'not-a-jwks';

export class JwksServer {
  readonly #server: Server;
  readonly url: string;
  keys: TestKey[] = [];
  /** Raw JWKs served in addition to `keys` (enc keys, small keys, junk). */
  extraJwks: Record<string, unknown>[] = [];
  mode: JwksMode = 'ok';
  delayMs = 0;
  /** Cache-Control header value, or null for none. */
  cacheControl: string | null = null;
  /** JWKS requests received (any answer), and those answered 304. */
  fetches = 0;
  notModified = 0;
  discoveryFetches = 0;
  issuer: string;
  readonly #hanging = new Set<ServerResponse>();

  private constructor(server: Server, url: string) {
    this.#server = server;
    this.url = url;
    this.issuer = `${url}/`;
  }

  static async start(): Promise<JwksServer> {
    let self: JwksServer | null = null;
    const server = createServer((req, res) => self!.handle(req.url ?? '/', req.headers['if-none-match'], res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    self = new JwksServer(server, `http://127.0.0.1:${port}`);
    return self;
  }

  get jwksUri(): string {
    return `${this.url}/.well-known/jwks.json`;
  }
  get discoveryUri(): string {
    return `${this.url}/.well-known/openid-configuration`;
  }

  document(): { keys: Record<string, unknown>[] } {
    return { keys: [...this.keys.map((k) => k.publicJwk as Record<string, unknown>), ...this.extraJwks] };
  }

  private handle(path: string, ifNoneMatch: string | undefined, res: ServerResponse): void {
    if (path === '/.well-known/openid-configuration') {
      this.discoveryFetches++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ issuer: this.issuer, jwks_uri: this.jwksUri, token_endpoint: `${this.url}/oauth/token` }));
      return;
    }
    if (path !== '/.well-known/jwks.json') {
      res.statusCode = 404;
      res.end();
      return;
    }
    this.fetches++;
    const answer = () => {
      switch (this.mode) {
        case 'error':
          res.statusCode = 500;
          res.end('{"error":"down"}');
          return;
        case 'drop':
          res.socket?.destroy();
          return;
        case 'hang':
          this.#hanging.add(res);
          return;
        case 'garbage':
          res.setHeader('content-type', 'application/json');
          res.end('<html>not json');
          return;
        case 'not-a-jwks':
          res.setHeader('content-type', 'application/json');
          res.end('{"hello":"world"}');
          return;
        case 'redirect':
          res.statusCode = 302;
          res.setHeader('location', `${this.url}/elsewhere`);
          res.end();
          return;
      }
      const body = JSON.stringify(this.document());
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"`;
      res.setHeader('etag', etag);
      if (this.cacheControl !== null) res.setHeader('cache-control', this.cacheControl);
      if (ifNoneMatch === etag) {
        this.notModified++;
        res.statusCode = 304;
        res.end();
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.end(body);
    };
    if (this.delayMs > 0) setTimeout(answer, this.delayMs);
    else answer();
  }

  async stop(): Promise<void> {
    for (const res of this.#hanging) res.socket?.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
