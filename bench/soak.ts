/**
 * Soak: `node --import tsx bench/soak.ts [--minutes 10] [--rate 60] [--rotate-seconds 60] [--sample-seconds 5] [--out FILE]`
 *
 * Runs a real `gatehouse serve` with the local token service, a function (warm) and one that
 * idles out every second (container churn), an HTTP upstream and open routes; drives mixed traffic
 * at a fixed rate (valid tokens, invalid ones of several kinds, tokens of revoked keys, function
 * calls, proxying), rotates and revokes signing keys through the management API on a schedule, and
 * samples the gateway's RSS, heap, open file descriptors and child processes. Prints a Markdown
 * report: answers by kind, unexpected answers, memory and descriptors over time, first vs last.
 * Exits 1 when any answer was unexpected. Bounded: stops after --minutes, then shuts down.
 *
 * Keep --rotate-seconds above the gateway's JWKS refresh interval (28.8 s here): a rotation promotes
 * the key the provider published as "next" at the previous rotation, and the gateway must have
 * refreshed once in between. Otherwise the new kid needs an unknown-kid refetch, and the soak's own
 * flood of random kids holds those to one per 30 s cooldown, so valid tokens get 401 for a while.
 */
import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { stringify } from 'yaml';
import { startUpstream } from '../test/helpers/upstream.ts';
import { freePort, tokenRequest } from '../test/idp/idp_process.ts';

const ROOT = resolve(import.meta.dirname, '..');
const FIX = join(ROOT, 'test/fixtures/functions');
const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    rate: { type: 'string', default: '60' },
    'rotate-seconds': { type: 'string', default: '60' },
    'sample-seconds': { type: 'string', default: '5' },
    out: { type: 'string' },
  },
});
const MINUTES = Number(values.minutes);
const RATE = Number(values.rate);
const ROTATE_MS = Number(values['rotate-seconds']) * 1000;
const SAMPLE_MS = Number(values['sample-seconds']) * 1000;
const MAX_IN_FLIGHT = 128;
const AUD = 'https://soak-api';
/** 0.01 h = 36 s of key cache: the gateway refreshes every 28.8 s, so revocations land within that. */
const MAX_CACHE_HOURS = 0.01;
const REFRESH_MS = MAX_CACHE_HOURS * 3_600_000 * 0.8;
const REVOKE_GRACE_MS = REFRESH_MS + 3000;
if (ROTATE_MS < REFRESH_MS + 5000) console.error(`soak: warning: --rotate-seconds below ${(REFRESH_MS + 5000) / 1000} s can make valid tokens of a just-promoted key fail (see the header comment)`);

// ---------------------------------------------------------------------------------------------
// The gateway process

const upstream = await startUpstream();
const idpPort = await freePort();
const issuer = `http://localhost:${idpPort}/`;
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-soak-'));
const configFile = join(dir, 'gatehouse.yaml');
const auth = { type: 'JWT_AUTHENTICATION', issuers: [issuer], audiences: [AUD], publicKeys: { type: 'REMOTE_JWKS', uri: `http://127.0.0.1:${idpPort}/.well-known/jwks.json`, maxCacheDurationInHours: MAX_CACHE_HOURS } };
writeFileSync(
  configFile,
  stringify({
    deployments: [
      {
        name: 'api',
        pathPrefix: '/v1',
        specification: {
          requestPolicies: { authentication: auth },
          routes: [
            { path: '/hello', methods: ['GET'], backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: '{"hello":"world"}' }, requestPolicies: { authorization: { type: 'ANY_OF', allowedScope: ['read:soak'] } } },
            { path: '/fn', methods: ['POST'], backend: { type: 'ORACLE_FUNCTIONS_BACKEND', functionId: 'echo' } },
            { path: '/churn', methods: ['POST'], backend: { type: 'ORACLE_FUNCTIONS_BACKEND', functionId: 'churn' } },
            { path: '/up/{rest*}', backend: { type: 'HTTP_BACKEND', url: `${upstream.url}/\${request.path[rest]}` } },
          ],
        },
      },
      { name: 'open', pathPrefix: '/open', specification: { routes: [{ path: '/health', backend: { type: 'STOCK_RESPONSE_BACKEND', status: 200, body: 'ok' } }] } },
    ],
    functions: { echo: { path: join(FIX, 'echo') }, churn: { path: join(FIX, 'pid'), maxConcurrency: 2 } },
    identityProvider: {
      port: idpPort,
      management: { clientId: 'soak-mgmt', clientSecret: 'soak-mgmt-secret' },
      apis: [{ name: 'Soak', identifier: AUD, scopes: ['read:soak'] }],
      applications: [{ name: 'Soak client', clientId: 'soak-client', clientSecret: 'soak-client-secret', grants: [{ audience: AUD, scopes: ['read:soak'] }] }],
    },
  }),
);

