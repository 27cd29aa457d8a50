/**
 * deploy/systemd/gatehouse.service: node runs the entry file itself (no npx or shell to swallow
 * SIGTERM), stop and reload send the signals the gateway handles, the stop timeout outlasts the
 * drain, and — where systemd-analyze is installed — systemd parses every line without a warning.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { DEFAULTS } from '../../src/config/defaults.ts';
import { DEPLOY } from './deploy_files.ts';

const UNIT = join(DEPLOY, 'systemd/gatehouse.service');
const text = readFileSync(UNIT, 'utf8');

/** `[Section]` → key → values (a key may repeat). */
function parseUnit(unit: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | null = null;
  for (const raw of unit.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header !== null) {
      current = new Map();
      sections.set(header[1] as string, current);
      continue;
    }
    const eq = line.indexOf('=');
    assert.ok(current !== null && eq > 0, `a key=value inside a section: ${line}`);
    const key = line.slice(0, eq);
    current.set(key, [...(current.get(key) ?? []), line.slice(eq + 1)]);
  }
  return sections;
}

const service = parseUnit(text).get('Service') as Map<string, string[]>;
const value = (key: string): string | undefined => service.get(key)?.at(-1);

describe('systemd unit (deploy/systemd/gatehouse.service)', () => {
  it('ExecStart runs node on the entry file: no npx, npm or shell between systemd and the gateway', () => {
    const argv = (value('ExecStart') as string).split(/\s+/);
    assert.ok(posix.isAbsolute(argv[0] as string) && posix.basename(argv[0] as string) === 'node', `node by absolute path: ${argv[0]}`);
    assert.equal(argv[1], '--max-semi-space-size=32', 'the young generation the gateway is measured with');
    assert.match(argv[2] as string, /^\/.*\/bin\/gatehouse\.js$/);
    assert.deepEqual(argv.slice(3, 5), ['serve', '--config']);
    assert.ok(posix.isAbsolute(argv[5] as string), 'the config by absolute path');
    assert.notEqual(value('User') ?? 'root', 'root');
  });

  it('stop sends SIGTERM to the gateway alone and waits longer than the drain; reload sends SIGHUP', () => {
    assert.equal(value('KillSignal'), 'SIGTERM');
    // mixed: SIGTERM to the main process only (it stops its functions and workers itself).
    assert.equal(value('KillMode'), 'mixed');
    const stopSec = Number(value('TimeoutStopSec'));
    assert.ok(stopSec >= DEFAULTS.server.shutdownTimeoutInSeconds + 5, `TimeoutStopSec ${stopSec} outlasts the ${DEFAULTS.server.shutdownTimeoutInSeconds} s drain`);
    assert.equal(value('ExecReload'), '/bin/kill -HUP $MAINPID');
    assert.equal(value('Restart'), 'on-failure');
  });

  it('systemd-analyze verify parses it without a warning', (t) => {
    if (spawnSync('systemd-analyze', ['--version'], { stdio: 'ignore' }).status !== 0) {
      t.skip('systemd-analyze is not installed');
      return;
    }
    // verify checks that ExecStart's binary exists: this machine's node stands in for /usr/bin/node.
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-unit-'));
    try {
      const copy = join(dir, 'gatehouse.service');
      writeFileSync(copy, text.replace(/^ExecStart=\S+/m, `ExecStart=${process.execPath}`));
      const r = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr.trim(), '', 'no line ignored or warned about');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
