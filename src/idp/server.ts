/**
 * The identity provider's HTTP surface (node:http, no framework): Auth0's `POST /oauth/token`,
 * RFC 7662's `POST /oauth/introspect`, `/.well-known/jwks.json`, `/.well-known/openid-configuration`
 * and the `/api/v2/` management API.
 * The token path reads only the in-memory snapshot: no database, no key import, no serialising of
 * key material per request.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import client from 'prom-client';
import type { Logger } from '../lib/log.ts';
import { clientCredentials } from './client_credentials.ts';
import { MAX_BODY_BYTES, readBody, sendJson } from './http_io.ts';
import { introspect } from './introspect.ts';
import type { IdpState } from './idp_state.ts';
import { handleManagement } from './management_api.ts';
import { oauthErrors, type OAuthError } from './oauth_error.ts';
import { isOAuthError, parseTokenRequest } from './token_request.ts';

// Short, so that a rotation or a revocation reaches verifiers quickly; a verifier that meets an
// unknown kid refetches anyway.
const JWKS_CACHE_CONTROL = 'public, max-age=15, stale-while-revalidate=15, stale-if-error=86400';

export interface IdpServerOptions {
  log: Logger;
  defaultAudience: string | undefined;
  /** Registry for the token counters (the gateway's); default: a private one. */
  metrics?: client.Registry;
}

function discovery(issuer: string): Record<string, unknown> {
  return {
    issuer,
    token_endpoint: `${issuer}oauth/token`,
    introspection_endpoint: `${issuer}oauth/introspect`,
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    jwks_uri: `${issuer}.well-known/jwks.json`,
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    response_types_supported: ['token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    claims_supported: ['iss', 'sub', 'aud', 'iat', 'exp', 'scope', 'gty', 'azp', 'client_id', 'jti', 'permissions'],
    request_parameter_supported: false,
  };
}

export function createIdpServer(state: IdpState, opts: IdpServerOptions): Server {
  const registers = [opts.metrics ?? new client.Registry()];
  const tokensIssued = new client.Counter({
    name: 'gatehouse_idp_tokens_issued_total',
    help: 'Access tokens issued by the local identity provider.',
    labelNames: ['alg'],
    registers,
  });
  const tokenErrors = new client.Counter({
    name: 'gatehouse_idp_token_errors_total',
    help: 'Token requests refused by the local identity provider, by OAuth error code.',
    labelNames: ['error'],
    registers,
  });
  const introspections = new client.Counter({
    name: 'gatehouse_idp_introspections_total',
    help: 'Introspection requests answered by the local identity provider, by result (active, inactive, or the OAuth error code).',
    labelNames: ['result'],
    registers,
  });
  let discoveryIssuer = '';
  let discoveryBody = '';

  function sendError(res: ServerResponse, e: OAuthError): void {
    tokenErrors.inc({ error: e.body.error });
    sendJson(res, e.status, e.body);
  }

  async function token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req, MAX_BODY_BYTES);
    if (body === null) return sendError(res, oauthErrors.bodyTooLarge());
    const params = parseTokenRequest(req.headers['content-type'], body, req.headers.authorization);
    if (isOAuthError(params)) return sendError(res, params);
    const snapshot = state.snapshot;
    const out = await clientCredentials(
      { snapshot, secrets: state.secrets, defaultAudience: opts.defaultAudience, nowSec: Math.floor(state.now().getTime() / 1000) },
      params,
    );
    if (out.status !== 200) return sendError(res, out as OAuthError);
    tokensIssued.inc({ alg: snapshot.apiByIdentifier.get(params.audience ?? opts.defaultAudience ?? '')?.signingAlg ?? 'unknown' });
    sendJson(res, 200, out.body);
  }

  // Never logs the token: only the result's label is counted.
  async function introspection(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req, MAX_BODY_BYTES);
    const out =
      body === null
        ? oauthErrors.bodyTooLarge()
        : await introspect({ snapshot: state.snapshot, secrets: state.secrets, now: state.now() }, req.headers['content-type'], body, req.headers.authorization);
    if ('active' in out.body) {
      introspections.inc({ result: out.body.active ? 'active' : 'inactive' });
      return sendJson(res, 200, out.body);
    }
    const e = out as OAuthError;
    introspections.inc({ result: e.body.error });
    // RFC 6749 §5.2: a client that tried Basic authentication is told the scheme.
    const headers = e.status === 401 && req.headers.authorization !== undefined ? { 'cache-control': 'no-store', pragma: 'no-cache', 'www-authenticate': 'Basic realm="oauth"' } : undefined;
    sendJson(res, e.status, e.body, headers);
  }

  function jwks(req: IncomingMessage, res: ServerResponse): void {
    const snap = state.snapshot;
    const headers = { 'cache-control': JWKS_CACHE_CONTROL, etag: snap.jwksEtag };
    if (req.headers['if-none-match'] === snap.jwksEtag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(snap.jwksBody), ...headers });
    res.end(snap.jwksBody);
  }

  function openidConfiguration(res: ServerResponse): void {
    if (discoveryIssuer !== state.issuer) {
      discoveryIssuer = state.issuer;
      discoveryBody = JSON.stringify(discovery(state.issuer));
    }
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(discoveryBody), 'cache-control': 'public, max-age=300' });
    res.end(discoveryBody);
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const q = (req.url ?? '/').indexOf('?');
    const path = q < 0 ? (req.url ?? '/') : (req.url ?? '/').slice(0, q);
    if (path === '/oauth/token') {
      if (req.method === 'POST') return token(req, res);
      req.resume();
      return sendJson(res, 405, oauthErrors.methodNotAllowed().body, { allow: 'POST' });
    }
    if (path === '/oauth/introspect') {
      if (req.method === 'POST') return introspection(req, res);
      req.resume();
      return sendJson(res, 405, oauthErrors.methodNotAllowed().body, { allow: 'POST' });
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (path === '/.well-known/jwks.json') return jwks(req, res);
      if (path === '/.well-known/openid-configuration') return openidConfiguration(res);
    }
    if (path.startsWith('/api/v2/')) return handleManagement(state, req, res, new URL(req.url ?? '/', 'http://idp.invalid'));
    req.resume();
    sendJson(res, 404, { error: 'not_found', error_description: 'Not Found' });
  }

  return createServer({ maxHeaderSize: 16 * 1024, requestTimeout: 30_000, headersTimeout: 10_000 }, (req, res) => {
    route(req, res).catch((err: unknown) => {
      opts.log.error({ err }, 'identity provider: request failed');
      if (!res.headersSent) sendJson(res, 500, oauthErrors.serverError().body);
      else res.destroy();
    });
  });
}