const gwProc = spawn(process.execPath, [join(ROOT, 'bin/gatehouse.js'), 'serve', '--config', configFile, '--port', '0', '--admin-port', '0'], {
  cwd: dir,
  env: { ...process.env, GATEHOUSE_LOG_LEVEL: 'info' },
  stdio: ['ignore', 'pipe', 'pipe'],
});
/** Warnings and errors the gateway logged, by message (access lines and info are only counted). */
const logged = { lines: 0, warn: new Map<string, number>(), error: new Map<string, number>(), last: [] as string[], leaks: 0 };
/** Client secrets and the signatures of every token issued: none may ever appear in a log line. */
const secrets = new Set(['soak-client-secret', 'soak-mgmt-secret']);
const ready = new Promise<{ dataUrl: string; adminUrl: string; idpUrl: string }>((resolveReady, reject) => {
  let partial = '';
  gwProc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    partial += chunk;
    let nl;
    while ((nl = partial.indexOf('\n')) !== -1) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      logged.lines++;
      for (const secret of secrets) if (line.includes(secret)) logged.leaks++;
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (rec['msg'] === 'gatehouse ready') resolveReady(rec as never);
      const level = Number(rec['level']);
      if (level >= 40) {
        const m = level >= 50 ? logged.error : logged.warn;
        const key = `${String(rec['msg'])}${rec['failure'] ? ` (${String(rec['failure'])})` : ''}`;
        m.set(key, (m.get(key) ?? 0) + 1);
        logged.last.push(line.slice(0, 300));
        if (logged.last.length > 10) logged.last.shift();
      }
    }
  });
  gwProc.stderr!.resume();
  gwProc.once('exit', (code) => reject(new Error(`gatehouse exited with ${code} before it was ready`)));
});
const gw = await ready;
const pid = gwProc.pid!;
console.error(`soak: gateway pid ${pid} at ${gw.dataUrl}, ${MINUTES} min at ${RATE} req/s, key rotation every ${ROTATE_MS / 1000} s`);

// ---------------------------------------------------------------------------------------------
// Tokens and key rotation

async function clientToken(): Promise<string> {
  const r = await tokenRequest(gw.idpUrl, { client_id: 'soak-client', client_secret: 'soak-client-secret', audience: AUD, grant_type: 'client_credentials' });
  if (r.status !== 200) throw new Error(`token request: ${r.status} ${JSON.stringify(r.body)}`);
  const token = String(r.body['access_token']);
  secrets.add(token.slice(token.lastIndexOf('.') + 1));
  return token;
}
const kidOf = (t: string) => String((JSON.parse(Buffer.from(t.split('.')[0]!, 'base64url').toString()) as { kid?: string }).kid);

let current = await Promise.all([clientToken(), clientToken(), clientToken()]);
/** Tokens of keys that were revoked, with when: accepted answers are 200 or 401 until the grace has passed, then 401 only. */
let revoked: { tokens: string[]; atMs: number } | null = null;
const rotations: { atSec: number; revokedKid: string; newKid: string }[] = [];

