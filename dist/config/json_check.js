/**
 * Finds the first problem in a JSON text, with its offset (issue 11: `.json` configuration files
 * are parsed strictly, and an error must say where). Hand-written because JSON.parse does not do
 * it: on Node 20 many of its errors carry no position ("Unexpected token '}', ... is not valid
 * JSON") and quote the text instead, and it keeps the last of two duplicate keys silently, where
 * the YAML loader refuses them. This scanner only checks (RFC 8259 grammar); JSON.parse builds
 * the value.
 */
class Stop {
    offset;
    reason;
    constructor(offset, reason) {
        this.offset = offset;
        this.reason = reason;
    }
}
/** Nesting deeper than this is refused rather than risking the stack (no configuration needs it). */
const MAX_DEPTH = 512;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const HEX4 = /[0-9a-fA-F]{4}/y;
function shown(c) {
    if (c === undefined)
        return 'the end of the file';
    const code = c.charCodeAt(0);
    return code < 0x20 || code === 0x7f ? `U+${code.toString(16).toUpperCase().padStart(4, '0')}` : `'${c}'`;
}
/** Returns the first syntax error or duplicate key of `text`, or null when it is one valid JSON value. */
export function checkJson(text) {
    let i = 0;
    const fail = (reason, at = i) => {
        throw new Stop(at, reason);
    };
    const space = () => {
        while (i < text.length) {
            const c = text[i];
            if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r')
                break;
            i++;
        }
    };
    /** Scans a string starting at its opening quote; returns its raw text, quotes included. */
    const string = () => {
        const start = i;
        i++;
        for (;;) {
            const c = text[i];
            if (c === undefined)
                fail('unterminated string (a closing " is missing)', start);
            if (c === '"') {
                i++;
                return text.slice(start, i);
            }
            if (c === '\\') {
                const e = text[i + 1];
                if (e === 'u') {
                    HEX4.lastIndex = i + 2;
                    if (!HEX4.test(text))
                        fail('invalid \\u escape (four hexadecimal digits expected)');
                    i += 6;
                    continue;
                }
                if (e === undefined || !'"\\/bfnrt'.includes(e))
                    fail(`invalid escape \\${e ?? ''} in a string`);
                i += 2;
                continue;
            }
            if (c.charCodeAt(0) < 0x20)
                fail(`control character ${shown(c)} in a string (write it as an escape, e.g. \\n)`);
            i++;
        }
    };
    /**
     * After a member of an object or array: true past its closing `close`, false past a comma that
     * another member follows.
     */
    const closes = (close, member) => {
        space();
        if (text[i] === close) {
            i++;
            return true;
        }
        if (text[i] !== ',')
            fail(`expected ',' or '${close}' after ${member}, found ${shown(text[i])}`);
        const comma = i;
        i++;
        space();
        if (text[i] === close)
            fail('trailing comma (JSON allows none: remove it, or write the file as YAML)', comma);
        return false;
    };
    const value = (depth) => {
        if (depth > MAX_DEPTH)
            fail(`nested more than ${MAX_DEPTH} levels deep`);
        space();
        const c = text[i];
        if (c === '{')
            return object(depth);
        if (c === '[')
            return array(depth);
        if (c === '"')
            return void string();
        if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
            NUMBER.lastIndex = i;
            if (!NUMBER.test(text))
                fail('invalid number');
            i = NUMBER.lastIndex;
            return;
        }
        for (const word of ['true', 'false', 'null']) {
            if (text.startsWith(word, i)) {
                i += word.length;
                return;
            }
        }
        if (c === "'")
            fail("strings take double quotes in JSON, not '");
        return fail(c === undefined ? 'unexpected end of the file: a value is missing' : `unexpected ${shown(c)}: a value is expected (JSON strings take double quotes)`);
    };
    const object = (depth) => {
        const open = i;
        i++;
        space();
        if (text[i] === '}') {
            i++;
            return;
        }
        const keys = new Set();
        for (;;) {
            space();
            const at = i;
            if (text[i] !== '"')
                fail(text[i] === undefined ? `unexpected end of the file: the { at offset ${open} is not closed` : `expected a property name in double quotes, found ${shown(text[i])}`);
            const raw = string();
            const key = raw.includes('\\') ? JSON.parse(raw) : raw.slice(1, -1);
            if (keys.has(key))
                fail(`duplicate key "${key}" (each key may appear once in an object)`, at);
            keys.add(key);
            space();
            if (text[i] !== ':')
                fail(`expected ':' after the property name, found ${shown(text[i])}`);
            i++;
            value(depth + 1);
            if (closes('}', 'a property value'))
                return;
        }
    };
    const array = (depth) => {
        i++;
        space();
        if (text[i] === ']') {
            i++;
            return;
        }
        for (;;) {
            value(depth + 1);
            if (closes(']', 'an array element'))
                return;
        }
    };
    try {
        value(0);
        space();
        if (i < text.length)
            fail(`unexpected ${shown(text[i])} after the end of the JSON value`);
        return null;
    }
    catch (err) {
        if (err instanceof Stop)
            return { offset: err.offset, reason: err.reason };
        throw err;
    }
}
