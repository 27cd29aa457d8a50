/**
 * `gatehouse fn init <dir>` scaffolds a function as `fn init --runtime node` does;
 * `gatehouse fn invoke --config FILE <functionId>` starts it as the gateway would, makes one call,
 * prints the body and exits 0 when the function's status is 2xx.
 */
import { randomUUID } from 'node:crypto';
import { relative } from 'node:path';
import { loadConfigFile } from '../config/load.js';
import { ConfigError } from '../errors.js';
import { encodeCallHeaders } from '../functions/call_codec.js';
import { compileFunctions } from '../functions/compile.js';
import { functionName, scaffoldFunction } from '../functions/scaffold.js';
import { createLogger } from '../lib/log.js';
import { SharedRegistry } from '../lib/shared_registry.js';
import { createCompileContext } from '../config/compile_context.js';
import { explainConfigError, explainWarnings, parseWithHelp } from './args.js';
const INIT_USAGE = `Usage: gatehouse fn init <dir> [--name NAME]
      Create a Node function (func.yaml, func.js, package.json) using @fnproject/fdk.
      --name NAME         the function's name (default: derived from the directory's name)`;
const INVOKE_USAGE = `Usage: gatehouse fn invoke --config FILE <functionId> [--data STR] [--content-type TYPE] [--method M] [--url PATH]
      Start the function from the config's \`functions\` map, call it once, print the body.
      Without --data the body is read from stdin when stdin is not a terminal.
  -c, --config FILE       gatehouse.yaml with a functions map
  -d, --data STR          the request body
      --content-type TYPE the request's Content-Type
      --method M          the request method (default POST)
      --url PATH          the request URL (default /)`;
const USAGE = `Usage: gatehouse fn <command> [options]

  init <dir> [--name NAME]
      Create a Node function (func.yaml, func.js, package.json) using @fnproject/fdk.
  invoke --config FILE <functionId> [--data STR] [--content-type TYPE] [--method M] [--url PATH]
      Start the function from the config's \`functions\` map, call it once, print the body.

Run 'gatehouse fn <command> --help' for a command's options.`;
async function init(argv) {
    const args = parseWithHelp({ options: { name: { type: 'string' } }, allowPositionals: true }, argv, INIT_USAGE);
    if (typeof args === 'number')
        return args;
    const dir = args.positionals[0];
    if (dir === undefined || args.positionals.length > 1) {
        process.stderr.write(`${INIT_USAGE}\n`);
        return 2;
    }
    const name = args.values.name ?? functionName(dir);
    try {
        const files = scaffoldFunction(dir, name);
        for (const f of files)
            process.stdout.write(`created ${relative(process.cwd(), f) || f}\n`);
    }
    catch (err) {
        process.stderr.write(`gatehouse fn init: ${err.message}\n`);
        return 1;
    }
    process.stdout.write(`\nNext: cd ${dir} && npm install, then add to gatehouse.yaml:\n  functions:\n    ${name}: { path: ${dir} }\n`);
    return 0;
}
async function readStdin() {
    if (process.stdin.isTTY)
        return Buffer.alloc(0);
    const chunks = [];
    for await (const chunk of process.stdin)
        chunks.push(chunk);
    return Buffer.concat(chunks);
}
async function invoke(argv) {
    const args = parseWithHelp({
        options: {
            config: { type: 'string', short: 'c' },
            data: { type: 'string', short: 'd' },
            'content-type': { type: 'string' },
            method: { type: 'string', default: 'POST' },
            url: { type: 'string', default: '/' },
        },
        allowPositionals: true,
    }, argv, INVOKE_USAGE);
    if (typeof args === 'number')
        return args;
    const functionId = args.positionals[0];
    const file = args.values.config;
    if (functionId === undefined || file === undefined || args.positionals.length > 1) {
        process.stderr.write(`${INVOKE_USAGE}\n`);
        return 2;
    }
    let loaded;
    try {
        loaded = loadConfigFile(file);
    }
    catch (err) {
        if (err instanceof ConfigError) {
            process.stderr.write(explainConfigError(file, 'invalid', err));
            return 1;
        }
        throw err;
    }
    const registry = new SharedRegistry();
    // Function output and call failures go to stderr; stdout carries only the result body.
    const ctx = createCompileContext(loaded, registry, createLogger({ destination: process.stderr }));
    try {
        const catalog = compileFunctions(loaded.config.functions, 'functions', ctx);
        const invoker = catalog.get(functionId);
        process.stderr.write(explainWarnings(file, ctx.warnings));
        if (ctx.issues.length > 0 || invoker === undefined) {
            if (ctx.issues.length > 0)
                process.stderr.write(explainConfigError(file, 'invalid', new ConfigError(ctx.issues)));
            if (!catalog.has(functionId))
                process.stderr.write(`unknown function "${functionId}" (not in functions of ${file})\n`);
            return 1;
        }
        const body = args.values.data !== undefined ? Buffer.from(args.values.data) : await readStdin();
        const raw = ['Host', 'localhost', 'User-Agent', 'gatehouse-fn-invoke'];
        if (args.values['content-type'] !== undefined)
            raw.push('Content-Type', args.values['content-type']);
        const callId = randomUUID();
        const out = await invoker.invoke({ callId, headers: encodeCallHeaders(callId, args.values.method, args.values.url, raw), body });
        if (!out.ok) {
            process.stderr.write(`gatehouse fn invoke: ${functionId}: ${out.failure}: ${out.detail}\n`);
            return 1;
        }
        process.stdout.write(out.body);
        if (out.status < 200 || out.status > 299) {
            process.stderr.write(`gatehouse fn invoke: ${functionId} answered ${out.status}\n`);
            return 1;
        }
        return 0;
    }
    finally {
        await registry.closeAll();
    }
}
export async function run(argv) {
    const [sub, ...rest] = argv;
    if (sub === 'init')
        return init(rest);
    if (sub === 'invoke')
        return invoke(rest);
    if (sub === '--help' || sub === '-h' || sub === 'help') {
        process.stdout.write(`${USAGE}\n`);
        return 0;
    }
    process.stderr.write(`${sub === undefined ? '' : `gatehouse fn: unknown command "${sub}"\n\n`}${USAGE}\n`);
    return 2;
}
