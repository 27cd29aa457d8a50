/** A stand-in OTLP/HTTP collector for the tracing benchmark: reads each export and answers 200 `{}`. */
import { createServer } from 'node:http';

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 });
    res.end('{}');
  });
});
server.listen(0, '127.0.0.1', () => {
  const a = server.address() as { port: number };
  console.log(`listening http://127.0.0.1:${a.port}/v1/traces`);
});
process.on('SIGTERM', () => process.exit(0)); // a benchmark target: no draining needed
