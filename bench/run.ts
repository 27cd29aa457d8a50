/**
 * `npm run bench [-- <name>...] [--seconds N] [--rounds N] [--connections N] [--baseline REV]`
 * Runs the named benchmarks (default: all) and prints Markdown; pass --out FILE to also write it.
 * --baseline is the git revision the policies and tracing benchmarks compare the working tree with.
 */
import { parseArgs } from 'node:util';
import { writeFileSync } from 'node:fs';
import { benchCore } from './core.ts';
import { benchDefaults } from './defaults.ts';
import { benchFunctions } from './functions.ts';
import { benchJwt } from './jwt.ts';
import { benchIdp } from './idp.ts';
import { benchAuth } from './auth.ts';
import { benchPolicies } from './policies.ts';
import { benchState } from './state.ts';
import { benchStartup } from './startup.ts';
import { benchTls } from './tls.ts';
import { benchTracing } from './tracing.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '3' }, connections: { type: 'string', default: '64' }, out: { type: 'string' }, baseline: { type: 'string', default: '21b79d6' } },
});
const opts = { seconds: Number(values.seconds), rounds: Number(values.rounds), connections: Number(values.connections) };
const BENCHES: Record<string, () => Promise<string>> = {
  defaults: () => benchDefaults(opts),
  core: () => benchCore(opts),
  auth: () => benchAuth(opts),
  policies: () => benchPolicies({ ...opts, baseline: values.baseline }),
  state: () => benchState(opts),
  startup: () => benchStartup({ rounds: opts.rounds }),
  tls: () => benchTls(opts),
  tracing: () => benchTracing({ ...opts, baseline: values.baseline }),
  jwt: () => benchJwt(opts),
  idp: () => benchIdp(opts),
  functions: () => benchFunctions({ calls: 2000, rounds: opts.rounds, colds: 15 }),
};
const names = positionals.length > 0 ? positionals : Object.keys(BENCHES);
let out = `# Gatehouse benchmarks (${new Date().toISOString().slice(0, 10)})\n\n`;
for (const name of names) {
  const run = BENCHES[name];
  if (run === undefined) {
    console.error(`unknown benchmark "${name}"; known: ${Object.keys(BENCHES).join(', ')}`);
    process.exit(2);
  }
  out += `${await run()}\n`;
}
process.stdout.write(out);
if (values.out !== undefined) writeFileSync(values.out, out);
