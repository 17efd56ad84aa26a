import { expect } from 'chai';
import { of } from 'rxjs';

import type { Command } from '../../lib/commands/command.js';
import { Run } from '../../lib/commands/run.js';
import { RunScript } from '../../lib/commands/run-script.js';
import { RunString } from '../../lib/commands/run-string.js';
import { Pull, Push } from '../../lib/commands/transfer.js';
import { Variables } from '../../lib/commands/variables.js';
import type { ConfigError } from '../../lib/errors/config-error.js';
import { isJobsError } from '../../lib/errors/jobs-error.js';
import { Scheduler } from '../../lib/scheduler.js';
import { exitEvent } from '../../lib/nodes/command-event.js';
import { LocalNode } from '../../lib/nodes/local/local-node.js';
import type { Node } from '../../lib/nodes/node.js';
import { SshJob } from '../../lib/ssh-job/ssh-job.js';
import { thrown } from '../helpers/errors.js';

const configError = (f: () => unknown): ConfigError => {
  const e = thrown(f);
  expect(isJobsError(e, 'config'), String(e)).to.equal(true);
  return e as ConfigError;
};

describe('command labels', () => {
  const vars = new Variables([
    ['file', 'my file.txt'],
    ['n', '3'],
  ]);

  it('Run: the command line, extra arguments quoted, or the label given', () => {
    expect(new Run('tail -n', 20, '/var/log/my app.log').label).to.equal("tail -n 20 '/var/log/my app.log'");
    expect(new Run('echo', "it's", '', 'a;b', { label: 'greet' }).label).to.equal('greet');
    expect(new Run('echo', "it's", '', 'a;b').describe()).to.equal(`echo 'it'\\''s' '' 'a;b'`);
  });

  it('Run: templates as written in the label, expanded in describe(variables)', () => {
    const run = new Run('head -n {{n}}', '{{file}}', (v) => `${v.get('n') ?? ''}!`);
    expect(run.label).to.equal(`head -n {{n}} '{{file}}' '<fn>'`);
    expect(run.describe(vars)).to.equal(`head -n 3 'my file.txt' '3!'`);
    expect(new Run((v) => `echo ${v.get('n') ?? ''}`).describe(vars)).to.equal('echo 3');
  });

  it('RunScript: its file name and arguments; functions are not called for a label', () => {
    let called = false;
    const script = new RunScript('scripts/setup.sh', '--size', '{{n}}', 'a b', () => {
      called = true;
      return 'x';
    });
    expect(script.label).to.equal(`RunScript: setup.sh --size '{{n}}' 'a b' '<fn>'`);
    expect(called).to.equal(false);
    expect(script.describe(vars)).to.equal("setup.sh --size 3 'a b' x");
    expect(new RunScript('/x/y.sh', { label: 'mine' }).label).to.equal('mine');
  });

  it('RunString: its first meaningful line (cut at 30) or its remote name, then its arguments', () => {
    const body = '#!/bin/bash\n# a comment\n\n  echo {{n}} and a rather long line of text\nexit 0\n';
    expect(new RunString(body).label).to.equal('RunString: echo {{n}} and a rather long l...');
    expect(new RunString(body, 'x').describe(vars)).to.equal('echo 3 and a rather long line ... x');
    expect(new RunString(body, 'a b', { remoteName: 'setup.sh' }).label).to.equal(
      `RunString: setup.sh 'a b'`,
    );
    expect(new RunString('date').label).to.equal('RunString: date');
  });

  it('Push and Pull: their paths (a long list abridged), or the label given', () => {
    expect(new Push('a.txt', 'dir').label).to.equal('Push: a.txt onto dir');
    expect(new Push(['a', 'b'], '{{d}}').label).to.equal('Push: a b onto {{d}}');
    expect(new Push(['a', 'b', 'c'], 'd').label).to.equal('Push: a ... (3 in all) onto d');
    expect(new Pull(['r/{{file}}'], 'here').describe(vars)).to.equal('Pull: r/my file.txt into here');
    expect(new Pull('r', 'l', { label: 'results' }).label).to.equal('results');
    expect(new Push('a', 'b').allowedExits).to.deep.equal([]);
  });

  it('refuses an argument that is not a string, a number or a function, naming its position', () => {
    const e = configError(() => new Run('echo', 'a', [1] as never));
    expect(e.field).to.equal('argument 3');
    expect(configError(() => new RunScript('x.sh', null as never)).message).to.contain('RunScript');
    expect(configError(() => new RunString('x', true as never)).message).to.contain('RunString');
  });
});

