/**
 * The files `fn init --runtime node` writes (fnproject/cli's node boilerplate), so a function made
 * with `gatehouse fn init` deploys to Oracle Functions unchanged, and one made with `fn init` runs
 * here unchanged.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
/** A valid Fn function name from a directory name (lower case, letters, digits, - and _). */
export function functionName(dir) {
    const name = basename(resolve(dir)).toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[-_]+|[-_]+$/g, '');
    return name === '' ? 'hello' : name;
}
export function funcYaml(name) {
    return `schema_version: 20180708
name: ${name}
version: 0.0.1
runtime: node
build_image: fnproject/node:20-dev
run_image: fnproject/node:20
entrypoint: node func.js
`;
}
export const FUNC_JS = `const fdk=require('@fnproject/fdk');

fdk.handle(function(input){
  let name = 'World';
  if (input.name) {
    name = input.name;
  }
  console.log('\\nInside Node Hello World function')
  return {'message': 'Hello ' + name}
})
`;
export function packageJson(name) {
    return `${JSON.stringify({
        name,
        version: '1.0.0',
        description: 'example function',
        main: 'func.js',
        author: '',
        license: 'Apache-2.0',
        dependencies: { '@fnproject/fdk': '>=0.0.76' },
    }, null, '\t')}\n`;
}
/** Writes a new function into `dir`; refuses to overwrite an existing func.yaml. Returns the files written. */
export function scaffoldFunction(dir, name = functionName(dir)) {
    const abs = resolve(dir);
    if (existsSync(join(abs, 'func.yaml')))
        throw new Error(`${join(abs, 'func.yaml')} already exists`);
    mkdirSync(abs, { recursive: true });
    const files = [
        ['func.yaml', funcYaml(name)],
        ['func.js', FUNC_JS],
        ['package.json', packageJson(name)],
    ];
    for (const [file, text] of files)
        writeFileSync(join(abs, file), text, { flag: 'wx' });
    return files.map(([file]) => join(abs, file));
}
