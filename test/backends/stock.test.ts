import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createStockBackend } from '../../src/backends/stock.ts';
import { createLogger } from '../../src/lib/log.ts';
import { SharedRegistry } from '../../src/lib/shared_registry.ts';
import type { CompileContext, GatewayRequest } from '../../src/types.ts';
import type { StockBackendConfig } from '../../src/backends/stock.ts';

function compile(config: StockBackendConfig) {
  const issues: CompileContext['issues'] = [];
  const ctx: CompileContext = { registry: new SharedRegistry(), log: createLogger({ level: 'silent' }), baseDir: '/', issues, issue: (path, message) => void issues.push({ path, message }), warnings: [], warn: () => undefined };
  return { backend: createStockBackend(config, 'b', ctx), issues };
}

/** Raw head of one answer from a real server running the backend. */
async function head(config: StockBackendConfig, method: string): Promise<string> {
  const { backend } = compile(config);
  const server = createServer((req, res) => void backend.handle({ req, res, responseTransform: null } as unknown as GatewayRequest));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const { connect } = await import('node:net');
  const text = await new Promise<string>((resolve) => {
    const s = connect(port, '127.0.0.1');
    let d = '';
    s.on('data', (c) => (d += c.toString('latin1')));
    s.on('close', () => resolve(d));
    s.write(`${method} / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  });
  server.close();
  return text;
}

describe('STOCK_RESPONSE_BACKEND', () => {
  it('regression: a 204 carries no Content-Length (it did send the configured body length)', async () => {
    const text = await head({ type: 'STOCK_RESPONSE_BACKEND', status: 204 }, 'GET');
    assert.match(text, /^HTTP\/1\.1 204 /);
    assert.doesNotMatch(text, /content-length/i);
  });

  it('refuses a body on a status that has none', () => {
    assert.deepEqual(compile({ type: 'STOCK_RESPONSE_BACKEND', status: 304, body: 'x' }).issues, [{ path: 'b.body', message: 'a 304 response has no body' }]);
    assert.deepEqual(compile({ type: 'STOCK_RESPONSE_BACKEND', status: 204, body: '' }).issues, []);
  });

  it('answers HEAD with the GET length and no body', async () => {
    const text = await head({ type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'hello' }, 'HEAD');
    assert.match(text, /content-length: 5\r\n/i);
    assert.ok(text.endsWith('\r\n\r\n'), 'no body after the head');
  });
});
