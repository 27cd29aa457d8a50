/**
 * Fetches a JSON document (JWKS or OIDC discovery) the way a key source must be fetched: with a
 * deadline, without following redirects (jose and krakend-jose do the same: a redirect could move
 * trust to another host), with a body size cap, conditionally (`If-None-Match`), and reading
 * `Cache-Control: max-age` for the refresh interval.
 */
import { Agent, request, type Dispatcher } from 'undici';

export interface FetchOptions {
  timeoutMs: number;
  /** Skip TLS certificate verification (`isSslVerifyDisabled`). */
  insecure: boolean;
  etag?: string | null;
  maxBytes?: number;
  signal?: AbortSignal;
  /**
   * The fetch is a refetch for an unknown kid: a shared fetcher (cluster primary) must not answer
   * it from a cache older than the refetch itself. Default false.
   */
  fresh?: boolean;
  /** The store's kid-miss cooldown, so a shared fetcher can bound fresh fetches across workers. */
  cooldownMs?: number;
}

/**
 * Fetches a key document. `fetchJsonDocument` by default; a `--workers` worker is handed one that
 * asks the primary's broker (jwks/broker.ts), injected through the compile context.
 */
export type DocumentFetcher = (url: string, opts: FetchOptions) => Promise<FetchResult>;

export type FetchResult =
  | { status: 200; body: unknown; etag: string | null; maxAgeSec: number | null }
  | { status: 304; etag: string | null; maxAgeSec: number | null };

/** Largest JWKS / discovery document accepted, in bytes. */
export const DEFAULT_MAX_DOCUMENT_BYTES = 512 * 1024;

let insecureAgent: Agent | null = null;

function dispatcherFor(insecure: boolean): Dispatcher | undefined {
  if (!insecure) return undefined;
  insecureAgent ??= new Agent({ connect: { rejectUnauthorized: false } });
  return insecureAgent;
}

/** `max-age` in seconds from a Cache-Control value; 0 for no-store/no-cache; null when absent. */
export function parseMaxAge(cacheControl: string | string[] | undefined): number | null {
  const value = Array.isArray(cacheControl) ? cacheControl.join(',') : cacheControl;
  if (value === undefined) return null;
  if (/(?:^|,)\s*(?:no-store|no-cache)\s*(?:,|$)/i.test(value)) return 0;
  const m = /(?:^|,)\s*max-age\s*=\s*"?(\d+)"?\s*(?:,|$)/i.exec(value);
  return m ? Number(m[1]) : null;
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Fetches `url` over the network; throws an Error whose message says what went wrong (it goes to the admin API). */
export async function fetchJsonDocument(url: string, opts: FetchOptions): Promise<FetchResult> {
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
  const headers: Record<string, string> = { accept: 'application/json, application/jwk-set+json' };
  if (opts.etag) headers['if-none-match'] = opts.etag;
  const dispatcher = dispatcherFor(opts.insecure);
  let res: Dispatcher.ResponseData;
  try {
    res = await request(url, {
      method: 'GET',
      headers,
      signal,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      ...(dispatcher ? { dispatcher } : {}),
    });
  } catch (err) {
    if (timeout.aborted) throw new Error(`timed out after ${opts.timeoutMs} ms`, { cause: err });
    throw new Error(`request failed: ${(err as Error).message}`, { cause: err });
  }
  const etag = header(res.headers, 'etag') ?? null;
  const maxAgeSec = parseMaxAge(res.headers['cache-control']);
  if (res.statusCode === 304 && opts.etag) {
    await res.body.dump();
    return { status: 304, etag: etag ?? opts.etag, maxAgeSec };
  }
  if (res.statusCode >= 300 && res.statusCode < 400) {
    await res.body.dump();
    throw new Error(`HTTP ${res.statusCode}: redirects are not followed`);
  }
  if (res.statusCode !== 200) {
    await res.body.dump();
    throw new Error(`HTTP ${res.statusCode}`);
  }
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) {
        res.body.destroy();
        throw new Error(`document larger than ${maxBytes} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    if (timeout.aborted) throw new Error(`timed out after ${opts.timeoutMs} ms`, { cause: err });
    throw err;
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    throw new Error('response is not JSON', { cause: err });
  }
  return { status: 200, body, etag, maxAgeSec };
}

/** Why `uri` may not serve keys, or null: https, or http to a loopback host, or http with isSslVerifyDisabled. */
export function keyUriProblem(uri: string, isSslVerifyDisabled: boolean): string | null {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol === 'https:') return null;
  if (url.protocol !== 'http:') return 'must be an https URL';
  if (isLoopbackHost(url.hostname) || isSslVerifyDisabled) return null;
  return 'must use https (plain http is allowed for loopback hosts, or with isSslVerifyDisabled: true)';
}

/**
 * keyUriProblem for an endpoint that receives a client secret (introspection, token exchange):
 * plain http only on loopback, whatever isSslVerifyDisabled says — that switch relaxes certificate
 * checks, it does not make sending a secret in clear acceptable.
 */
export function secretUriProblem(uri: string): string | null {
  const problem = keyUriProblem(uri, false);
  return problem === null || problem === 'must be an absolute URL' || problem === 'must be an https URL' ? problem : 'must use https: the client secret is sent there (plain http only for loopback hosts)';
}

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}
