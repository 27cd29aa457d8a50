/**
 * The admin API's `/admin/subscribers` routes (usage_admin.ts does the work, as for the CLI):
 *
 * - `GET    /admin/subscribers`                         config-declared and API-managed subscribers
 * - `POST   /admin/subscribers`                         `{id?, displayName, usagePlans, clients?}` → 201, with each new client's token once
 * - `DELETE /admin/subscribers/{id}`                    → 204
 * - `POST   /admin/subscribers/{id}/clients`            `{name}` → 201 `{name, token}` (the token, once)
 * - `DELETE /admin/subscribers/{id}/clients/{name}`     → 204
 *
 * Bad input is a 400 with a JSON message; a write is visible to this gateway's requests as soon as
 * it is answered (the index is refreshed before answering) and to other instances within a poll.
 */
import type { SharedRegistry } from '../lib/shared_registry.ts';
import { SubscriberError } from '../state/subscribers.ts';
import {
  addSubscriberClient,
  createSubscriber,
  deleteSubscriber,
  liveCatalogInfo,
  listSubscribers,
  removeSubscriberClient,
  type CreateSubscriberInput,
} from './usage_admin.ts';
import { liveSubscriberIndex } from './usage_subscribers.ts';

/** An answer: status and JSON value (null: no body). */
export interface SubscribersAnswer {
  status: number;
  value: unknown;
}

const PREFIX = '/admin/subscribers';

/** True for the paths these routes own. */
export function isSubscribersPath(path: string): boolean {
  return path === PREFIX || path.startsWith(`${PREFIX}/`);
}

const error = (status: number, message: string): SubscribersAnswer => ({ status, value: { code: status, message } });

class BadInput extends Error {}

function parseJson(body: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(body === '' ? 'null' : body);
  } catch {
    throw new BadInput('the body is not JSON');
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new BadInput('the body must be a JSON object');
  return v as Record<string, unknown>;
}

function onlyFields(o: Record<string, unknown>, allowed: readonly string[]): void {
  const extra = Object.keys(o).filter((k) => !allowed.includes(k));
  if (extra.length > 0) throw new BadInput(`unknown field${extra.length > 1 ? 's' : ''}: ${extra.join(', ')} (allowed: ${allowed.join(', ')})`);
}

function text(o: Record<string, unknown>, field: string, required: boolean): string | undefined {
  const v = o[field];
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string' || v === '') throw new BadInput(`${field} must be a non-empty string`);
  return v;
}

function texts(v: unknown, field: string): string[] {
  if (!Array.isArray(v) || v.some((e) => typeof e !== 'string' || e === '')) throw new BadInput(`${field} must be a list of non-empty strings`);
  return v as string[];
}

function createInput(o: Record<string, unknown>): CreateSubscriberInput {
  onlyFields(o, ['id', 'displayName', 'usagePlans', 'clients']);
  const id = text(o, 'id', false);
  const clients =
    o['clients'] === undefined
      ? []
      : (Array.isArray(o['clients']) ? o['clients'] : [o['clients']]).map((c: unknown) => {
          // OCI's Subscriber shape lists clients as {name, token}; a token cannot be chosen here.
          if (typeof c === 'string' && c !== '') return c;
          if (c !== null && typeof c === 'object' && !Array.isArray(c)) {
            const entry = c as Record<string, unknown>;
            if (entry['token'] !== undefined) throw new BadInput('clients[].token cannot be given: the gateway generates each token and answers it once');
            onlyFields(entry, ['name']);
            return text(entry, 'name', true) as string;
          }
          throw new BadInput('clients must be a list of names (or {name} objects)');
        });
  return {
    ...(id === undefined ? {} : { id }),
    displayName: text(o, 'displayName', true) as string,
    usagePlans: texts(o['usagePlans'], 'usagePlans'),
    clients,
  };
}

/** Answers one `/admin/subscribers…` request. */
export async function answerSubscribers(registry: SharedRegistry, method: string, path: string, body: string): Promise<SubscribersAnswer> {
  const index = liveSubscriberIndex(registry);
  const info = liveCatalogInfo(registry);
  if (index === null || info === null) return error(404, 'usage plans are not configured on this gateway (no usagePlans in the config file)');
  const parts = path.slice(PREFIX.length).split('/').slice(1);
  let segments: string[];
  try {
    segments = parts.map((p) => decodeURIComponent(p));
  } catch {
    return error(400, 'malformed percent-encoding in the path');
  }
  const [id, sub, name, ...rest] = segments;
  try {
    const store = index.store;
    let answer: SubscribersAnswer | null = null;
    if (id === undefined) {
      if (method === 'GET' || method === 'HEAD') return { status: 200, value: await listSubscribers(store, info) };
      if (method === 'POST') answer = { status: 201, value: await createSubscriber(store, info, createInput(parseJson(body))) };
    } else if (id !== '' && sub === undefined) {
      if (method === 'DELETE') {
        await deleteSubscriber(store, info, id);
        answer = { status: 204, value: null };
      }
    } else if (id !== '' && sub === 'clients' && rest.length === 0) {
      if (name === undefined && method === 'POST') {
        const o = parseJson(body);
        onlyFields(o, ['name']);
        answer = { status: 201, value: await addSubscriberClient(store, info, id, text(o, 'name', true) as string) };
      } else if (name !== undefined && name !== '' && method === 'DELETE') {
        await removeSubscriberClient(store, info, id, name);
        answer = { status: 204, value: null };
      }
    } else {
      return error(404, 'Not Found');
    }
    if (answer === null) return error(405, `${method} is not allowed on ${path}`);
    // This gateway sees the change before the caller does.
    await index.refresh(true);
    return answer;
  } catch (err) {
    if (err instanceof BadInput) return error(400, err.message);
    if (err instanceof SubscriberError) return error(err.status, err.message);
    throw err;
  }
}
