/**
 * One error taxonomy for the whole gateway, so logs and tests match on codes, not messages. Every
 * error carries a stable `GW_ERR_*` code and the HTTP status it maps to. Expected denials on the
 * hot path are values (see auth/types.ts); these classes are for configuration, start-up and
 * backend failures.
 */

export type GatewayErrorCode =
  | 'GW_ERR_CONFIG_INVALID'
  | 'GW_ERR_CONFIG_UNSUPPORTED'
  | 'GW_ERR_CONFIG_READ'
  | 'GW_ERR_ROUTE_NOT_FOUND'
  | 'GW_ERR_METHOD_NOT_ALLOWED'
  | 'GW_ERR_BAD_REQUEST'
  | 'GW_ERR_PAYLOAD_TOO_LARGE'
  | 'GW_ERR_UPSTREAM_CONNECT'
  | 'GW_ERR_UPSTREAM_TIMEOUT'
  | 'GW_ERR_UPSTREAM_RESPONSE'
  | 'GW_ERR_FUNCTION_START'
  | 'GW_ERR_FUNCTION_FAILED'
  | 'GW_ERR_FUNCTION_TIMEOUT'
  | 'GW_ERR_FUNCTION_BUSY'
  | 'GW_ERR_AUTH'
  | 'GW_ERR_JWKS_UNAVAILABLE'
  | 'GW_ERR_INTERNAL';

export class GatewayError extends Error {
  readonly code: GatewayErrorCode;
  readonly status: number;
  constructor(code: GatewayErrorCode, status: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GatewayError';
    this.code = code;
    this.status = status;
  }
}

/** One problem found in a configuration file, located by its path (`deployments[0].pathPrefix`). */
export interface ConfigIssue {
  path: string;
  message: string;
}

/** A configuration that cannot be loaded; `issues` lists every problem found, each with its path. */
export class ConfigError extends GatewayError {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[], options?: { cause?: unknown }) {
    const unsupported = issues.length > 0 && issues.every((i) => i.message.startsWith('not supported yet'));
    super(
      unsupported ? 'GW_ERR_CONFIG_UNSUPPORTED' : 'GW_ERR_CONFIG_INVALID',
      500,
      issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('\n'),
      options,
    );
    this.name = 'ConfigError';
    this.issues = issues;
  }
}
