// What a job's fingerprint holds of its commands beyond their labels: the bytes of local scripts and
// includes, a RunString's text, a labelled command's text and options; a Push's sources by name only.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { expect } from 'chai';

import {
  LocalNode,
  Push,
  readRun,
  resumePlan,
  Run,
  RunScript,
  RunString,
  Scheduler,
  SshJob,
} from '../../lib/index.js';
import type { Command } from '../../lib/index.js';
import { planOf } from '../../lib/record/plan.js';

describe('planOf: the fingerprint of what a job runs', () => {
  let tmp: string;
  let node: LocalNode;
  beforeEach(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'rxjobs-plan-contents-'));
    node = new LocalNode({ label: 'here' });
  });
  afterEach(async () => {
    await node.close();
    rmSync(tmp, { recursive: true, force: true });
  });
  const file = (name: string, text: string): string => {
    const p = path.join(tmp, name);
    writeFileSync(p, text);
    return p;
  };
  /** The fingerprint of one job of `commands`, made anew each time (as a resume builds its scheduler). */
  const fingerprint = (commands: () => Command[]): string =>
    planOf(new Scheduler([new SshJob(node, commands(), { label: 'a' })])).jobs[0]?.fingerprint ?? '';

  it("changes with a local script's bytes and an include's, not with a file read again unchanged", () => {
    const script = file('x.sh', 'echo one\n');
    const lib = file('lib.sh', 'f() { :; }\n');
    const commands = () => [new RunScript(script, 'arg', { includes: [lib] })];
    const before = fingerprint(commands);
    expect(fingerprint(commands)).to.equal(before);
    file('x.sh', 'echo two\n');
    const edited = fingerprint(commands);
    expect(edited).to.not.equal(before);
    file('lib.sh', 'f() { echo; }\n');
    expect(fingerprint(commands)).to.not.equal(edited);
  });

  it("changes with a labelled command's text and options, and a RunString's text", () => {
    const run = (command: string, env: Record<string, string> = {}) =>
      fingerprint(() => [new Run(command, { label: 'install', env })]);
    expect(run('apt-get install -y iperf')).to.equal(run('apt-get install -y iperf'));
    expect(run('apt-get install -y iperf3')).to.not.equal(run('apt-get install -y iperf'));
    expect(run('x', { A: '1' })).to.not.equal(run('x', { A: '2' }));
    const body = (text: string) => fingerprint(() => [new RunString(text, { label: 'body' })]);
    expect(body('echo a')).to.not.equal(body('echo b'));
  });

  it("counts a Push's sources by name, not by contents (the run's own jobs often write them)", () => {
    const data = file('data.csv', '1,2\n');
    const push = (p: string) => fingerprint(() => [new Push([p], '/tmp/dest', { label: 'send' })]);
    const before = push(data);
    file('data.csv', '3,4\n');
    expect(push(data)).to.equal(before);
    expect(push(file('other.csv', '1,2\n'))).to.not.equal(before);
  });

  it('plans 10,000 jobs of one script quickly (the file read once), with one fingerprint', () => {
    const script = file('x.sh', 'true\n');
    const jobs = Array.from(
      { length: 10_000 },
      (_, i) => new SshJob(node, [new RunScript(script)], { label: `j${String(i)}` }),
    );
    const started = process.hrtime.bigint();
    const plan = planOf(new Scheduler(jobs));
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    expect(new Set(plan.jobs.map((j) => j.fingerprint)).size).to.equal(1);
    expect(ms).to.be.below(5000);
  });

  it('makes a resume run again a job whose script changed since the run recorded', async () => {
    const script = file('x.sh', 'echo one\n');
    const build = () =>
      new Scheduler([
        new SshJob(node, [new RunScript(script)], { label: 'a' }),
        new SshJob(node, 'true', { label: 'b' }),
      ]);
    const dir = path.join(tmp, 'run');
    expect(await build().orchestrate({ record: dir })).to.equal(true);
    const record = await readRun(dir);
    expect(resumePlan(build(), record).rerun).to.deep.equal([]);
    file('x.sh', 'echo two\n');
    expect(resumePlan(build(), record).rerun.map((r) => r.key)).to.deep.equal(['a']);
  });
});
