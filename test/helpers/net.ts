/** Network helpers shared by the tests and the benchmarks. */
import { createServer } from 'node:net';

/** A port free on 127.0.0.1 right now (for servers that cannot listen on port 0 themselves). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
