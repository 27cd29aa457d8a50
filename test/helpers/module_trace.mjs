// Preloaded with `node --import <this file>` (plain JavaScript, so it also runs where tsx is not
// installed): when the process exits, writes to $GATEHOUSE_MODULE_TRACE every module it loaded,
// one path or URL a line — the CommonJS ones (require.cache, which also holds a CommonJS package
// loaded through `import`) and the ES modules (a resolve hook, registered here, reports each URL
// it resolved to this thread). It observes; it changes nothing the program sees.
import { writeFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';

const file = process.env.GATEHOUSE_MODULE_TRACE;
if (file === undefined) throw new Error('module_trace.mjs: set GATEHOUSE_MODULE_TRACE to the output file');
const esm = new Set();
const { port1, port2 } = new MessageChannel();
port1.on('message', (url) => esm.add(url));
port1.unref();
register('./module_trace_hooks.mjs', { parentURL: import.meta.url, data: { port: port2 }, transferList: [port2] });
const cache = createRequire(import.meta.url).cache;
process.on('exit', () => {
  writeFileSync(file, [...Object.keys(cache), ...esm].join('\n') + '\n');
});
