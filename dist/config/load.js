/**
 * Reads `gatehouse.yaml` (YAML or JSON), interpolates the environment, loads each deployment's
 * `specificationFile`, normalises OCI's spellings and validates the result against the schema.
 * Throws one ConfigError listing every problem, each with its path.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ConfigError } from '../errors.js';
import { checkJson } from './json_check.js';
import { interpolateEnv, normalizeKeys } from './normalize.js';
import { kebab, locate } from './source_path.js';
import { unknownFieldMessage, validateConfig } from './validate.js';
/** 1-based line and column of a character offset, and the text of that line. */
function lineAt(text, offset) {
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    const start = before.lastIndexOf('\n') + 1;
    const end = text.indexOf('\n', start);
    return { line, column: offset - start + 1, source: text.slice(start, end === -1 ? undefined : end).replace(/\r$/, '') };
}
/** At most this many characters of the offending line are shown (an OCI export is often one long line). */
const EXCERPT_CHARS = 80;
/** `  12 | the line`, cut to a window around `column`, and a caret under it when `column` is given. */
function excerpt(lineNo, source, column) {
    let from = 0;
    if (source.length > EXCERPT_CHARS)
        from = Math.max(0, Math.min((column ?? source.length) - EXCERPT_CHARS / 2, source.length - EXCERPT_CHARS));
    const shown = `${from > 0 ? '…' : ''}${source.slice(from, from + EXCERPT_CHARS)}${from + EXCERPT_CHARS < source.length ? '…' : ''}`;
    const gutter = `  ${String(lineNo).padStart(4)} | `;
    if (column === undefined)
        return `\n${gutter}${shown}`;
    // Tabs stay tabs under the line, so the caret lines up whatever the tab width.
    const before = `${from > 0 ? ' ' : ''}${source.slice(from, column - 1)}`.replace(/[^\t]/g, ' ');
    return `\n${gutter}${shown}\n${' '.repeat(gutter.length)}${before}^`;
}
/**
 * `FILE: cannot parse: line L, column C: REASON`, then the offending line with a caret under the
 * column (issue 11: the reason used to be cut off after "column 1:"). An error past the last
 * character (an unclosed bracket) shows the last line that has text.
 */
function parseFailure(file, text, offset, reason, cause) {
    const at = lineAt(text, Math.min(Math.max(offset, 0), text.length));
    let shown = '';
    if (at.source.trim() !== '')
        shown = excerpt(at.line, at.source, at.column);
    else {
        const last = text.slice(0, offset).trimEnd().length - 1;
        if (last >= 0) {
            const before = lineAt(text, last);
            shown = excerpt(before.line, before.source);
        }
    }
    return new ConfigError([{ path: '', message: `${file}: cannot parse: line ${at.line}, column ${at.column}: ${reason}${shown}` }], cause === undefined ? {} : { cause });
}
/** A `.json` file is JSON, parsed strictly (issue 11: read as YAML, a trailing comma passed). */
function parseJson(text, file) {
    const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    const problem = checkJson(body);
    if (problem !== null)
        throw parseFailure(file, body, problem.offset, problem.reason);
    return JSON.parse(body);
}
function parseYamlText(text, file) {
    try {
        return parseYaml(text, { uniqueKeys: true });
    }
    catch (err) {
        if (err instanceof YAMLParseError)
            throw parseFailure(file, text, err.pos[0], err.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, ''), err);
        throw new ConfigError([{ path: '', message: `${file}: cannot parse: ${err.message}` }], { cause: err });
    }
}
/** `.json` files are JSON; anything else is YAML (which also reads JSON, leniently). */
function parseDocument(text, file) {
    return /\.json$/i.test(file) ? parseJson(text, file) : parseYamlText(text, file);
}
function readText(file, path) {
    try {
        return readFileSync(file, 'utf8');
    }
    catch (err) {
        const code = err.code;
        throw new ConfigError([{ path, message: `cannot read ${file}: ${code ?? err.message}` }], { cause: err });
    }
}
/**
 * An OCI export comes in three wrappings: the specification itself (`--query data.specification`),
 * a deployment (`{specification: ...}`), or the CLI's whole answer (`{data: {specification}}`).
 * Returns the specification and where it sits in the file.
 */
function unwrapSpecification(doc) {
    let node = doc;
    let prefix = '';
    if (node && typeof node === 'object' && 'data' in node && node['data'] && typeof node['data'] === 'object') {
        node = node['data'];
        prefix = 'data';
    }
    if (node && typeof node === 'object' && 'specification' in node)
        return { spec: node['specification'], prefix: prefix === '' ? 'specification' : `${prefix}.specification` };
    return { spec: node, prefix };
}
/** Loads a config from text (for tests and `validate`); `file` is used for messages and paths. */
export function loadConfigText(text, file, env = process.env) {
    const abs = resolve(file);
    const baseDir = dirname(abs);
    const issues = [];
    const sources = [abs];
    const raw = parseDocument(text, file);
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
        throw new ConfigError([{ path: '', message: `${file}: the configuration must be a mapping (an object)` }]);
    }
    const specifications = new Map();
    const map = { spelling: new Map(), specifications };
    const doc = normalizeKeys(interpolateEnv(raw, env, '', issues), false, map.spelling);
    const deployments = Array.isArray(doc['deployments']) ? doc['deployments'] : [];
    deployments.forEach((d, i) => {
        const specFile = d && typeof d === 'object' ? d['specificationFile'] : undefined;
        if (typeof specFile !== 'string')
            return;
        const path = locate(doc, map, `deployments[${i}].specificationFile`).where;
        if ('specification' in d) {
            issues.push({ path, message: 'give specification or specificationFile, not both' });
            return;
        }
        const target = resolve(baseDir, specFile);
        sources.push(target);
        try {
            const { spec, prefix } = unwrapSpecification(parseDocument(readText(target, path), specFile));
            // Problems in the file are named by the file and its own paths (issue 11).
            const envIssues = [];
            const interpolated = interpolateEnv(spec, env, prefix, envIssues);
            for (const x of envIssues)
                issues.push({ path: x.path === '' ? specFile : `${specFile}: ${x.path}`, message: x.message });
            const spelling = new Map();
            d['specification'] = normalizeKeys(interpolated, true, spelling);
            specifications.set(i, { file: specFile, prefix, spelling });
        }
        catch (err) {
            if (err instanceof ConfigError)
                issues.push(...err.issues.map((x) => ({ path: x.path || path, message: x.message })));
            else
                throw err;
        }
    });
    const sourcePath = (p) => locate(doc, map, p).where;
    for (const issue of validateConfig(doc)) {
        const at = locate(doc, map, issue.path);
        // A suggested field is spelled like the file around it.
        const message = issue.suggestion !== undefined && at.kebab ? unknownFieldMessage(kebab(issue.suggestion)) : issue.message;
        issues.push({ path: at.where, message });
    }
    if (issues.length > 0)
        throw new ConfigError(dedupe(issues));
    return { config: doc, file: abs, baseDir, sources, sourcePath };
}
/** Two deployments may share a specificationFile: its problems are listed once. */
function dedupe(issues) {
    const seen = new Set();
    return issues.filter((i) => {
        const key = `${i.path}\0${i.message}`;
        if (seen.has(key))
            return false;
        seen.add(key);
        return true;
    });
}
/** Reads and validates a config file. */
export function loadConfigFile(file, env = process.env) {
    return loadConfigText(readText(resolve(file), ''), file, env);
}