async function rotateAndRevoke(): Promise<void> {
  const mgmtToken = String((await tokenRequest(gw.idpUrl, { client_id: 'soak-mgmt', client_secret: 'soak-mgmt-secret', audience: `${issuer}api/v2/`, grant_type: 'client_credentials' })).body['access_token']);
  secrets.add(mgmtToken.slice(mgmtToken.lastIndexOf('.') + 1));
  const call = (method: string, path: string) => fetch(`${gw.idpUrl}/api/v2${path}`, { method, headers: { authorization: `Bearer ${mgmtToken}` } });
  const old = current;
  const rotated = await call('POST', '/keys/signing/rotate');
  if (rotated.status !== 201) throw new Error(`rotate: ${rotated.status}`);
  await rotated.text();
  current = await Promise.all([clientToken(), clientToken(), clientToken()]);
  const oldKid = kidOf(old[0]!);
  const revoke = await call('PUT', `/keys/signing/${oldKid}/revoke`);
  if (revoke.status !== 200) throw new Error(`revoke ${oldKid}: ${revoke.status} ${await revoke.text()}`);
  await revoke.text();
  revoked = { tokens: old, atMs: Date.now() };
  rotations.push({ atSec: Math.round((Date.now() - startedAt) / 1000), revokedKid: oldKid.slice(0, 8), newKid: kidOf(current[0]!).slice(0, 8) });
}

// ---------------------------------------------------------------------------------------------
// Traffic

interface Kind {
  name: string;
  weight: number;
  send(): Promise<Response>;
  /** Statuses that are right for this kind now. */
  expect(): number[];
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
const tamper = (t: string) => {
  const [h, p, s] = t.split('.') as [string, string, string];
  return `${h}.${p}.${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`;
};
const forged = () => `${Buffer.from(JSON.stringify({ alg: 'RS256', kid: randomUUID() })).toString('base64url')}.${Buffer.from(JSON.stringify({ iss: issuer, aud: AUD, exp: 9e9 })).toString('base64url')}.${'A'.repeat(342)}`;
const get = (path: string, headers: Record<string, string> = {}) => fetch(`${gw.dataUrl}${path}`, { headers, signal: AbortSignal.timeout(15_000) });
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${gw.dataUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), signal: AbortSignal.timeout(15_000) });

const KINDS: Kind[] = [
  { name: 'valid token', weight: 30, send: () => get('/v1/hello', bearer(pick(current))), expect: () => [200] },
  { name: 'function call', weight: 12, send: () => post('/v1/fn', { name: 'soak' }, bearer(pick(current))), expect: () => [200] },
  { name: 'function churn', weight: 3, send: () => post('/v1/churn', {}, bearer(pick(current))), expect: () => [200] },
  { name: 'proxy', weight: 10, send: () => get('/v1/up/echo', bearer(pick(current))), expect: () => [200] },
  { name: 'open route', weight: 10, send: () => get('/open/health'), expect: () => [200] },
  { name: 'no token', weight: 5, send: () => get('/v1/hello'), expect: () => [401] },
  { name: 'garbage token', weight: 5, send: () => get('/v1/hello', bearer(randomUUID())), expect: () => [401] },
  { name: 'tampered signature', weight: 5, send: () => get('/v1/hello', bearer(tamper(pick(current)))), expect: () => [401] },
  { name: 'unknown kid', weight: 5, send: () => get('/v1/hello', bearer(forged())), expect: () => [401] },
  { name: 'wrong scheme', weight: 3, send: () => get('/v1/hello', { authorization: `Basic ${pick(current)}` }), expect: () => [401] },
  {
    name: 'revoked key',
    weight: 7,
    send: () => get('/v1/hello', bearer(pick(revoked?.tokens ?? current))),
    expect: () => (revoked === null ? [200] : Date.now() - revoked.atMs < REVOKE_GRACE_MS ? [200, 401] : [401]),
  },
];
const totalWeight = KINDS.reduce((n, k) => n + k.weight, 0);
function chooseKind(): Kind {
  let r = Math.random() * totalWeight;
  for (const k of KINDS) if ((r -= k.weight) < 0) return k;
  return KINDS[0]!;
}

interface Tally {
  sent: number;
  ok: number;
  statuses: Map<number, number>;
  latenciesMs: number[];
  unexpected: Map<string, number>;
}
const tallies = new Map<string, Tally>(KINDS.map((k) => [k.name, { sent: 0, ok: 0, statuses: new Map(), latenciesMs: [], unexpected: new Map() }]));
let inFlight = 0;
let skipped = 0;

