/**
 * One error taxonomy for the whole gateway, so logs and tests match on codes, not messages. Every
 * error carries a stable `GW_ERR_*` code and the HTTP status it maps to. Expected denials on the
 * hot path are values (see auth/types.ts); these classes are for configuration, start-up and
 * backend failures.
 */
export class GatewayError extends Error {
    code;
    status;
    constructor(code, status, message, options) {
        super(message, options);
        this.name = 'GatewayError';
        this.code = code;
        this.status = status;
    }
}
/** A configuration that cannot be loaded; `issues` lists every problem found, each with its path. */
export class ConfigError extends GatewayError {
    issues;
    constructor(issues, options) {
        const unsupported = issues.length > 0 && issues.every((i) => i.message.startsWith('not supported yet'));
        super(unsupported ? 'GW_ERR_CONFIG_UNSUPPORTED' : 'GW_ERR_CONFIG_INVALID', 500, issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('\n'), options);
        this.name = 'ConfigError';
        this.issues = issues;
    }
}
