import path from 'node:path';

import { expect } from 'chai';
import * as E from 'fp-ts/lib/Either.js';

import { Run } from '../../lib/commands/run.js';
import { RunScript } from '../../lib/commands/run-script.js';
import { RunString } from '../../lib/commands/run-string.js';
import { Pull, Push } from '../../lib/commands/transfer.js';
import { LocalNode } from '../../lib/nodes/local/local-node.js';
import { SshNode } from '../../lib/nodes/ssh/ssh-node.js';
import type { BuiltScenario } from '../../lib/scenario/build.js';
import { buildScenario } from '../../lib/scenario/build.js';
import { describeScenario } from '../../lib/scenario/describe.js';
import type { LoadedScenario } from '../../lib/scenario/load.js';
import { loadScenario, parseScenario } from '../../lib/scenario/load.js';
import { formatProblems } from '../../lib/scenario/problems.js';

const fixtures = path.join(import.meta.dirname, 'fixtures');
const home = path.join(fixtures, 'conf'); // `~` while the fixtures load, so that `~/id_test` exists

const ok = (result: E.Either<readonly { message: string }[], LoadedScenario>): LoadedScenario => {
  if (E.isLeft(result)) expect.fail(formatProblems(result.left as never));
  return result.right;
};

const sshNode = (built: BuiltScenario, id: string): SshNode => {
  const node = built.nodes.get(id);
  expect(node).to.be.instanceOf(SshNode);
  return node as SshNode;
};

const commandsOf = (built: BuiltScenario, id: string) => built.jobs.get(id)?.commands ?? [];

