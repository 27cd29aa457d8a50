/** `gatehouse schema`: prints the JSON Schema that validates gatehouse.yaml (for editor completion). */
import { configSchema } from '../config/schema/index.js';
export async function run(argv) {
    if (argv.includes('--help') || argv.includes('-h')) {
        process.stdout.write('Usage: gatehouse schema > gatehouse.schema.json\n');
        return 0;
    }
    process.stdout.write(`${JSON.stringify(configSchema, null, 2)}\n`);
    return 0;
}
