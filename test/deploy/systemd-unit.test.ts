/**
 * deploy/latchkey.service as shipped: `systemd-analyze verify` finds nothing to say about it, its
 * sandbox keeps systemd's exposure score at 2.0 or below ("OK"), and it starts what the package
 * builds (the path of `npm start`). docs/deploy.md ("Running under systemd"). Skipped, with the
 * reason, where systemd-analyze is not installed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

const UNIT = 'deploy/latchkey.service';
const ANALYZE = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p));
const skip = ANALYZE ? false : 'systemd-analyze is not installed (the unit check needs it)';
/** The interpreter the unit runs; where it is elsewhere on this machine, verify complains of that alone. */
const NODE = '/usr/bin/node';

const analyze = (...args: string[]) => {
  const res = spawnSync(ANALYZE!, args, { encoding: 'utf8', timeout: 120_000 });
  return { status: res.status, output: `${res.stdout}${res.stderr}` };
};

describe('the shipped systemd unit', { skip }, () => {
  it('systemd-analyze verify reports nothing about it', (t) => {
    const res = analyze('verify', UNIT);
    let lines = res.output.split('\n').filter((l) => l.includes('latchkey.service'));
    if (!existsSync(NODE)) {
      t.diagnostic(`${NODE} is absent here: its "not executable" complaint is expected and ignored`);
      lines = lines.filter((l) => !l.includes(`Command ${NODE} is not executable`));
    } else {
      assert.equal(res.status, 0, res.output);
    }
    assert.deepEqual(lines, [], res.output);
  });

  it("its sandbox keeps systemd's exposure score at 2.0 or below", (t) => {
    const res = analyze('security', '--offline=true', '--threshold=20', UNIT);
    if (/unrecognized option|unknown option/i.test(res.output)) {
      t.skip('this systemd-analyze has no --offline (systemd older than 250)');
      return;
    }
    const score = /Overall exposure level for latchkey\.service: ([\d.]+)/.exec(res.output)?.[1];
    assert.ok(score, res.output);
    assert.ok(Number(score) <= 2.0, `exposure ${score}:\n${res.output}`);
    assert.equal(res.status, 0, res.output);
  });

  it('runs the built CLI that `npm start` runs, with its V8 flags and malloc setting, the environment file, as a dynamic user', () => {
    const unit = readFileSync(UNIT, 'utf8');
    const start = JSON.parse(readFileSync('package.json', 'utf8')).scripts.start as string;
    const [, variables, flags, entry] = /^((?:[A-Z_]+=\S+ )*)node ((?:--\S+ )*)(\S+) serve$/.exec(start) ?? [];
    assert.ok(entry, `package.json's start script changed: ${start}`);
    assert.match(unit, new RegExp(`^ExecStart=${NODE} ${flags}/opt/latchkey/${entry.replaceAll('.', '\\.')} serve$`, 'm'));
    for (const variable of variables!.split(' ').filter(Boolean)) assert.match(unit, new RegExp(`^Environment=${variable}$`, 'm'), variable);
    for (const line of ['DynamicUser=yes', 'ProtectSystem=strict', 'NoNewPrivileges=yes', 'StateDirectory=latchkey', 'EnvironmentFile=/etc/latchkey/latchkey.env']) {
      assert.match(unit, new RegExp(`^${line}$`, 'm'), line);
    }
  });
});
