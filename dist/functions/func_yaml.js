/**
 * Reads and checks a function's `func.yaml` (Fn schema_version 20180708, the file `fn init`
 * writes). Defaults and maxima are Fn's (fnproject/fn api/models/fn.go): memory 128 MB (max 8192),
 * timeout 30 s (max 300), idle_timeout 30 s (max 3600). Fields used only by `fn build`/`fn deploy`
 * (version, build_image, run_image, build, triggers, annotations, expects...) are accepted and ignored,
 * since they describe the image, not how the function runs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
export const FUNC_YAML_SCHEMA_VERSION = 20180708;
function intField(doc, field, def, min, max, problems) {
    const v = doc[field];
    if (v === undefined || v === null)
        return def;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
        problems.push(`${field}: must be an integer from ${min} to ${max}`);
        return def;
    }
    return v;
}
/** Checks the parsed document of a func.yaml. */
export function checkFuncYaml(doc) {
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
        return { ok: false, problems: ['must be a mapping'] };
    const d = doc;
    const problems = [];
    const version = d['schema_version'];
    if (version === undefined)
        problems.push(`schema_version: is required (${FUNC_YAML_SCHEMA_VERSION})`);
    else if (Number(version) !== FUNC_YAML_SCHEMA_VERSION)
        problems.push(`schema_version: must be ${FUNC_YAML_SCHEMA_VERSION}`);
    const name = d['name'];
    if (typeof name !== 'string' || name === '')
        problems.push('name: is required');
    const runtime = d['runtime'];
    if (runtime !== undefined && typeof runtime !== 'string')
        problems.push('runtime: must be a string');
    const entry = d['entrypoint'];
    let entrypoint = [];
    if (typeof entry === 'string' && entry.trim() !== '') {
        // Fn turns the string into the image's exec-form ENTRYPOINT by splitting on spaces; so do we.
        entrypoint = entry.trim().split(/\s+/);
    }
    else if (runtime === 'docker') {
        problems.push('runtime: "docker" functions need an image; Gatehouse runs native runtimes from `entrypoint`');
    }
    else {
        problems.push('entrypoint: is required (for example "node func.js")');
    }
    const memoryMb = intField(d, 'memory', 128, 1, 8192, problems);
    const timeoutSec = intField(d, 'timeout', 30, 1, 300, problems);
    const idleSec = intField(d, 'idle_timeout', 30, 1, 3600, problems);
    const config = {};
    const rawConfig = d['config'];
    if (rawConfig !== undefined && rawConfig !== null) {
        if (typeof rawConfig !== 'object' || Array.isArray(rawConfig))
            problems.push('config: must be a mapping of names to values');
        else {
            for (const [k, v] of Object.entries(rawConfig)) {
                if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
                    config[k] = String(v);
                else
                    problems.push(`config.${k}: must be a string`);
            }
        }
    }
    if (problems.length > 0)
        return { ok: false, problems };
    return {
        ok: true,
        spec: {
            name: name,
            runtime: typeof runtime === 'string' ? runtime : '',
            entrypoint,
            memoryMb,
            timeoutMs: timeoutSec * 1000,
            idleTimeoutMs: idleSec * 1000,
            config,
        },
    };
}
/** Reads `<dir>/func.yaml` (or func.yml / func.json, as the fn CLI does). */
export function readFuncYaml(dir) {
    let lastErr;
    for (const name of ['func.yaml', 'func.yml', 'func.json']) {
        const file = join(dir, name);
        let text;
        try {
            text = readFileSync(file, 'utf8');
        }
        catch (err) {
            lastErr = err;
            if (lastErr.code === 'ENOENT')
                continue;
            return { file, result: { ok: false, problems: [`cannot read: ${lastErr.code ?? lastErr.message}`] } };
        }
        try {
            return { file, result: checkFuncYaml(parseYaml(text)) };
        }
        catch (err) {
            return { file, result: { ok: false, problems: [`cannot parse: ${err.message.split('\n')[0]}`] } };
        }
    }
    const file = join(dir, 'func.yaml');
    const why = lastErr?.code === 'ENOENT' ? 'not found' : (lastErr?.code ?? 'not found');
    return { file, result: { ok: false, problems: [`${why} (a function directory needs func.yaml, as \`fn init\` creates it)`] } };
}
