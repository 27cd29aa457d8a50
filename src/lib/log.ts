/**
 * The gateway's logger: pino JSON on stdout. Redaction is a second line of defence; the first is
 * that no code logs a token, a secret or an `Authorization` value in the first place.
 *
 * Access lines (one per request, on by default) are written by writeAccessLine, not through pino's
 * object serialisation, and stdout is batched (batchedStdout): lines are gathered and written at
 * most 25 ms later, and whatever is gathered is written when the process exits, an uncaught error
 * included (issue 16: one write per line cost about a third of the throughput).
 */
import { pino, type Logger, type DestinationStream } from 'pino';
import { createBatchedWriter, type BatchedWriter } from './batched_writer.ts';

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

/** Each logger made by createLogger → its sibling for access lines (see accessLogger). */
const ACCESS = new WeakMap<Logger, Logger>();

/** What stdout needs beyond pino's DestinationStream: a synchronous flush. */
export type BatchedDestination = DestinationStream & BatchedWriter;

let stdoutDestination: BatchedDestination | null = null;

/** On exit, how long the last lines may wait for a reader that does not read, ms. */
const EXIT_FLUSH_MS = 5000;

/**
 * The process's one stdout destination, shared by every logger createLogger makes without a
 * destination: a BatchedWriter (lines written together at most 25 ms later, a full pipe never
 * stalls the event loop), written out on exit — 'exit' also runs after an uncaught exception,
 * Node emits it before exiting with code 1. One write per line, each waking the pipe's reader,
 * cost about a third of a stock request's throughput (issue 16). Lost on SIGKILL: the lines of
 * the last 25 ms, and on exit the lines a reader that stopped reading has not taken within 5 s.
 */
export function batchedStdout(): BatchedDestination {
  if (stdoutDestination !== null) return stdoutDestination;
  const writer = createBatchedWriter(1);
  // A reader that stopped reading but keeps the pipe open must not keep the process from exiting.
  process.on('exit', () => writer.flushSync(EXIT_FLUSH_MS));
  stdoutDestination = writer;
  return writer;
}

/** Creates the process logger. `level` defaults to `GATEHOUSE_LOG_LEVEL` or `info`. */
export function createLogger(opts: { level?: string; destination?: DestinationStream } = {}): Logger {
  const level = opts.level ?? process.env['GATEHOUSE_LOG_LEVEL'] ?? 'info';
  const base = { level, base: { svc: 'gatehouse' } };
  // Both write to the same destination, so their lines keep their order.
  const destination = opts.destination ?? batchedStdout();
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
export function accessLogger(log: Logger): Logger {
  return ACCESS.get(log) ?? log;
}

/** Per logger: the stream its lines go to and its bindings, serialised once (pino's own string). */
const ACCESS_TARGET = new WeakMap<Logger, { stream: DestinationStream; bindings: string }>();

function targetOf(log: Logger): { stream: DestinationStream; bindings: string } {
  let t = ACCESS_TARGET.get(log);
  if (t === undefined) {
    const l = log as unknown as Record<symbol, unknown>;
    t = { stream: l[pino.symbols.streamSym] as DestinationStream, bindings: String(l[pino.symbols.chindingsSym] ?? '') };
    ACCESS_TARGET.set(log, t);
  }
  return t;
}

/** Characters a JSON string must escape, and lone surrogates (JSON.stringify escapes those too). */
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/;

function jsonString(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

/**
 * Writes one access line through `log` (an access logger, see accessLogger), the same JSON pino's
 * `log.info({...}, 'access')` writes — level, time, the logger's bindings, then the fields, then
 * msg — built as one string instead of an object pino walks and serialises (issue 16). Undefined
 * fields are left out, as pino does. The caller checks that the logger logs at info.
 */
export function writeAccessLine(
  log: Logger,
  reqId: string,
  route: string | undefined,
  method: string,
  path: string,
  status: number,
  ms: number,
  auth: string | undefined,
  sub: string | undefined,
  client: string | undefined,
): void {
  const t = targetOf(log);
  let line = `{"level":30,"time":${Date.now()}${t.bindings},"reqId":${jsonString(reqId)}`;
  if (route !== undefined) line += `,"route":${jsonString(route)}`;
  line += `,"method":${jsonString(method)},"path":${jsonString(path)},"status":${status},"ms":${ms}`;
  if (auth !== undefined) line += `,"auth":${jsonString(auth)}`;
  if (sub !== undefined) line += `,"sub":${jsonString(sub)}`;
  if (client !== undefined) line += `,"client":${jsonString(client)}`;
  t.stream.write(`${line},"msg":"access"}\n`);
}
