/** A real pino logger whose JSON lines are parsed into records the test can read. */
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/lib/log.ts';

export function collectingLogger(level = 'debug'): { log: Logger; records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) records.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  return { log: createLogger({ level, destination }), records };
}
