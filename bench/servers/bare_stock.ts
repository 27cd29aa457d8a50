/** Baseline: a bare node:http server answering a fixed JSON body (no routing, no auth). */
import { createServer } from 'node:http';

const body = Buffer.from('{"hello":"world"}');
const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => {
  const a = server.address() as { port: number };
  console.log(`listening http://127.0.0.1:${a.port}`);
});
process.on('SIGTERM', () => process.exit(0)); // a benchmark target: no draining needed