describe('SshJob (construction, labels, listing)', () => {
  const node = new LocalNode();

  it('is labelled after its first command and how many follow, unless given a label', () => {
    expect(new SshJob(node, 'apt-get update').label).to.equal('apt-get update');
    expect(new SshJob(node, ['apt-get update', new Run('apt-get install -y', 'x'), 'true']).label).to.equal(
      'apt-get update .. + 2',
    );
    expect(new SshJob(node, new RunScript('a/b.sh'), { label: 'setup' }).label).to.equal('setup');
    const job = new SshJob(node, ['echo 1', new Push('f', 'd')]);
    expect(job.details()).to.equal('on localhost\necho 1\nPush: f onto d');
    expect(job.graphLabel()).to.equal('echo 1 .. + 1\nlocalhost');
  });

  it('turns command lines into Runs and keeps command objects, in order', () => {
    const push = new Push('f', 'd');
    const job = new SshJob(node, ['echo 1', push, new Run('echo', 2)]);
    expect(job.commands.map((c) => c.constructor.name)).to.deep.equal(['Run', 'Push', 'Run']);
    expect(job.commands[1]).to.equal(push);
    expect(job.commands.map((c) => c.label)).to.deep.equal(['echo 1', 'Push: f onto d', 'echo 2']);
  });

  it('takes requires and scheduler options', () => {
    const scheduler = new Scheduler();
    const a = new SshJob(node, 'true', { scheduler });
    const b = new SshJob(node, 'true', { scheduler, requires: a, critical: true, forever: false });
    expect([...scheduler.jobs]).to.deep.equal([a, b]);
    expect([...b.requirements]).to.deep.equal([a]);
    expect(b.critical).to.equal(true);
  });

  it('refuses an empty list of commands, naming the job and the field', () => {
    const e = configError(() => new SshJob(node, [], { label: 'empty' }));
    expect([e.subject, e.field]).to.deep.equal(['job "empty"', 'commands']);
    expect(e.message).to.contain('non-empty list').and.contain('got an empty list');
    expect(configError(() => new SshJob(node, undefined as never)).field).to.equal('commands');
  });

  it('refuses an entry that is not a command, naming the job and its index', () => {
    for (const bad of [42, null, { command: 'ls' }, ['ls']]) {
      const e = configError(() => new SshJob(node, ['true', bad as never], { label: 'mixed' }));
      expect([e.subject, e.field]).to.deep.equal(['job "mixed"', 'commands[1]']);
      expect(e.message).to.contain('must be a command line or a command object');
    }
  });

  it('refuses a node that is not a node, naming the job (after its commands when unlabelled) and the field', () => {
    for (const bad of [undefined, 'localhost', {}]) {
      const e = configError(() => new SshJob(bad as unknown as Node, ['hostname', 'uptime']));
      expect([e.subject, e.field]).to.deep.equal(['job "hostname .. + 1"', 'node']);
    }
  });

  it('accepts any object with run(), label, allowedExits and describe() as a command', async () => {
    const mine: Command = {
      label: 'mine',
      allowedExits: [],
      describe: () => 'mine',
      run: (n) => of(exitEvent(n, 0)),
    };
    const job = new SshJob(node, [mine]);
    expect(await new Scheduler([job]).orchestrate()).to.equal(true);
    expect(job.result()).to.equal(0);
  });

  it('is listed by its scheduler, before and after a run', async () => {
    const first = new SshJob(node, ['echo a', new Run('echo', 'b c')]);
    const second = new SshJob(node, 'false', { label: 'fails', requires: first, critical: false });
    const scheduler = new Scheduler([first, second]);
    const before = scheduler.list({ ascii: true }).split('\n');
    expect(before[0]).to.contain('<SshJob `echo a .. + 1`>').and.contain('[not done]');
    expect(before[1]).to.contain('<SshJob `fails`>').and.contain('requires:{1}');
    expect(await scheduler.orchestrate()).to.equal(true);
    const after = scheduler.list({ ascii: true }).split('\n');
    expect(after[0]).to.contain('[[ -> 0]]');
    expect(after[1]).to.contain('exception').and.contain('CommandFailedError');
    expect(scheduler.list({ details: true }))
      .to.contain('on localhost\n')
      .and.contain("echo 'b c'");
  });
});
