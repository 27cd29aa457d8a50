/**
 * CUSTOM_AUTHENTICATION: OCI's payloads, the strict answer check, and the authenticator driven
 * against a real @fnproject/fdk authorizer function (test/fixtures/functions/authorizer) run by the
 * functions runtime.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAuthorizerAnswer } from '../../src/auth/authorizer_answer.ts';
import { buildAuthorizerCall, CustomAuthenticator, type AuthorizerArguments } from '../../src/auth/custom.ts';
import { compileAuthentication, compileAuthorization } from '../../src/auth/compile.ts';
import { compileContextVariable } from '../../src/backends/context_vars.ts';
import { compileFunctions, type FunctionCatalog } from '../../src/functions/compile.ts';
import type { AuthVerdict } from '../../src/auth/types.ts';
import { createLogger } from '../../src/lib/log.ts';
import { compileContext, request } from './helpers.ts';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const LATER = '2026-01-01T00:10:00+00:00';

test('answer: the documented success and failure shapes pass', () => {
  const ok = parseAuthorizerAnswer(
    JSON.stringify({ active: true, principal: 'foo', scope: ['bar'], clientId: '1234', expiresAt: LATER, context: { username: 'wally', n: 1, b: true } }),
    NOW,
  );
  assert.ok(typeof ok !== 'string' && ok.active);
  assert.equal(ok.principal, 'foo');
  assert.deepEqual(ok.scopes, ['bar']);
  assert.equal(ok.clientId, '1234');
  assert.equal(ok.expiresAtMs, NOW + 600_000);
  assert.deepEqual({ ...ok.context }, { username: 'wally', n: 1, b: true });
  // Oracle's Python sample sends scope as a space-separated string.
  const py = parseAuthorizerAnswer(JSON.stringify({ active: true, principal: 'p', scope: 'a  b', expiresAt: '2026-01-01T01:00:00Z' }), NOW);
  assert.ok(typeof py !== 'string' && py.active);
  assert.deepEqual(py.scopes, ['a', 'b']);
  assert.deepEqual(parseAuthorizerAnswer('{"active":false,"wwwAuthenticate":"Bearer error=\\"invalid_token\\""}', NOW), {
    active: false,
    wwwAuthenticate: 'Bearer error="invalid_token"',
  });
  assert.deepEqual(parseAuthorizerAnswer('{"active":false}', NOW), { active: false, wwwAuthenticate: undefined });
});

test('answer: every malformed answer is refused with a reason, never an allow', () => {
  const good = { active: true, principal: 'p', expiresAt: LATER };
  const table: [string, string][] = [
    ['not json', 'not JSON'],
    ['[]', 'not a JSON object'],
    ['null', 'not a JSON object'],
    ['{}', 'active must be a boolean'],
    [JSON.stringify({ ...good, active: 'true' }), 'active must be a boolean'],
    [JSON.stringify({ ...good, principal: undefined }), 'principal'],
    [JSON.stringify({ ...good, principal: 7 }), 'principal'],
    [JSON.stringify({ ...good, principal: '' }), 'principal'],
    [JSON.stringify({ ...good, expiresAt: undefined }), 'expiresAt must be'],
    [JSON.stringify({ ...good, expiresAt: 1767225900 }), 'expiresAt must be'],
    [JSON.stringify({ ...good, expiresAt: '2026-01-01T00:10:00' }), 'expiresAt must be'],
    [JSON.stringify({ ...good, expiresAt: '2026-13-45T00:10:00Z' }), 'not a valid date'],
    [JSON.stringify({ ...good, expiresAt: '2025-12-31T23:59:59Z' }), 'in the past'],
    [JSON.stringify({ ...good, scope: [1] }), 'scope must be'],
    [JSON.stringify({ ...good, scope: { a: 1 } }), 'scope must be'],
    [JSON.stringify({ ...good, clientId: 5 }), 'clientId must be'],
    [JSON.stringify({ ...good, context: [] }), 'context must be an object'],
    [JSON.stringify({ ...good, context: { a: { b: 1 } } }), 'context.a must be'],
    [JSON.stringify({ ...good, context: { a: null } }), 'context.a must be'],
    [JSON.stringify({ ...good, wwwAuthenticate: 'Bearer' }), 'only allowed with active: false'],
    [JSON.stringify({ active: false, wwwAuthenticate: 'Bearer\r\nSet-Cookie: x=1' }), 'without CR, LF'],
    [JSON.stringify({ active: false, wwwAuthenticate: 3 }), 'wwwAuthenticate must be'],
  ];
  for (const [body, reason] of table) {
    const r = parseAuthorizerAnswer(body, NOW);
    assert.equal(typeof r, 'string', body);
    assert.match(r as string, new RegExp(reason.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), body);
  }
});

function params(map: Record<string, string>, cacheKey?: string[]): AuthorizerArguments {
  const parameters = Object.entries(map).map(([n, e]) => [n, compileContextVariable(e, new Map()) as never] as const);
  return { kind: 'parameters', parameters, cacheKey: cacheKey ?? Object.keys(map) };
}

test('payload: single argument sends the raw header value, or the query parameter', () => {
  const args: AuthorizerArguments = { kind: 'token', header: 'authorization', queryParam: null };
  assert.deepEqual(JSON.parse(buildAuthorizerCall(args, request([['Authorization', 'Bearer abc']]))!.payload), { type: 'TOKEN', token: 'Bearer abc' });
  assert.equal(buildAuthorizerCall(args, request())?.cacheKey, undefined);
  const q: AuthorizerArguments = { kind: 'token', header: null, queryParam: 'token' };
  assert.deepEqual(JSON.parse(buildAuthorizerCall(q, request([], '?token=t%201'))!.payload), { type: 'TOKEN', token: 't 1' });
  assert.equal(buildAuthorizerCall(q, request([], '?other=1')), null);
});

test('payload: parameters become USER_DEFINED data; repeated → array, absent → omitted', () => {
  const args = params({ k: 'request.headers[X-Key]', s: 'request.query[state]' });
  assert.deepEqual(JSON.parse(buildAuthorizerCall(args, request([['X-Key', 'a']]))!.payload), { type: 'USER_DEFINED', data: { k: 'a' } });
  assert.deepEqual(JSON.parse(buildAuthorizerCall(args, request([['X-Key', 'a'], ['X-Key', 'b']], '?state=s'))!.payload), {
    type: 'USER_DEFINED',
    data: { k: ['a', 'b'], s: 's' },
  });
  assert.equal(buildAuthorizerCall(args, request()), null);
  // cacheKey narrows the key to the listed arguments.
  const narrow = params({ k: 'request.headers[X-Key]', s: 'request.query[state]' }, ['k']);
  assert.equal(buildAuthorizerCall(narrow, request([['X-Key', 'a']], '?state=1'))!.cacheKey, buildAuthorizerCall(narrow, request([['X-Key', 'a']], '?state=2'))!.cacheKey);
  assert.notEqual(buildAuthorizerCall(args, request([['X-Key', 'a']], '?state=1'))!.cacheKey, buildAuthorizerCall(args, request([['X-Key', 'a']], '?state=2'))!.cacheKey);
});

test('regression: a parameter named like an Object member (__proto__, constructor) is sent and keys the cache like any other', () => {
  for (const name of ['__proto__', 'constructor', 'toString']) {
    const args = params({ [name]: 'request.headers[X-Key]' });
    const a = buildAuthorizerCall(args, request([['X-Key', 'a']]))!;
    const b = buildAuthorizerCall(args, request([['X-Key', 'b']]))!;
    assert.equal(JSON.parse(a.payload).data[name], 'a', name);
    assert.ok(Object.hasOwn(JSON.parse(a.payload).data, name), name);
    assert.notEqual(a.cacheKey, b.cacheKey, `${name}: two callers must not share one cached answer`);
    const absent = buildAuthorizerCall(params({ [name]: 'request.headers[X-Key]', other: 'request.query[o]' }), request([], '?o=1'))!;
    assert.equal(Object.hasOwn(JSON.parse(absent.payload).data, name), false, `${name}: absent is left out`);
  }
});

// --- against a real fdk authorizer function -------------------------------------------------

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-authorizer-'));
const callsFile = join(dir, 'calls');
const ctx = compileContext();
const functions: FunctionCatalog = compileFunctions(
  { authorizer: { path: resolve('test/fixtures/functions/authorizer'), config: { CALLS_FILE: callsFile } } },
  'functions',
  ctx,
);
after(async () => {
  await functions.get('authorizer')?.close();
  rmSync(dir, { recursive: true, force: true });
});

function calls(): number {
  return existsSync(callsFile) ? readFileSync(callsFile, 'utf8').split('\n').filter(Boolean).length : 0;
}

function compile(policy: Record<string, unknown>): CustomAuthenticator {
  const c = compileContext();
  const a = compileAuthentication({ type: 'CUSTOM_AUTHENTICATION', functionId: 'authorizer', ...policy }, 'auth', c, 'd', { functions });
  assert.deepEqual(c.issues, []);
  assert.ok(a instanceof CustomAuthenticator);
  return a;
}

async function run(a: CustomAuthenticator, headers: [string, string][], search = ''): Promise<AuthVerdict> {
  return await a.authenticate(request(headers, search));
}

test('authorizer function: allow fills auth (context as claims, principal as subject, scopes); cached until expiresAt', async () => {
  const a = compile({ tokenHeader: 'Authorization' });
  const before = calls();
  const v = await run(a, [['Authorization', 'Bearer good']]);
  assert.equal(v.status, 0);
  assert.deepEqual({ ...v.auth!.claims }, { tenant: 't1', level: 3 });
  assert.equal(v.auth!.subject, 'alice');
  assert.equal(v.auth!.clientId, 'c1');
  assert.deepEqual([...v.auth!.scopes], ['read']);
  const again = a.authenticate(request([['Authorization', 'Bearer good']]));
  assert.ok(!(again instanceof Promise), 'a cached answer is synchronous');
  assert.equal(again, v);
  assert.equal(calls() - before, 1, 'the function ran once for two requests');
  // ANY_OF reads the function's scope.
  const c = compileContext();
  assert.equal(compileAuthorization({ type: 'ANY_OF', allowedScope: ['read'] }, 'r', c, a)!.authorize(v.auth), null);
  assert.equal(compileAuthorization({ type: 'ANY_OF', allowedScope: ['write'] }, 'r', c, a)!.authorize(v.auth)?.status, 403);
});

test('authorizer function: deny carries its wwwAuthenticate; denials are not cached', async () => {
  const a = compile({ tokenHeader: 'Authorization' });
  const before = calls();
  const v = await run(a, [['Authorization', 'Bearer deny']]);
  assert.equal(v.status, 401);
  assert.equal(v.reason, 'authorizer_denied');
  assert.equal(v.challenge, 'Bearer error="invalid_token", error_description="revoked"');
  await run(a, [['Authorization', 'Bearer deny']]);
  assert.equal(calls() - before, 2);
  assert.equal((await run(a, [['Authorization', 'Bearer unknown']])).challenge, 'Bearer error="invalid_token"');
});

test('authorizer function: malformed answer → 502, error → 502, timeout → 504, never an allow', async () => {
  const a = compile({ tokenHeader: 'Authorization' });
  const bad = await run(a, [['Authorization', 'Bearer bad']]);
  assert.deepEqual([bad.status, bad.reason, bad.auth], [502, 'authorizer_invalid_response', null]);
  const thrown = await run(a, [['Authorization', 'Bearer throw']]);
  assert.deepEqual([thrown.status, thrown.reason], [502, 'authorizer_failed']);
  const slow = await run(a, [['Authorization', 'Bearer slow']]);
  assert.deepEqual([slow.status, slow.reason], [504, 'authorizer_timeout']);
  assert.equal(a.cacheSize, 0);
});

test('regression: a wwwAuthenticate Node cannot send as a header (control or non-ASCII characters) is a malformed answer, 502, not a 500', async () => {
  for (const www of ['Bearer realm="\u20ac"', 'Bearer realm="caf\u00e9"', 'Bearer\x01', 'Bearer\x7f']) {
    assert.match(parseAuthorizerAnswer(JSON.stringify({ active: false, wwwAuthenticate: www }), NOW) as string, /wwwAuthenticate must be/, JSON.stringify(www));
  }
  assert.deepEqual(parseAuthorizerAnswer(JSON.stringify({ active: false, wwwAuthenticate: 'Bearer\trealm="x"' }), NOW), { active: false, wwwAuthenticate: 'Bearer\trealm="x"' });
  const v = await run(compile({ tokenHeader: 'Authorization' }), [['Authorization', 'Bearer bad-challenge']]);
  assert.deepEqual([v.status, v.reason, v.auth], [502, 'authorizer_invalid_response', null]);
});

test('regression: a failing authorizer\'s own error text (which may quote the credential) is not copied into the gateway log', async () => {
  const lines: string[] = [];
  const g = request([['Authorization', 'Bearer throw-with-token']]);
  (g as { log: unknown }).log = createLogger({ level: 'info', destination: { write: (l: string) => void lines.push(l) } });
  const v = await compile({ tokenHeader: 'Authorization' }).authenticate(g);
  assert.deepEqual([v.status, v.reason], [502, 'authorizer_failed']);
  const logged = lines.join('');
  assert.match(logged, /authorizer function failed/);
  assert.match(logged, /function_error/);
  assert.doesNotMatch(logged, /throw-with-token/);
});

test('regression: a denial answered with status 401 (Oracle\'s Python sample) is a 401 with its wwwAuthenticate, not a 502; an allow with an error status stays a 502', async () => {
  const a = compile({ tokenHeader: 'Authorization' });
  const denied = await run(a, [['Authorization', 'Bearer deny-401']]);
  assert.deepEqual([denied.status, denied.reason, denied.challenge, denied.auth], [401, 'authorizer_denied', 'API-key', null]);
  const failed = await run(a, [['Authorization', 'Bearer allow-500']]);
  assert.deepEqual([failed.status, failed.reason, failed.auth], [502, 'authorizer_failed', null]);
  assert.equal(a.cacheSize, 0);
});

test('authorizer function: missing token → 401, or anonymous when allowed; the function is not called', async () => {
  const before = calls();
  const strict = await run(compile({ tokenQueryParam: 'token' }), []);
  assert.deepEqual([strict.status, strict.reason], [401, 'token_missing']);
  const open = await run(compile({ tokenQueryParam: 'token', isAnonymousAccessAllowed: true }), []);
  assert.deepEqual([open.status, open.reason, open.auth], [0, 'anonymous', null]);
  assert.equal(calls(), before);
  assert.equal((await run(compile({ tokenQueryParam: 'token' }), [], '?token=good')).status, 0);
});

test('authorizer function: multi-argument payload reaches the function as OCI sends it', async () => {
  const a = compile({ parameters: { k: 'request.headers[X-Key]', s: 'request.query[state]' } });
  const v = await run(a, [['X-Key', 'a'], ['X-Key', 'b']], '?state=s1');
  assert.equal(v.status, 0);
  assert.deepEqual(JSON.parse(v.auth!.claims['data'] as string), { k: ['a', 'b'], s: 's1' });
  const none = await run(a, []);
  assert.equal(none.status, 401);
});

test('compile: argument forms, cacheKey and functionId are checked with their paths', () => {
  const issues = (policy: Record<string, unknown>, fns: FunctionCatalog | null = functions) => {
    const c = compileContext();
    compileAuthentication({ type: 'CUSTOM_AUTHENTICATION', functionId: 'authorizer', ...policy }, 'auth', c, 'd', fns === null ? {} : { functions: fns });
    return c.issues.map((i) => `${i.path}: ${i.message}`);
  };
  assert.match(issues({})[0]!, /^auth: needs either tokenHeader/);
  assert.match(issues({ tokenHeader: 'A', parameters: { a: 'request.host' } })[0]!, /^auth: needs either/);
  assert.match(issues({ parameters: { a: 'request.headers[X]' }, cacheKey: ['b'] })[0]!, /^auth\.cacheKey\[0\]: "b" is not a key/);
  assert.match(issues({ parameters: { a: 'request.nope[X]' } })[0]!, /^auth\.parameters\.a: /);
  assert.match(issues({ parameters: { a: 'request.auth[sub]' } })[0]!, /^auth\.parameters\.a: request\.auth/);
  assert.match(issues({ tokenHeader: 'A', functionId: 'nope' })[0]!, /^auth\.functionId: unknown function "nope"/);
  assert.match(issues({ tokenHeader: 'A' }, null)[0]!, /not supported yet: auth/);
});
