/**
 * The console's only way to the gateway: the documented admin API on the same origin, with the
 * operator's admin credential as `Authorization: Bearer`. The credential lives in sessionStorage
 * (gone when the tab closes, never in a cookie, so another site cannot make the browser send it).
 */

const CREDENTIAL_KEY = 'gatehouse.console.credential';

/** An admin API answer that was not 2xx, with the message the API gave. */
export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export function credential(): string | null {
  return sessionStorage.getItem(CREDENTIAL_KEY);
}

export function saveCredential(value: string): void {
  sessionStorage.setItem(CREDENTIAL_KEY, value);
}

export function forgetCredential(): void {
  sessionStorage.removeItem(CREDENTIAL_KEY);
}

/** Called when the API answers 401: the credential expired or was revoked, so the login page shows again. */
let onUnauthorized: () => void = () => undefined;
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

function messageOf(status: number, text: string): string {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const parts = [body['message'], body['error_description'], body['error']].filter((v): v is string => typeof v === 'string');
    const errors = Array.isArray(body['errors']) ? (body['errors'] as unknown[]).map(String) : [];
    if (parts.length > 0 || errors.length > 0) return [...parts.slice(0, 1), ...errors].join('; ');
  } catch {
    // not JSON: the text itself
  }
  return text.trim() === '' ? `HTTP ${status}` : text.trim().slice(0, 300);
}

/** One admin API call; JSON in and out. Non-2xx answers throw ApiError. */
export async function call<T>(method: string, path: string, body?: unknown, token = credential()): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token !== null) headers['authorization'] = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit', cache: 'no-store' });
  const text = await res.text();
  if (!res.ok) {
    if (res.status === 401 && token === credential()) onUnauthorized();
    throw new ApiError(res.status, messageOf(res.status, text));
  }
  return (text === '' ? null : JSON.parse(text)) as T;
}

export const get = <T>(path: string): Promise<T> => call<T>('GET', path);
export const post = <T>(path: string, body?: unknown): Promise<T> => call<T>('POST', path, body ?? {});

/** `/metrics` is Prometheus text, not JSON. */
export async function metricsText(): Promise<string> {
  const token = credential();
  const res = await fetch('/metrics', { headers: token === null ? {} : { authorization: `Bearer ${token}` }, credentials: 'omit', cache: 'no-store' });
  if (!res.ok) throw new ApiError(res.status, `GET /metrics: HTTP ${res.status}`);
  return res.text();
}

/** `/health/ready` answers 503 with the same body when not ready: both are answers, not errors. */
export async function readiness<T>(): Promise<T> {
  const res = await fetch('/health/ready', { credentials: 'omit', cache: 'no-store' });
  return (await res.json()) as T;
}
