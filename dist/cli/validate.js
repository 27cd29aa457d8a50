/** `gatehouse validate --config FILE`: load and compile the config, report every problem, start nothing. */
import { ConfigError } from '../errors.js';
import { loadConfigFile } from '../config/load.js';
import { compilePlan } from '../config/compile.js';
import { createLogger } from '../lib/log.js';
import { SharedRegistry } from '../lib/shared_registry.js';
import { explainConfigError, explainWarnings, parseWithHelp } from './args.js';
const USAGE = 'Usage: gatehouse validate [--config FILE]   (default gatehouse.yaml)';
export async function run(argv) {
    const args = parseWithHelp({ options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } } }, argv, USAGE);
    if (typeof args === 'number')
        return args;
    const file = args.values.config ?? 'gatehouse.yaml';
    const registry = new SharedRegistry();
    try {
        // Offline: validating a file must not reach for its identity providers.
        const plan = compilePlan(loadConfigFile(file), registry, createLogger({ level: 'silent' }), { offline: true });
        const routes = plan.deployments.reduce((n, d) => n + d.routes, 0);
        process.stdout.write(`${file}: valid (${plan.deployments.length} deployment(s), ${routes} route(s))\n`);
        // Warnings do not fail validation: OCI accepts these configurations too.
        process.stderr.write(explainWarnings(file, plan.warnings));
        return 0;
    }
    catch (err) {
        if (!(err instanceof ConfigError))
            throw err;
        process.stderr.write(explainConfigError(file, 'invalid', err));
        return 1;
    }
    finally {
        await registry.closeAll();
    }
}