async function fire(): Promise<void> {
  if (inFlight >= MAX_IN_FLIGHT) {
    skipped++;
    return;
  }
  const kind = chooseKind();
  const t = tallies.get(kind.name)!;
  t.sent++;
  inFlight++;
  const started = performance.now();
  let outcome: string;
  try {
    const res = await kind.send();
    await res.arrayBuffer();
    t.statuses.set(res.status, (t.statuses.get(res.status) ?? 0) + 1);
    outcome = kind.expect().includes(res.status) ? 'ok' : `status ${res.status}`;
  } catch (err) {
    outcome = `error ${(err as Error).name}: ${(err as Error).message.slice(0, 80)}`;
  } finally {
    inFlight--;
  }
  const ms = performance.now() - started;
  if (t.latenciesMs.length < 200_000) t.latenciesMs.push(ms);
  if (outcome === 'ok') t.ok++;
  else t.unexpected.set(outcome, (t.unexpected.get(outcome) ?? 0) + 1);
}

// ---------------------------------------------------------------------------------------------
// Sampling

interface Sample {
  sec: number;
  rssMb: number;
  heapMb: number;
  fds: number;
  children: number;
  sent: number;
}
const samples: Sample[] = [];
function procStatusKb(field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}
/** Every child process ever seen (function containers), to check none outlives the gateway. */
const childrenSeen = new Set<number>();
function childCount(): number {
  let n = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const kids = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
      for (const k of kids) childrenSeen.add(k);
      n += kids.length;
    } catch {
      // not exposed on this kernel
    }
  }
  return n;
}
function alive(p: number): boolean {
  try {
    process.kill(p, 0);
    return true;
  } catch {
    return false;
  }
}
async function heapUsedMb(): Promise<number> {
  try {
    const text = await (await fetch(`${gw.adminUrl}/metrics`)).text();
    const m = /^gatehouse_process_nodejs_heap_size_used_bytes (\S+)/m.exec(text);
    return m ? Number(m[1]) / 2 ** 20 : NaN;
  } catch {
    return NaN;
  }
}
async function sample(): Promise<void> {
  const sent = [...tallies.values()].reduce((n, t) => n + t.sent, 0);
  samples.push({ sec: Math.round((Date.now() - startedAt) / 1000), rssMb: procStatusKb('VmRSS') / 1024, heapMb: await heapUsedMb(), fds: readdirSync(`/proc/${pid}/fd`).length, children: childCount(), sent });
}

// ---------------------------------------------------------------------------------------------
// Run

const startedAt = Date.now();
const endAt = startedAt + MINUTES * 60_000;
const rotationErrors: string[] = [];
await sample();
const tickMs = 1000 / RATE;
let nextAt = performance.now();
const pending = new Set<Promise<void>>();
const sampler = setInterval(() => void sample(), SAMPLE_MS);
let rotating: Promise<void> = Promise.resolve();
const rotator = setInterval(() => {
  rotating = rotateAndRevoke().catch((e: Error) => void rotationErrors.push(e.message));
}, ROTATE_MS);
let lastProgress = Date.now();
while (Date.now() < endAt) {
  const p = fire();
  pending.add(p);
  void p.finally(() => pending.delete(p));
  nextAt += tickMs;
  const wait = nextAt - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  if (Date.now() - lastProgress > 30_000) {
    lastProgress = Date.now();
    const last = samples.at(-1)!;
    console.error(`soak: ${last.sec} s, ${last.sent} requests, RSS ${last.rssMb.toFixed(1)} MB, ${last.fds} fds`);
  }
}
clearInterval(rotator);
clearInterval(sampler);
await rotating;
await Promise.all(pending);
await sample();

// Shutdown: every function container must go with the gateway.
const childrenBefore = samples.at(-1)!.children;
gwProc.kill('SIGTERM');
const exitCode = await new Promise<number | null>((r) => gwProc.once('exit', (code) => r(code)));
await new Promise((r) => setTimeout(r, 500));
const orphans = [...childrenSeen].filter(alive);
await upstream.close();
rmSync(dir, { recursive: true, force: true });

// ---------------------------------------------------------------------------------------------
// Report