describe('buildScenario', () => {
  let previousHome: string | undefined;
  let loaded: LoadedScenario;
  let built: BuiltScenario;

  beforeEach(() => {
    previousHome = process.env['HOME'];
    process.env['HOME'] = home;
    loaded = ok(loadScenario(path.join(fixtures, 'valid.yaml')));
    built = buildScenario(loaded, {
      ssh: { username: 'alice', connectTimeout: 3000, keys: ['/default/key'] },
    });
  });
  afterEach(() => {
    process.env['HOME'] = previousHome;
  });

  it('builds SSH nodes with their options, durations in ms, paths absolute, defaults under them', () => {
    const gw = sshNode(built, 'gw');
    expect(gw.options).to.deep.equal({
      username: 'admin',
      port: 2222,
      keys: [path.join(home, 'id_test'), path.join(fixtures, 'conf/id_test')],
      knownHosts: path.join(fixtures, 'conf/known_hosts'),
      hostKeyPolicy: 'strict',
      connectTimeout: 7500,
      connectAttempts: 2,
      keepalive: 0,
      maxSessions: 4,
      sshConfig: false,
      hostname: 'gw.example.org',
      gateway: undefined,
      label: 'gw',
    });
    const fit = sshNode(built, 'fit01');
    expect(fit.options).to.deep.equal({
      username: 'alice',
      connectTimeout: 3000,
      keys: ['/default/key'],
      agent: true,
      hostname: 'fit01.example.org',
      gateway: gw,
      label: 'node one',
    });
    expect(fit.toString()).to.equal('admin@gw.example.org:2222 -> alice@fit01.example.org');
  });

  it('builds local nodes, labelled by their id, with the local options given', () => {
    const local = buildScenario(loaded, { local: { shell: '/bin/bash', scriptDir: '/tmp/x' } }).nodes.get(
      'here',
    );
    expect(local).to.be.instanceOf(LocalNode);
    expect(local?.label).to.equal('here');
    expect(local?.scriptDir).to.equal('/tmp/x');
  });

  it('builds nodes in file order, a gateway declared after the nodes behind it', () => {
    const scenario = ok(
      parseScenario(
        'nodes:\n  - {id: far, hostname: far, gateway: mid}\n  - {id: mid, hostname: mid, gateway: gw}\n' +
          '  - {id: gw, hostname: gw}\njobs: [{id: j, node: far, commands: [ls]}]\n',
        'chain.yaml',
      ),
    );
    const { nodes } = buildScenario(scenario, { ssh: { username: 'u' } });
    expect([...nodes.keys()]).to.deep.equal(['far', 'mid', 'gw']);
    expect(nodes.get('far')?.toString()).to.equal('u@gw -> u@mid -> u@far');
    expect((nodes.get('far') as SshNode).gateway).to.equal(nodes.get('mid'));
  });

  it('builds jobs with their options in ms, their node, requirements in any order, one shared Variables', () => {
    const { jobs, scheduler, variables } = built;
    expect([...jobs.keys()]).to.deep.equal(['measure', 'prepare', 'setup']);
    const measure = jobs.get('measure');
    const prepare = jobs.get('prepare');
    const setup = jobs.get('setup');
    expect(measure?.node).to.equal(built.nodes.get('fit01'));
    expect(measure?.label).to.equal('measure on fit01');
    expect(measure?.timeout).to.equal(250);
    expect(measure?.critical).to.equal(false);
    expect(measure?.runIf).to.equal('all-success');
    expect([...(measure?.requirements ?? [])]).to.deep.equal([prepare, setup]);
    expect(prepare?.forever).to.equal(true);
    expect(prepare?.label).to.equal('prepare');
    expect(prepare?.critical).to.equal(true); // the file's default, under scheduler:
    expect([...(setup?.requirements ?? [])]).to.deep.equal([prepare]);
    for (const job of jobs.values()) expect(job.variables).to.equal(variables);
    expect([...scheduler.jobs]).to.deep.equal([measure, prepare, setup]);
    expect(scheduler.checkCycles()).to.equal(true);
  });

  it('gives the scheduler the file options, durations in ms', () => {
    const { scheduler } = built;
    expect(scheduler.label).to.equal('deploy');
    expect(scheduler.timeout).to.equal(90_000);
    expect(scheduler.jobsWindow).to.equal(3);
    expect(scheduler.critical).to.equal(true);
    expect(scheduler.shutdownTimeout).to.equal(2500);
    const plain = buildScenario(
      ok(
        parseScenario(
          'nodes: [{id: h, local: true}]\njobs: [{id: j, node: h, commands: [ls]}]\n',
          'dir/plain.yaml',
        ),
      ),
    ).scheduler;
    expect([
      plain.label,
      plain.timeout,
      plain.jobsWindow,
      plain.critical,
      plain.shutdownTimeout,
    ]).to.deep.equal(['plain.yaml', undefined, undefined, undefined, 1000]); // unset: inherited when nested
    // its jobs are not critical (the scenario's default), even nested in a critical scheduler
    expect([...plain.jobs].map((j) => j.critical)).to.deep.equal([false]);
  });

  it('substitutes node, global and built-in variables in commands, leaving the others for the run', () => {
    const [greet, ls, show] = commandsOf(built, 'measure');
    expect(greet).to.be.instanceOf(Run);
    expect(greet?.describe(built.variables)).to.equal(
      'echo salut from fit01 (fit01.example.org, alice), eth1',
    );
    expect(ls?.describe(built.variables)).to.equal("ls -l 'my dir' 1.2.3");
    expect((ls as Run).options).to.deep.include({
      capture: 'listing',
      allowedExits: [1, 'TERM'],
      env: { LEVEL: '3', NAME: 'fit01' },
    });
    expect(show).to.be.instanceOf(RunString);
    const script = show as RunString;
    expect(script.script).to.equal('#!/bin/sh\necho "v1.2.3 $1 {{listing}}"\n');
    expect(script.args).to.deep.equal(['one', '2']);
    expect(script.options).to.deep.include({
      remoteName: 'show.sh',
      includes: [path.join(fixtures, 'lib.sh')],
    });
    const [prep, push, pull] = commandsOf(built, 'prepare');
    expect(prep).to.be.instanceOf(RunScript);
    expect((prep as RunScript).localPath).to.equal(path.join(fixtures, 'prepare.sh'));
    expect((prep as RunScript).args).to.deep.equal(['--version', '1.2.3']);
    expect(prep?.label).to.equal('prepare gw');
    expect(push).to.be.instanceOf(Push);
    expect((push as Push).localPaths).to.deep.equal([path.join(fixtures, 'conf/app.conf')]);
    expect((push as Push).remoteDir).to.equal('/etc/app-gw');
    expect((push as Push).options.preserve).to.equal(false);
    expect(pull).to.be.instanceOf(Pull);
    expect((pull as Pull).remotePaths).to.deep.equal(['/var/log/a.log', '/var/log/b.log']);
    expect((pull as Pull).localDir).to.equal(`${path.join(fixtures, 'logs/gw')}/`);
    const [uname] = commandsOf(built, 'setup');
    expect(uname?.describe(built.variables)).to.equal('uname -r');
    expect((uname as Run).options).to.deep.include({ stdin: 'some input', pty: false });
  });

  it("gives the same commands each node's own values", () => {
    const scenario = ok(
      parseScenario(
        'variables: {who: everyone}\n' +
          'nodes:\n  - {id: a, local: true, variables: {who: alice}}\n  - {id: b, local: true}\n' +
          'jobs:\n  - &job {id: ja, node: a, label: "greet {{who}}", commands: ["echo {{who}} on {{node}} {{later}}"]}\n' +
          '  - {<<: *job, id: jb, node: b}\n',
        'template.yaml',
        { runtimeVariables: ['later'] },
      ),
    );
    const { jobs, variables } = buildScenario(scenario);
    const line = (id: string) => jobs.get(id)?.commands[0]?.describe(variables);
    expect([line('ja'), line('jb')]).to.deep.equal([
      'echo alice on a {{later}}',
      'echo everyone on b {{later}}',
    ]);
    expect([jobs.get('ja')?.label, jobs.get('jb')?.label]).to.deep.equal(['greet alice', 'greet everyone']);
    variables.set('later', 'now');
    expect(line('ja')).to.equal('echo alice on a now');
  });

  it('leaves a local path that starts with a run-time variable as it is', () => {
    const scenario = ok(
      parseScenario(
        'nodes: [{id: h, local: true}]\njobs: [{id: j, node: h, commands: [' +
          '{type: Push, localPaths: ["{{dir}}/a", "b/{{dir}}"], remoteDir: x}, {type: Pull, remotePaths: y, localDir: "{{dir}}"}]}]\n',
        '/some/where/paths.yaml',
        { runtimeVariables: ['dir'] },
      ),
    );
    const [push, pull] = buildScenario(scenario).jobs.get('j')?.commands ?? [];
    expect((push as Push).localPaths).to.deep.equal(['{{dir}}/a', '/some/where/b/{{dir}}']);
    expect((pull as Pull).localDir).to.equal('{{dir}}/');
  });

  it('quotes every word of an argv, the first one included', () => {
    const scenario = ok(
      parseScenario(
        'nodes: [{id: h, local: true}]\njobs: [{id: j, node: h, commands: [{type: Run, argv: ["my prog", "a;b", 3]}]}]\n',
        'argv.yaml',
      ),
    );
    const [run] = buildScenario(scenario).jobs.get('j')?.commands ?? [];
    expect(run?.describe(built.variables)).to.equal("'my prog' 'a;b' 3");
  });
});

