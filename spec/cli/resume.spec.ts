// --resume of both CLIs, through the built programs: only what did not succeed runs again.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { expect } from 'chai';

import { readRun } from '../../lib/index.js';
import { builtCliInScratchDir, runCli, useCliFleet } from '../helpers/cli.js';
import type { CliResult } from '../helpers/cli.js';

/** `prepare` captures a value, `flaky` fails while the file `broken` exists, `report` uses the capture. */
const SCENARIO = `
nodes:
  - { id: here, local: true }
jobs:
  - id: prepare
    node: here
    commands:
      - 'echo prepare >> ran.log'
      - { type: Run, command: 'echo token-42', capture: token }
  - id: flaky
    node: here
    requires: prepare
    commands: ['echo flaky >> ran.log', 'test ! -e broken']
  - id: report
    node: here
    requires: flaky
    commands: ['echo report >> ran.log', 'echo "report with {{token}}"']
  - id: aside
    node: here
    commands: ['echo aside >> ran.log']
`;

describe('rxjobs run --resume', function () {
  this.timeout(60_000);
  let dir: string;
  builtCliInScratchDir('rxjobs-resume-', (d) => {
    dir = d;
  });
  const rxjobs = (args: readonly string[]): Promise<CliResult> => runCli('rxjobs', args, { cwd: dir });
  const ran = (): string[] => {
    const log = path.join(dir, 'ran.log');
    const lines = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
    fs.rmSync(log, { force: true });
    return lines;
  };
  /** A first run in which `flaky` fails; `broken` removed after it. */
  const failedRun = async (): Promise<string> => {
    fs.writeFileSync(path.join(dir, 'exp.yaml'), SCENARIO);
    fs.writeFileSync(path.join(dir, 'broken'), '');
    const first = await rxjobs(['run', 'exp.yaml']);
    expect(first.code, first.stderr).to.equal(1);
    expect(ran().sort()).to.deep.equal(['aside', 'flaky', 'prepare', 'report']);
    fs.rmSync(path.join(dir, 'broken'));
    return first.recorded ?? '';
  };

  it('runs only what failed and what depends on it, the captures of the restored jobs given back', async () => {
    const first = await failedRun();
    const second = await rxjobs(['run', 'exp.yaml', '--resume']);
    expect(second.code, second.stderr).to.equal(0);
    expect(ran()).to.deep.equal(['flaky', 'report']);
    expect(second.stdout).to.include('here:report with token-42');
    expect(second.stderr).to.include(
      `rxjobs: resuming ${first}: 2 jobs done there, not run again; 2 jobs to run:\n` +
        '  flaky  failed\n' +
        '  report  requires "flaky", which runs again\n',
    );
    // the resumed run is recorded too: restored jobs as such, and the capture kept for a later resume
    const record = await readRun(second.recorded ?? '');
    const restored = record.events.filter((e) => e.type === 'done' && 'restored' in e);
    expect(restored.map((e) => ('key' in e ? e.key : '')).sort()).to.deep.equal(['aside', 'prepare']);
    expect(record.events.filter((e) => e.type === 'capture')).to.have.length(1);
    // nothing left to do: said, nothing run, exit 0
    const third = await rxjobs(['run', 'exp.yaml', '--resume']);
    expect(third.code, third.stderr).to.equal(0);
    expect(third.stderr).to.include(
      `rxjobs: every job succeeded in ${second.recorded ?? ''}: nothing to run`,
    );
    expect(third.stderr).not.to.include('to run:'); // one statement, no "0 jobs to run:" before it
    expect(ran()).to.deep.equal([]);
    // --dry-run says it the same way, and only that
    const dry = await rxjobs(['run', 'exp.yaml', '--resume', '--dry-run']);
    expect(dry.code, dry.stderr).to.equal(0);
    expect(dry.stdout).to.equal(`rxjobs: every job succeeded in ${second.recorded ?? ''}: nothing to run\n`);
  });

  it('--resume DIR resumes that run; --dry-run says what would run again and runs nothing', async () => {
    const first = await failedRun();
    const dry = await rxjobs(['run', 'exp.yaml', '--dry-run', '--resume', first]);
    expect(dry.code, dry.stderr).to.equal(0);
    // only what would run again: not the whole plan of --dry-run before it
    expect(dry.stdout.startsWith(`rxjobs: resuming ${first}: 2 jobs done there`), dry.stdout).to.equal(true);
    expect(ran()).to.deep.equal([]);
    // a changed job runs again, and says what changed
    fs.writeFileSync(
      path.join(dir, 'exp.yaml'),
      SCENARIO.replace("'echo aside >> ran.log'", "'echo aside2 >> ran.log'"),
    );
    const second = await rxjobs(['run', 'exp.yaml', `--resume=${first}`]);
    expect(second.code, second.stderr).to.equal(0);
    expect(second.stderr).to.include('  aside  changed: commands\n');
    expect(ran().sort()).to.deep.equal(['aside2', 'flaky', 'report']);
  });

  it('refuses, in one line, a resume with no record, or of another scenario', async () => {
    fs.writeFileSync(path.join(dir, 'exp.yaml'), SCENARIO);
    const none = await rxjobs(['run', 'exp.yaml', '--resume']);
    expect(none.code).to.equal(2);
    expect(none.stderr).to.match(
      /^rxjobs: --resume: no run of this scenario is recorded under .*: run it once first/m,
    );
    const first = await failedRun();
    fs.writeFileSync(
      path.join(dir, 'other.yaml'),
      'nodes: [{ id: here, local: true }]\njobs: [{ id: unrelated, node: here, commands: ["true"] }]\n',
    );
    const other = await rxjobs(['run', 'other.yaml', '--resume', first]);
    expect(other.code).to.equal(2);
    expect(other.stderr).to.include(`rxjobs: --resume: ${first}: none of its 4 jobs is a job of this run`);
    expect(other.stderr).not.to.match(/\n\s+at /); // no stack trace
    // a scenario file where a run directory goes: not taken for a second scenario
    for (const args of [
      ['run', 'exp.yaml', '--resume', 'other.yaml'],
      ['run', 'exp.yaml', '--resume=other.yaml'],
    ]) {
      const file = await rxjobs(args);
      expect(file.code).to.equal(2);
      expect(file.stderr).to.match(
        /^rxjobs: --resume takes a run directory \(or nothing: the latest run\); other\.yaml is a file\n/,
      );
    }
  });

  it("--resume given a scenario's folder of runs resumes its latest run", async () => {
    const first = await failedRun();
    const folder = path.dirname(first);
    const dry = await rxjobs(['run', 'exp.yaml', '--dry-run', '--resume', folder]);
    expect(dry.code, dry.stderr).to.equal(0);
    expect(dry.stdout.startsWith(`rxjobs: resuming ${first}: 2 jobs done there`), dry.stdout).to.equal(true);
  });

  it('has nothing to run when only a forever job (a monitor) did not end done', async () => {
    fs.writeFileSync(
      path.join(dir, 'mon.yaml'),
      `nodes: [{ id: here, local: true }]
jobs:
  - { id: work, node: here, commands: ['echo work >> ran.log'] }
  - { id: monitor, node: here, forever: true, commands: ['sleep 30'] }
`,
    );
    const first = await rxjobs(['run', 'mon.yaml']);
    expect(first.code, first.stderr).to.equal(0);
    expect(ran()).to.deep.equal(['work']);
    const second = await rxjobs(['run', 'mon.yaml', '--resume']);
    expect(second.code, second.stderr).to.equal(0);
    expect(second.stderr).to.include('nothing to run');
    expect(ran()).to.deep.equal([]);
  });
});

