import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkJson } from '../../src/config/json_check.ts';

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe('checkJson', () => {
  it('agrees with JSON.parse on what is JSON (property), duplicate keys aside', () => {
    // Values without duplicate keys (fc.json's objects have distinct keys), with and without indentation.
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(undefined, 2, '\t'), (v, indent) => {
        const text = JSON.stringify(v, null, indent);
        assert.equal(checkJson(text), null, text);
      }),
      { numRuns: 500 },
    );
    // Arbitrary text and near-JSON: checkJson finds a problem exactly when JSON.parse fails.
    const nearJson = fc
      .tuple(fc.json(), fc.nat(), fc.constantFrom(',', '}', ']', '"', ':', ' ', '\\', '\n', 'x', '0', '-', '{', '['))
      .map(([text, at, c]) => {
        const i = at % (text.length + 1);
        return `${text.slice(0, i)}${c}${text.slice(i)}`;
      });
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 30 }), nearJson), (text) => {
        const problem = checkJson(text);
        if (problem?.reason.startsWith('duplicate key')) return;
        assert.equal(problem === null, parses(text), `${JSON.stringify(text)}: ${problem?.reason ?? 'no problem found'}`);
        if (problem !== null) assert.ok(problem.offset >= 0 && problem.offset <= text.length);
      }),
      { numRuns: 3000 },
    );
  });

  it('names the problem and where it is', () => {
    assert.deepEqual(checkJson('{"a": 1,}'), { offset: 7, reason: 'trailing comma (JSON allows none: remove it, or write the file as YAML)' });
    assert.deepEqual(checkJson('[1, 2,\n]'), { offset: 5, reason: 'trailing comma (JSON allows none: remove it, or write the file as YAML)' });
    assert.deepEqual(checkJson('{"a": 1, "a": 2}'), { offset: 9, reason: 'duplicate key "a" (each key may appear once in an object)' });
    assert.deepEqual(checkJson('{"a": 1, "\\u0061": 2}'), { offset: 9, reason: 'duplicate key "a" (each key may appear once in an object)' });
    assert.equal(checkJson('{"a": {"b": 1}, "b": 1}'), null, 'keys are unique per object');
    assert.match(checkJson('{"a": 1')?.reason ?? '', /expected ',' or '}' after a property value, found the end of the file/);
    assert.match(checkJson("{'a': 1}")?.reason ?? '', /property name in double quotes/);
    assert.match(checkJson('{"a": "x\ny"}')?.reason ?? '', /control character U\+000A in a string/);
    assert.match(checkJson('{"a": tru}')?.reason ?? '', /unexpected 't'/);
    assert.deepEqual(checkJson('{} x'), { offset: 3, reason: "unexpected 'x' after the end of the JSON value" });
    assert.match(checkJson('')?.reason ?? '', /a value is missing/);
    assert.match(checkJson(`${'['.repeat(100000)}`)?.reason ?? '', /nested more than 512 levels/);
  });
});
