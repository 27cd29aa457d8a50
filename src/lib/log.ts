/**
 * The gateway's logger: pino JSON on stdout. Redaction is a second line of defence; the first is
 * that no code logs a token, a secret or an `Authorization` value in the first place.
 */
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

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

/** Creates the process logger. `level` defaults to `GATEHOUSE_LOG_LEVEL` or `info`. */
export function createLogger(opts: { level?: string; destination?: DestinationStream } = {}): Logger {
  const level = opts.level ?? process.env['GATEHOUSE_LOG_LEVEL'] ?? 'info';
  const options = { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, base: { svc: 'gatehouse' } };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}