describe('rxssh --resume (real hosts)', function () {
  this.timeout(60_000);
  const { rxssh, dir, fleet } = useCliFleet(3, 'rxssh-resume-');

  it('works only on the hosts that did not succeed; alone, with the command line of that run', async () => {
    const broken = path.join(dir(), 'broken-127.0.0.3');
    fs.writeFileSync(broken, '');
    const command = `set -- $SSH_CONNECTION; echo "ran on $3"; test ! -e ${dir()}/broken-$3`;
    const first = await rxssh(['-t', '127.0.0.[2-4]', command]);
    expect(first.code, first.stderr).to.equal(1);
    fs.rmSync(broken);
    const second = await runCli('rxssh', ['--resume', first.recorded ?? '']); // alone: no fleet options
    expect(second.code, second.stderr).to.equal(0);
    expect(second.stdout.trim()).to.match(/^127\.0\.0\.3 *: *ran on 127\.0\.0\.3$/);
    expect(second.stderr).to.include(`rxssh: resuming ${first.recorded ?? ''}: 2 hosts done there`);
    // the same, with the command line given again
    const third = await rxssh(['-t', '127.0.0.[2-4]', '--resume', second.recorded ?? '', command]);
    expect(third.code, third.stderr).to.equal(0);
    expect(third.stderr).to.include('every host succeeded');
    // a new command: every host runs again, said once for all of them
    const fourth = await rxssh(['-t', '127.0.0.[2-4]', '--resume', second.recorded ?? '', 'true']);
    expect(fourth.code, fourth.stderr).to.equal(0);
    expect(fourth.stderr).to.include('3 hosts to run:\n  127.0.0.[2-4]  changed: commands\n');
  });

  it('alone, runs the command line where it was run (a relative script), and resumes a resume', async () => {
    const work = fs.mkdtempSync(path.join(dir(), 'work-'));
    fs.writeFileSync(
      path.join(work, 'check.sh'),
      `set -- $SSH_CONNECTION; echo "script on $3"; test ! -e ${dir()}/broken2-$3\n`,
    );
    fs.writeFileSync(path.join(dir(), 'broken2-127.0.0.4'), '');
    const first = await rxssh(['-t', '127.0.0.[2-4]', '-s', 'check.sh'], work);
    expect(first.code, first.stderr).to.equal(1);
    // from elsewhere, and still failing: check.sh is the file of the first run's directory, not a text
    const second = await runCli('rxssh', ['--resume', first.recorded ?? '']);
    expect(second.code, second.stderr).to.equal(1);
    expect(second.stdout.trim()).to.match(/^127\.0\.0\.4 *: *script on 127\.0\.0\.4$/);
    fs.rmSync(path.join(dir(), 'broken2-127.0.0.4'));
    // the resume of that resume: its command line is the first run's
    const third = await runCli('rxssh', ['--resume', second.recorded ?? '']);
    expect(third.code, third.stderr).to.equal(0);
    expect(third.stdout.trim()).to.match(/^127\.0\.0\.4 *: *script on 127\.0\.0\.4$/);
  });

  it('alone, resolves every relative path of the recorded line in its directory, without leaving its own', async () => {
    const { user, port, clientKey, knownHosts } = fleet();
    const work = fs.mkdtempSync(path.join(dir(), 'paths-'));
    fs.copyFileSync(clientKey, path.join(work, 'key'));
    fs.chmodSync(path.join(work, 'key'), 0o600);
    fs.copyFileSync(knownHosts, path.join(work, 'kh'));
    fs.writeFileSync(path.join(work, 'hosts.txt'), '127.0.0.2\n127.0.0.3\n');
    fs.writeFileSync(
      path.join(work, 'check.sh'),
      `set -- $SSH_CONNECTION; echo "on $3"; test ! -e ${dir()}/b3-$3\n`,
    );
    fs.writeFileSync(path.join(dir(), 'b3-127.0.0.3'), '');
    const line = ['-l', user, '-p', String(port), '-i', 'key', '-F', 'none', '-O', 'UserKnownHostsFile=kh'];
    const first = await runCli('rxssh', [...line, '-t', 'hosts.txt', '-o', 'out', '-s', 'check.sh'], {
      cwd: work,
    });
    expect(first.code, first.stderr).to.equal(1);
    fs.rmSync(path.join(dir(), 'b3-127.0.0.3'));
    // from another directory: the key, known_hosts, hosts file, script and -o DIR are those of `work`
    const elsewhere = fs.mkdtempSync(path.join(dir(), 'elsewhere-'));
    const second = await runCli('rxssh', ['--resume', first.recorded ?? ''], { cwd: elsewhere });
    expect(second.code, second.stderr).to.equal(0);
    expect(second.stderr).to.include('1 host to run:\n  127.0.0.3  failed\n');
    expect(fs.readFileSync(path.join(work, 'out', '127.0.0.3'), 'utf8')).to.equal('on 127.0.0.3\n');
    expect(second.stdout).to.equal(`${path.join(work, 'out')}\n`); // -o DIR is not relative to here
    expect(fs.readdirSync(elsewhere)).to.deep.equal([]);
    // the process stayed where it was started: its record says so
    expect((await readRun(second.recorded ?? '')).run.cwd).to.equal(elsewhere);
  });
});
