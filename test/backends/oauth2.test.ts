import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLocalPath } from '../../src/backends/oauth2.ts';

test('isLocalPath: a path on this gateway, never one a browser reads as another host', () => {
  for (const ok of ['/', '/app/page?x=1', '/a//b', '/a/\\b']) assert.equal(isLocalPath(ok), true, ok);
  for (const bad of ['', 'app', '//evil.example', '/\\evil.example', 'https://evil.example/', 'javascript:alert(1)', '/a\nb', '/a\rLocation: x', '/\t/evil.example', ' /x']) {
    assert.equal(isLocalPath(bad), false, JSON.stringify(bad));
  }
});