const pct = (xs: number[], q: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
const totalSent = [...tallies.values()].reduce((n, t) => n + t.sent, 0);
const totalUnexpected = [...tallies.values()].reduce((n, t) => n + (t.sent - t.ok), 0);
const elapsedSec = (Date.now() - startedAt) / 1000;
let md = `# Gatehouse soak (${new Date().toISOString().slice(0, 16)}Z)\n\n`;
md += `${f1(elapsedSec / 60)} min at ${RATE} req/s target (${f1(totalSent / elapsedSec)} req/s achieved), ${totalSent} requests, ${skipped} skipped (in-flight cap ${MAX_IN_FLIGHT}); `;
md += `${rotations.length} key rotations + revocations (every ${ROTATE_MS / 1000} s); JWKS cache ${MAX_CACHE_HOURS * 3600} s. Node ${process.version}.\n\n`;
md += `**Unexpected answers: ${totalUnexpected}.** Rotation errors: ${rotationErrors.length}. Gateway exit code after SIGTERM: ${exitCode}.\n\n`;
md += '| kind | sent | as expected | statuses | p50 ms | p99 ms | unexpected |\n|---|---:|---:|---|---:|---:|---|\n';
for (const k of KINDS) {
  const t = tallies.get(k.name)!;
  const statuses = [...t.statuses].sort((a, b) => a[0] - b[0]).map(([st, n]) => `${st}×${n}`).join(' ');
  md += `| ${k.name} | ${t.sent} | ${t.ok} | ${statuses} | ${f1(pct(t.latenciesMs, 0.5))} | ${f1(pct(t.latenciesMs, 0.99))} | ${[...t.unexpected].map(([o, n]) => `${o} ×${n}`).join(', ') || '—'} |\n`;
}
md += `\nGateway log: ${logged.lines} lines, ${logged.leaks} containing a secret or a token signature; warnings ${[...logged.warn].map(([m, n]) => `"${m}" ×${n}`).join(', ') || 'none'}; errors ${[...logged.error].map(([m, n]) => `"${m}" ×${n}`).join(', ') || 'none'}.\n`;
if (logged.last.length > 0) md += `\nLast warning/error lines:\n\n\`\`\`\n${logged.last.join('\n')}\n\`\`\`\n`;
if (rotationErrors.length > 0) md += `\nRotation errors: ${rotationErrors.slice(0, 5).join('; ')}\n`;

md += '\n## Gateway process over time\n\n| t (s) | RSS MB | heap used MB | open fds | child processes | requests so far |\n|---:|---:|---:|---:|---:|---:|\n';
const step = Math.max(1, Math.ceil(samples.length / 24));
for (let i = 0; i < samples.length; i++) {
  if (i % step !== 0 && i !== samples.length - 1) continue;
  const s = samples[i]!;
  md += `| ${s.sec} | ${f1(s.rssMb)} | ${f1(s.heapMb)} | ${s.fds} | ${s.children} | ${s.sent} |\n`;
}
// Flatness: the first fifth after warm-up against the last fifth.
const warm = samples.filter((s) => s.sec >= Math.min(60, elapsedSec / 5));
const fifth = Math.max(1, Math.floor(warm.length / 5));
const avg = (xs: Sample[], f: (s: Sample) => number) => xs.reduce((n, s) => n + f(s), 0) / xs.length;
const [early, late] = [warm.slice(0, fifth), warm.slice(-fifth)];
if (early.length > 0 && late.length > 0) {
  md += `\nFirst vs last (averages of the first and last fifth after a ${Math.round(warm[0]!.sec)} s warm-up): `;
  md += `RSS ${f1(avg(early, (s) => s.rssMb))} → ${f1(avg(late, (s) => s.rssMb))} MB, heap ${f1(avg(early, (s) => s.heapMb))} → ${f1(avg(late, (s) => s.heapMb))} MB, `;
  md += `fds ${f1(avg(early, (s) => s.fds))} → ${f1(avg(late, (s) => s.fds))}; peak RSS ${f1(Math.max(...samples.map((s) => s.rssMb)))} MB, peak fds ${Math.max(...samples.map((s) => s.fds))}.\n`;
}
md += `\nChild processes (function containers) just before SIGTERM: ${childrenBefore}; ${childrenSeen.size} seen over the run; still alive after the gateway exited (${exitCode}): ${orphans.length}.\n`;
if (rotations.length > 0) md += `\nRotations (t s: revoked → new kid): ${rotations.map((r) => `${r.atSec}: ${r.revokedKid}…→${r.newKid}…`).join(', ')}\n`;

process.stdout.write(md);
if (values.out !== undefined) writeFileSync(values.out, md);
process.exit(totalUnexpected === 0 && rotationErrors.length === 0 && exitCode === 0 && orphans.length === 0 && logged.leaks === 0 ? 0 : 1);
