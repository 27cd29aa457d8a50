/** Small helpers shared by the commands' argument parsing. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, type ConfigIssue } from '../errors.ts';

/** parseArgs with strict checking; a usage error is printed and returned as null. */
function parseOrExplain<T extends ParseArgsConfig>(config: T, argv: string[], usage: string): ReturnType<typeof parseArgs<T>> | null {
  try {
    return parseArgs({ ...config, args: argv, strict: true } as T);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${usage}\n`);
    return null;
  }
}

/** True when `--help` or `-h` comes before any `--` (after it, arguments are positional). */
function asksForHelp(argv: readonly string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}

/**
 * parseArgs for a command or subcommand that answers `--help`/`-h` (issue 11: `fn init --help`
 * printed the parser's "Unknown option"). Returns the parsed arguments, or the exit code to return
 * at once: 0 after printing `usage` on stdout for help, 2 after a usage error on stderr. Help wins
 * over a usage error, so `--bogus --help` still shows the usage.
 */
export function parseWithHelp<T extends ParseArgsConfig>(config: T, argv: string[], usage: string): ReturnType<typeof parseArgs<T>> | number {
  if (asksForHelp(argv)) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const parsed = parseOrExplain(config, argv, usage);
  return parsed ?? 2;
}

/** Parses a port flag: an integer 0..65535, or an error message. */
export function parsePort(value: string | undefined, flag: string): number | undefined | string {
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 && n <= 65535 ? n : `${flag}: expected a port number (0-65535), got "${value}"`;
}

/** `<file>: <what>, N problem(s):` then one indented line per problem, each with its path. */
export function explainConfigError(file: string, what: string, err: ConfigError): string {
  return `${file}: ${what}, ${err.issues.length} problem(s):\n${err.message.split('\n').map((l) => `  ${l}`).join('\n')}\n`;
}

/** `<file>: N warning(s):` then one indented line per warning, each with its path; '' when there is none. */
export function explainWarnings(file: string, warnings: readonly ConfigIssue[]): string {
  if (warnings.length === 0) return '';
  return `${file}: ${warnings.length} warning(s):\n${warnings.map((w) => `  ${w.path ? `${w.path}: ` : ''}${w.message}`).join('\n')}\n`;
}

/** A command line that does not make sense: answered with the command's usage and exit code 2. */
export class UsageError extends Error {}

/** Prints `value` as JSON (`--json`) or the human line. */
export function out(json: boolean, value: unknown, human: string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human}\n`);
}

/** `value`, or a UsageError saying that `what` is required. */
export function need(value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw new UsageError(`${what} is required`);
  return value;
}

/**
 * How a management command (`idp`, `subscribers`) reports a failure: usage errors with the usage
 * text (exit 2), an invalid configuration with its problems, anything else as one line (exit 1).
 */
export function commandFailed(command: string, usage: string, configFile: string, err: unknown): number {
  if (err instanceof UsageError) {
    process.stderr.write(`gatehouse ${command}: ${err.message}\n\n${usage}\n`);
    return 2;
  }
  if (err instanceof ConfigError) {
    process.stderr.write(explainConfigError(configFile, 'invalid', err));
    return 1;
  }
  process.stderr.write(`gatehouse ${command}: ${(err as Error).message}\n`);
  return 1;
}
