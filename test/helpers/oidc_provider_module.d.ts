/**
 * The part of `oidc-provider` (major 8, a dev dependency that ships no TypeScript types) the tests
 * use. Loosely typed on purpose: it describes a third-party server the tests run, not our API.
 */
declare module 'oidc-provider' {
  import type { EventEmitter } from 'node:events';
  import type { IncomingMessage, ServerResponse } from 'node:http';

  /** Koa's context, as much of it as a counting middleware reads. */
  export interface KoaContextLike {
    method: string;
    path: string;
    status: number;
    headers: Record<string, string | string[] | undefined>;
    [key: string]: unknown;
  }

  /** OAuth errors named after their codes (`new errors.InvalidTarget('...')`). */
  export const errors: Record<string, new (description?: string, detail?: string) => Error>;

  export default class Provider extends EventEmitter {
    constructor(issuer: string, configuration?: Record<string, unknown>);
    readonly issuer: string;
    proxy: boolean;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    use(middleware: (ctx: KoaContextLike, next: () => Promise<void>) => Promise<void>): void;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Record<string, unknown>>;
    interactionFinished(req: IncomingMessage, res: ServerResponse, result: Record<string, unknown>, options?: Record<string, unknown>): Promise<void>;
    interactionResult(req: IncomingMessage, res: ServerResponse, result: Record<string, unknown>, options?: Record<string, unknown>): Promise<string>;
    readonly Grant: new (fields: Record<string, unknown>) => {
      addOIDCScope(scope: string): void;
      addResourceScope(resource: string, scope: string): void;
      save(): Promise<string>;
    };
    readonly [model: string]: unknown;
  }
}
