/**
 * OCI's ValidationFailurePolicy of type MODIFY_RESPONSE (TOKEN_AUTHENTICATION and
 * CUSTOM_AUTHENTICATION `validationFailurePolicy`): when authentication refuses a request with 401
 * (no token, bad token, inactive token, authorizer denial), the answer is replaced by the configured
 * status, body and header transformations. Trouble on the gateway's side (503 keys or introspection
 * unavailable, 502/504 authorizer failures) is not a validation failure and keeps the stock answer.
 *
 * Type OAUTH2 (browser sign-in) is compiled by src/auth/oauth2/ and answers through the same
 * FailureResponse interface.
 *
 * Compiled once with the plan; the response code may hold context variables and is rendered per
 * denial: a result that is not an integer 200-599 falls back to 401, with a warning line.
 */
import type { CompileContext, GatewayRequest } from '../types.ts';
import type { AuthVerdict } from './types.ts';
import { compileStringTemplate, type StringTemplate } from '../backends/context_vars.ts';
import { compileResponseTransform, type ResponseHeaderTransform } from '../policies/transforms.ts';

export interface ModifyResponseConfig {
  type: 'MODIFY_RESPONSE';
  responseCode?: string;
  responseMessage?: string;
  responseHeaderTransformations?: unknown;
}

/** The compiled policy: answers a 401 denial in place of the gateway's stock answer. */
export interface FailureResponse {
  /** Writes the replacement answer; false when the verdict is not a validation failure (not a 401). */
  respond(ctx: GatewayRequest, verdict: AuthVerdict): boolean;
}

const NO_PARAMS: ReadonlyMap<string, boolean> = new Map();
const TEXT = 'text/plain; charset=utf-8';

/** A final HTTP status: 1xx answers are interim, so they cannot replace a denial. */
function statusOf(text: string): number | null {
  if (!/^\d{3}$/.test(text.trim())) return null;
  const n = Number(text.trim());
  return n >= 200 && n <= 599 ? n : null;
}

/**
 * Compiles `validationFailurePolicy` (schema-valid, type MODIFY_RESPONSE). Problems go to
 * ctx.issue with their paths; returns null then.
 */
export function compileFailureResponse(cfg: ModifyResponseConfig, path: string, ctx: CompileContext): FailureResponse | null {
  const before = ctx.issues.length;
  let code: StringTemplate | null = null;
  if (cfg.responseCode !== undefined) {
    const t = compileStringTemplate(cfg.responseCode, NO_PARAMS);
    if (typeof t === 'string') ctx.issue(`${path}.responseCode`, t);
    else if (t.constant !== null && statusOf(t.constant) === null) ctx.issue(`${path}.responseCode`, 'must be an HTTP status code from 200 to 599');
    else code = t;
  }
  let headers: ResponseHeaderTransform | null = null;
  if (cfg.responseHeaderTransformations !== undefined) {
    // The shared compiler names the field headerTransformations; report problems at this policy's own field.
    const from = `${path}.headerTransformations`;
    const to = `${path}.responseHeaderTransformations`;
    const fix = (p: string): string => (p.startsWith(from) ? to + p.slice(from.length) : p);
    const scoped: CompileContext = Object.create(ctx, {
      issue: { value: (p: string, m: string) => ctx.issue(fix(p), m) },
      warn: { value: (p: string, m: string) => ctx.warn(fix(p), m) },
    });
    headers = compileResponseTransform({ headerTransformations: cfg.responseHeaderTransformations }, path, scoped, NO_PARAMS);
  }
  if (ctx.issues.length > before) return null;
  const constantStatus = code === null ? 401 : code.constant === null ? null : (statusOf(code.constant) as number);
  const body = Buffer.from(cfg.responseMessage ?? '', 'utf8');
  const log = ctx.log;

  return {
    respond(rc, v) {
      if (v.status !== 401) return false;
      const res = rc.res;
      if (res.headersSent) {
        res.destroy();
        return true;
      }
      let status = constantStatus;
      if (status === null) {
        const rendered = (code as StringTemplate).render(rc);
        status = statusOf(rendered);
        if (status === null) {
          log.warn({ reqId: rc.requestId, path: `${path}.responseCode` }, 'validationFailurePolicy responseCode did not render to a status code from 200 to 599: answered 401');
          status = 401;
        }
      }
      const out: Record<string, string | string[]> = {};
      if (v.challenge !== null) out['www-authenticate'] = v.challenge;
      if (headers !== null) headers.apply(out, rc);
      if (out['content-type'] === undefined) out['content-type'] = TEXT;
      for (const name in out) res.setHeader(name, out[name] as string | string[]);
      res.setHeader('content-length', body.length);
      res.writeHead(status);
      res.end(body);
      return true;
    },
  };
}
