import * as fs from 'node:fs';
import * as path from 'node:path';

import { expect } from 'chai';

import { RXJOBS_HELP } from '../../lib/cli/rxjobs-options.js';
import {
  fleetArgs,
  linesOf,
  marker,
  noSessionsLeft,
  ROOT,
  runCli,
  runCliInPty,
  sortedLines,
  builtCliInScratchDir,
} from '../helpers/cli.js';
import { remoteProcesses, startFleet } from '../helpers/sshd.js';
import type { Fleet } from '../helpers/sshd.js';

const version = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string })
  .version;

describe('rxjobs (the built CLI)', function () {
  this.timeout(60_000);
  let dir: string;

  builtCliInScratchDir('rxjobs-cli-', (d) => (dir = d));

  const scenario = (text: string, name = 'scenario.yaml'): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };

  const LOCAL = `
variables: { greeting: hello }
nodes:
  - { id: here, local: true, variables: { greeting: bonjour } }
jobs:
  - id: prepare
    node: here
    commands:
      - { type: Run, command: 'echo {{greeting}} from {{node}}', capture: who }
  - id: use
    node: here
    requires: prepare
    commands: ['echo got {{who}}']
`;

  describe('usage', () => {
    it('prints its help, word for word, and its version', async () => {
      const help = await runCli('rxjobs', ['--help']);
      expect(help.code).to.equal(0);
      expect(help.stdout).to.equal(`${RXJOBS_HELP}\n`);
      expect((await runCli('rxjobs', ['run', '-h'])).stdout).to.equal(`${RXJOBS_HELP}\n`);
      const v = await runCli('rxjobs', ['--version']);
      expect([v.code, v.stdout]).to.deep.equal([0, `rxjobs ${version}\n`]);
    });

    for (const [args, message] of [
      [[], /no command given/],
      [['frobnicate'], /unknown command 'frobnicate'/],
      [['run'], /no scenario file given/],
      [['run', 'a.yaml', 'b.yaml'], /one scenario file at a time/],
      [['run', 'a.yaml', '--graph', 'bmp'], /--graph bmp: expected one of dot, mermaid, svg, png/],
      [['run', 'a.yaml', '--bogus'], /Unknown option '--bogus'/],
      [['run', 'a.yaml', '-w', '0'], /-w\/--window expects a whole number of at least 1/],
      [['run', 'a.yaml', '-O', 'Nope=1'], /-O Nope=1: not an option/],
      [['run', 'a.yaml', '--json', '-b'], /--json and -b both write stdout/],
    ] as const)
      it(`exits 2 with one clear line for: rxjobs ${args.join(' ')}`, async () => {
        const r = await runCli('rxjobs', args);
        expect(r.code, r.stderr).to.equal(2);
        expect(r.stdout).to.equal('');
        expect(r.stderr).to.match(message);
        expect(r.stderr).not.to.match(/\n\s+at /); // no stack trace
      });
  });

  describe('local scenarios', () => {
    it('runs the jobs in order, a capture feeding a later job, then lists them', async () => {
      const r = await runCli('rxjobs', ['run', scenario(LOCAL)]);
      expect(r.code, r.stderr).to.equal(0);
      const lines = linesOf(r.stdout);
      expect(lines.slice(0, 2)).to.deep.equal(['here:bonjour from here', 'here:got bonjour from here']);
      expect(r.stdout).to.match(/<SshJob `prepare`>/);
      expect(r.stdout).to.match(/<SshJob `use`>.*requires/);
      expect(r.stderr).to.equal('');
    });

    it('exits 1 when a job fails, and sums the failure up in words on stderr', async () => {
      const file = scenario(`
nodes: [{ id: here, local: true }]
jobs:
  - { id: ok, node: here, commands: ['echo fine'] }
  - { id: bad, node: here, commands: ['echo oops >&2; exit 3'] }
`);
      const r = await runCli('rxjobs', ['run', file]);
      expect(r.code).to.equal(1);
      expect(r.stdout).to.include('here:fine');
      expect(r.stderr).to.include('here:oops');
      expect(r.stderr).to.match(/rxjobs: 1 of 2 jobs failed:\n {2}bad {2}exit 3 {2}/);
      expect(r.stderr).not.to.match(/\n\s+at /);
    });

    it('reports every problem of a bad file with file:line:column and path, and runs nothing', async () => {
      const flag = path.join(dir, 'ran');
      const file = scenario(`nodes:
  - { id: here, local: true }
jobs:
  - id: a
    node: here
    commands: ['touch ${flag}']
  - id: b
    node: nowhere
    requries: a
    commands:
      - { type: Rnu, command: x }
`);
      const r = await runCli('rxjobs', ['run', file]);
      expect(r.code).to.equal(2);
      expect(r.stdout).to.equal('');
      const lines = linesOf(r.stderr);
      expect(lines).to.deep.equal([
        `${file}:8:11: jobs[1].node: unknown node "nowhere" (nodes: here)`,
        `${file}:9:5: jobs[1].requries: unknown key, did you mean requires? (accepted: id, node, commands, requires, label, critical, forever, timeout, runIf, retries, maxFailures, memberTimeout, ignoreUnreachable, skipFailedMembers, jobsWindow)`,
        `${file}:11:17: jobs[1].commands[0].type: expected one of Run, RunScript, RunString, Push, Pull`,
        `rxjobs: 3 problems in ${file}; nothing was run`,
      ]);
      expect(fs.existsSync(flag), 'job a did not run').to.equal(false);
    });

    it('reports a YAML syntax error with its line, and a missing file', async () => {
      const bad = await runCli('rxjobs', ['run', scenario('nodes: [\n  - a\n')]);
      expect(bad.code).to.equal(2);
      expect(bad.stderr).to.match(/scenario\.yaml:\d+:\d+: /);
      const missing = await runCli('rxjobs', ['run', 'nope.yaml'], { cwd: dir });
      expect(missing.code).to.equal(2);
      expect(missing.stderr).to.include(`${path.join(dir, 'nope.yaml')}: file not found`);
    });

    it('--dry-run prints the plan with variables filled in, and runs nothing', async () => {
      const flag = path.join(dir, 'ran');
      const file = scenario(`${LOCAL}  - { id: touch, node: here, commands: ['touch ${flag}'] }\n`);
      const r = await runCli('rxjobs', ['run', '--dry-run', file]);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.include('Run: echo bonjour from here  (capture who)');
      expect(r.stdout).to.include('use on here [requires prepare]');
      expect(r.stdout).to.include('Run: echo got {{who}}'); // known only at run time
      expect(fs.existsSync(flag)).to.equal(false);
    });

    it('--graph writes dot and mermaid on stdout or to a file, and svg through graphviz', async () => {
      const file = scenario(LOCAL);
      const dot = await runCli('rxjobs', ['run', file, '--graph', 'dot']);
      expect(dot.code, dot.stderr).to.equal(0);
      expect(dot.stdout).to.match(/^digraph/);
      expect(dot.stdout).to.match(/->/);
      const out = path.join(dir, 'g.mmd');
      const mermaid = await runCli('rxjobs', ['run', file, '--graph', 'mermaid', '--graph-output', out]);
      expect([mermaid.code, mermaid.stdout]).to.deep.equal([0, `${out}\n`]);
      expect(fs.readFileSync(out, 'utf8')).to.match(/^flowchart TD\n[\s\S]*j1 --> j2/);
      const svg = await runCli('rxjobs', ['run', file, '--graph', 'svg']);
      expect(svg.code, svg.stderr).to.equal(0);
      expect(svg.stdout).to.equal(`${path.join(dir, 'scenario.svg')}\n`);
      expect(fs.readFileSync(path.join(dir, 'scenario.svg'), 'utf8')).to.include('<svg');
    });

    it('--graph-output that cannot be written: one line, exit 2, no stack trace', async () => {
      const file = scenario(LOCAL);
      const regular = path.join(dir, 'a-file');
      fs.writeFileSync(regular, '');
      for (const [format, output] of [
        ['dot', path.join(regular, 'g.dot')],
        ['svg', path.join(regular, 'g.svg')],
      ] as const) {
        const r = await runCli('rxjobs', ['run', file, '--graph', format, '--graph-output', output]);
        expect(r.code, r.stderr).to.equal(2);
        expect(r.stderr).to.match(new RegExp(`^rxjobs: --graph ${format} --graph-output ${output}: `));
        expect(r.stderr).not.to.match(/^\s+at /m);
      }
    });

    it('--graph png writes a PNG next to the scenario file', async () => {
      const r = await runCli('rxjobs', ['run', scenario(LOCAL), '--graph', 'png']);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.equal(`${path.join(dir, 'scenario.png')}\n`);
      expect(fs.readFileSync(path.join(dir, 'scenario.png')).subarray(0, 8).toString('hex')).to.equal(
        '89504e470d0a1a0a',
      );
    });

    it('-b gathers jobs with the same output and status into one block', async () => {
      const file = scenario(`
nodes: [{ id: n1, local: true }, { id: n2, local: true }, { id: n3, local: true }]
jobs:
  - { id: a, node: n1, commands: ['echo same'] }
  - { id: b, node: n2, commands: ['echo same'] }
  - { id: c, node: n3, commands: ['echo other'] }
`);
      const r = await runCli('rxjobs', ['run', '-q', '-b', file]);
      expect(r.code, r.stderr).to.equal(0);
      const headers = linesOf(r.stdout).filter((l) => /exit 0$/.test(l));
      expect(headers.map((l) => l.replace(/\s+/g, ' '))).to.deep.equal(['a,b (2) exit 0', 'c (1) exit 0']);
      expect(r.stdout).to.match(/a,b [^\n]*\n-+\nsame\n/);
      expect(r.stdout).to.match(/c [^\n]*\n-+\nother\n/);
    });

    it('--json gives one JSON object per line, with a result per job', async () => {
      const r = await runCli('rxjobs', ['run', '--json', scenario(LOCAL)]);
      expect(r.code, r.stderr).to.equal(0);
      const records = linesOf(r.stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
      const lines = records.filter((x) => x['type'] === 'line').map((x) => [x['job'], x['host'], x['text']]);
      expect(lines).to.deep.equal([
        ['prepare', 'here', 'bonjour from here'],
        ['use', 'here', 'got bonjour from here'],
      ]);
      const results = records
        .filter((x) => x['type'] === 'result')
        .map((x) => [x['job'], x['ok'], x['status']]);
      expect(results).to.deep.equal([
        ['prepare', true, 'exit 0'],
        ['use', true, 'exit 0'],
      ]);
      expect(r.stderr).to.match(/<SshJob `use`>/); // the listing goes to stderr then
    });

    it('-o DIR --mark writes one file per node and a mark per job', async () => {
      const file = scenario(`
nodes: [{ id: here, local: true }, { id: there, local: true }]
jobs:
  - { id: one, node: here, commands: ['echo from here'] }
  - { id: two, node: there, commands: ['echo from there; exit 4'] }
`);
      const out = path.join(dir, 'out');
      const r = await runCli('rxjobs', ['run', '-q', '-o', out, '--mark', file]);
      expect(r.code).to.equal(1);
      expect(fs.readFileSync(path.join(out, 'here'), 'utf8')).to.equal('from here\n');
      expect(fs.readFileSync(path.join(out, 'there'), 'utf8')).to.equal('from there\n');
      expect(fs.readFileSync(path.join(out, '0ok', 'one'), 'utf8')).to.equal('0\n');
      expect(fs.readFileSync(path.join(out, '1failed', 'two'), 'utf8')).to.equal('4\n');
    });

    it('--timeout stops the run: the job still running is cancelled and killed, exit 1', async () => {
      const mark = marker('rxjobstimeout');
      const file = scenario(`
nodes: [{ id: here, local: true }]
jobs:
  - { id: slow, node: here, commands: ['sleep 30 # ${mark}'] }
`);
      const r = await runCli('rxjobs', ['run', '--timeout', '1', file]);
      expect(r.code).to.equal(1);
      expect(r.durationMs).to.be.below(15_000);
      expect(r.stderr).to.match(/slow {2}cancelled \(timeout\)/);
      expect(await remoteProcesses(mark)).to.deep.equal([]);
    });

    it('stops forever jobs at the end of the run, which still succeeds', async () => {
      const file = scenario(`
nodes: [{ id: here, local: true }]
jobs:
  - { id: monitor, node: here, forever: true, commands: ['while :; do sleep 0.1; done'] }
  - { id: work, node: here, commands: ['sleep 0.3; echo done'] }
`);
      const r = await runCli('rxjobs', ['run', file]);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.include('here:done');
    });

    it('with RXJOBS_LIVE=0, shows a progress line on a terminal and erases it (the live view: live-view.spec)', async () => {
      const r = await runCli('rxjobs', ['run', scenario(LOCAL)]);
      expect(r.stdout).not.to.include('jobs done');
      const tty = await runCliInPty(
        'rxjobs',
        [
          'run',
          scenario(`
nodes: [{ id: here, local: true }]
jobs: [{ id: slow, node: here, commands: ['sleep 0.8; echo finished'] }]
`),
        ],
        { env: { RXJOBS_LIVE: '0' } },
      );
      expect(tty.code, tty.stdout).to.equal(0);
      expect(tty.stdout).to.match(/rxjobs: 0\/1 jobs done, 0 failed, 1 running/);
      const last = tty.stdout.lastIndexOf('jobs done');
      expect(tty.stdout.indexOf('\r\x1b[K', last), 'erased after its last drawing').to.be.above(last);
    });
  });

  describe('SSH scenarios against real sshd', () => {
    let fleet: Fleet;
    before(async function () {
      this.timeout(60_000);
      fleet = await startFleet({ hosts: 3 });
    });
    after(async () => {
      await fleet.stop();
    });

    it('runs jobs on nodes behind a gateway, with the SSH defaults of the command line', async () => {
      const [gw, a, b] = fleet.hosts;
      if (gw === undefined || a === undefined || b === undefined) throw new Error('3 hosts expected');
      const remote = path.join(fleet.home, `rxjobs-scenario-${String(process.pid)}`);
      fs.writeFileSync(path.join(dir, 'data.txt'), 'payload\n');
      const file = scenario(`
nodes:
  - { id: gw, hostname: ${gw.address} }
  - { id: a, hostname: ${a.address}, gateway: gw }
  - { id: b, hostname: ${b.address}, gateway: gw }
jobs:
  - id: push
    node: a
    commands:
      - { type: Push, localPaths: data.txt, remoteDir: ${remote} }
  - id: where-a
    node: a
    requires: push
    commands: ['set -- $SSH_CONNECTION; echo "$3 from $1"; cat ${remote}/data.txt']
  - id: where-b
    node: b
    commands: ['set -- $SSH_CONNECTION; echo "$3 from $1"']
  - id: pull
    node: a
    requires: where-a
    commands:
      - { type: Pull, remotePaths: ${remote}/data.txt, localDir: back }
`);
      const r = await runCli('rxjobs', ['run', file, ...fleetArgs(fleet, { portOption: true })]);
      try {
        expect(r.code, r.stderr).to.equal(0);
        // (that the tunnels go through gw's connection is the library's test: spec/e2e/ssh-gateways)
        expect(sortedLines(r.stdout).filter((l) => l.includes(' from '))).to.deep.equal(
          [`a:${a.address} from 127.0.0.1`, `b:${b.address} from 127.0.0.1`].sort(),
        );
        expect(r.stdout).to.include('a:payload');
        expect(fs.readFileSync(path.join(dir, 'back', 'data.txt'), 'utf8')).to.equal('payload\n');
        expect(await noSessionsLeft(fleet)).to.equal(true);
      } finally {
        fs.rmSync(remote, { recursive: true, force: true });
      }
    });
  });
});
