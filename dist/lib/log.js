/**
 * The gateway's logger: pino JSON on stdout. Redaction is a second line of defence; the first is
 * that no code logs a token, a secret or an `Authorization` value in the first place.
 */
import { pino } from 'pino';
/** Paths pino blanks wherever they appear in a log object. */
export const REDACTED_PATHS = [
    'authorization',
    'headers.authorization',
    'req.headers.authorization',
    '*.authorization',
    'token',
    '*.token',
    'access_token',
    '*.access_token',
    'client_secret',
    '*.client_secret',
    'clientSecret',
    '*.clientSecret',
    'secret',
    '*.secret',
    'password',
    '*.password',
];
/** Each logger made by createLogger → its sibling for access lines (see accessLogger). */
const ACCESS = new WeakMap();
/** Creates the process logger. `level` defaults to `GATEHOUSE_LOG_LEVEL` or `info`. */
export function createLogger(opts = {}) {
    const level = opts.level ?? process.env['GATEHOUSE_LOG_LEVEL'] ?? 'info';
    const base = { level, base: { svc: 'gatehouse' } };
    // Both write synchronously to the same destination, so their lines keep their order.
    const destination = opts.destination ?? pino.destination(1);
    const log = pino({ ...base, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination);
    ACCESS.set(log, pino(base, destination));
    return log;
}
/**
 * The logger for access lines: `log`'s sibling without redaction. An access line holds only
 * fields the gateway chose (request id, route, method, path without query, status, time, auth
 * reason, subject, client id), none of them a secret, and redaction's key matching cost ~18 % of
 * a protected request's CPU (bench/policies.ts, access log on). Falls back to `log` itself for a
 * logger createLogger did not make.
 */
export function accessLogger(log) {
    return ACCESS.get(log) ?? log;
}