describe('describeScenario', () => {
  it('lists the scheduler, the nodes with their gateway chains, and the jobs with their commands', () => {
    const previous = process.env['HOME'];
    process.env['HOME'] = home;
    try {
      const loaded = ok(loadScenario(path.join(fixtures, 'valid.yaml')));
      const text = describeScenario(loaded, { ssh: { username: 'alice' } });
      expect(text).to.equal(
        [
          `scenario ${path.join(fixtures, 'valid.yaml')}`,
          'scheduler "deploy", timeout 90 s, jobsWindow 3, critical, shutdownTimeout 2.5 s',
          'nodes (3):',
          '  gw     ssh admin@gw.example.org:2222',
          '  fit01  ssh alice@fit01.example.org via gw -> fit01',
          '  here   local',
          'jobs (3):',
          '  measure on fit01 [label "measure on fit01", not critical, timeout 0.25 s, runIf all-success, requires prepare, setup]',
          '    1. Run: echo salut from fit01 (fit01.example.org, alice), eth1',
          "    2. Run: ls -l 'my dir' 1.2.3  (capture listing; allowed exits 1, TERM; env LEVEL, NAME)",
          '    3. RunString: show.sh one 2  (includes lib.sh)',
          '  prepare on gw [forever]',
          '    1. RunScript: prepare.sh --version 1.2.3  (includes lib.sh)',
          '    2. Push: conf/app.conf -> /etc/app-gw',
          '    3. Pull: /var/log/a.log, /var/log/b.log -> logs/gw',
          '  setup on here [requires prepare]',
          '    1. Run: uname -r',
        ].join('\n'),
      );
      expect(describeScenario(loaded, { ssh: { username: 'alice' } })).to.equal(text);
    } finally {
      process.env['HOME'] = previous;
    }
  });
});
