/**
 * `gatehouse <command> [options]`. Each command is a module `src/cli/<command>.ts` exporting
 * `run(argv): Promise<number>` (the exit code), loaded only when used.
 */
var __rewriteRelativeImportExtension = (this && this.__rewriteRelativeImportExtension) || function (path, preserveJsx) {
    if (typeof path === "string" && /^\.\.?\//.test(path)) {
        return path.replace(/\.(tsx)$|((?:\.d)?)((?:\.[^./]+?)?)\.([cm]?)ts$/i, function (m, tsx, d, ext, cm) {
            return tsx ? preserveJsx ? ".jsx" : ".js" : d && (!ext || !cm) ? m : (d + ext + "." + cm.toLowerCase() + "js");
        });
    }
    return path;
};
const COMMANDS = {
    serve: 'run the gateway (and the local identity provider when configured)',
    validate: 'check a configuration file and print every problem with its path',
    schema: 'print the JSON Schema of gatehouse.yaml',
    token: 'get an access token from the local identity provider',
    idp: 'manage or run the local identity provider (apis, apps, grants, keys, serve)',
    fn: 'create or invoke functions (init, invoke)',
    subscribers: 'manage usage-plan subscribers and their client tokens (list, create, add-client, ...)',
    reload: 'ask the running gateway to reload its configuration (with the admin key)',
};
export const USAGE = `Usage: gatehouse <command> [options]

Commands:
${Object.entries(COMMANDS)
    .map(([name, summary]) => `  ${name.padEnd(10)}${summary}`)
    .join('\n')}

Run 'gatehouse <command> --help' for a command's options.`;
/**
 * A reader that closes early (`gatehouse schema | head`) makes the next write fail with EPIPE,
 * which Node raises as an unhandled 'error' event: a stack trace for an ordinary pipeline (issue
 * 11). The reader has all it wanted, so the command stops writing and ends as it would have; any
 * other stream error still surfaces. The gateway's JSON logs do not go through process.stdout:
 * pino's destination already stops logging on EPIPE and the gateway keeps serving.
 */
function quietOnBrokenPipe(stream) {
    stream.on('error', (err) => {
        if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED')
            return;
        throw err;
    });
}
export async function main(argv) {
    quietOnBrokenPipe(process.stdout);
    quietOnBrokenPipe(process.stderr);
    const [name, ...rest] = argv;
    if (name === 'help' && rest[0] !== undefined && Object.hasOwn(COMMANDS, rest[0]))
        return main([rest[0], '--help']);
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
        process.stdout.write(`${USAGE}\n`);
        return name === undefined ? 2 : 0;
    }
    if (name === '--version' || name === '-v') {
        const { readFileSync } = await import('node:fs');
        const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
        process.stdout.write(`${pkg.version}\n`);
        return 0;
    }
    if (!Object.hasOwn(COMMANDS, name)) {
        process.stderr.write(`gatehouse: unknown command "${name}"\n\n${USAGE}\n`);
        return 2;
    }
    const mod = (await import(__rewriteRelativeImportExtension(`./${name}.ts`)));
    return mod.run(rest);
}
