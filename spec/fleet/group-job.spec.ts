import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { expect } from 'chai';
import { lastValueFrom, of, toArray } from 'rxjs';

import {
  ConfigError,
  GroupJob,
  Job,
  JobTimeoutError,
  LocalNode,
  NodeGroup,
  Scheduler,
  SchedulerAbortedError,
  SshJob,
  SshNode,
} from '../../lib/index.js';
import type { JobFailedEvent, Node, SchedulerEvent } from '../../lib/index.js';
import { thrown } from '../helpers/errors.js';
import { describeEvent } from '../helpers/marbles.js';
import { refusedPort } from '../helpers/sshd.js';
import { ed25519PrivateKey } from '../helpers/test-keys.js';

/** Every event of a run of `scheduler`. */
const eventsOf = (scheduler: Scheduler): Promise<SchedulerEvent[]> =>
  lastValueFrom(scheduler.run().pipe(toArray()));
/** How jobs ended, described (`a:failed!` for a critical failure), and the end events. */
const outcomesOf = (events: readonly SchedulerEvent[]): string[] =>
  events.filter((e) => e.type !== 'started' && e.type !== 'value').map(describeEvent);
const failures = (events: readonly SchedulerEvent[]): JobFailedEvent[] =>
  events.filter((e): e is JobFailedEvent => e.type === 'failed');

const message = (f: () => unknown): string => {
  const e = thrown(f);
  expect(e).to.be.instanceOf(ConfigError);
  return (e as ConfigError).message;
};

describe('GroupJob', () => {
  let nodes: LocalNode[];
  let group: NodeGroup;
  let dir: string;
  let keys: string;
  before(() => {
    keys = mkdtempSync(path.join(os.tmpdir(), 'rxjobs-group-key-'));
  });
  after(() => {
    rmSync(keys, { recursive: true, force: true });
  });
  beforeEach(() => {
    nodes = [1, 2, 3, 4, 5].map((i) => new LocalNode({ label: `n${String(i)}` }));
    group = NodeGroup.of(nodes);
    dir = mkdtempSync(path.join(os.tmpdir(), 'rxjobs-group-'));
  });
  afterEach(async () => {
    await group.close();
    await Promise.all(nodes.map((n) => n.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs one member per node, labelled label@host, and is one job that others require', async () => {
    const prepare = new GroupJob(group, (node) => `touch ${dir}/${node.label}`, { label: 'prepare' });
    const after = new Job(() => of(readdirSync(dir).sort().join()), { label: 'after', requires: prepare });
    const main = new Scheduler([prepare, after], { label: 'main' });
    const events = await eventsOf(main);
    expect(prepare.label).to.equal('prepare n[1-5]');
    expect([...prepare].map((j) => j.label)).to.deep.equal([
      'prepare@n1',
      'prepare@n2',
      'prepare@n3',
      'prepare@n4',
      'prepare@n5',
    ]);
    expect(prepare.member('n2')?.label).to.equal('prepare@n2');
    expect(prepare.member(nodes[2] as LocalNode)?.label).to.equal('prepare@n3');
    expect(prepare.member('n9')).to.equal(undefined);
    expect(prepare.group).to.equal(group);
    // `after` starts once every member is done
    const labels = events.map(describeEvent);
    const afterStarted = labels.indexOf('after:started');
    for (const n of [1, 2, 3, 4, 5])
      expect(labels.indexOf(`prepare@n${String(n)}:done=0`)).to.be.below(afterStarted);
    expect(after.result()).to.equal('n1,n2,n3,n4,n5');
    expect(prepare.summary().text).to.equal('prepare n[1-5]: 5 done');
    expect(prepare.fold).to.equal(true);
    expect(prepare.maxFailures).to.equal(0);
    expect(prepare._foldKey(prepare.member('n4') as Job)).to.equal('n4');
  });

  it('tolerates failed members up to maxFailures: the group and the run end fine, the failures reported', async () => {
    const prepare = new GroupJob(group, (_node, i) => (i < 2 ? 'exit 1' : 'true'), {
      label: 'prepare',
      maxFailures: '40%',
    });
    const after = new Job(() => of('ran'), { label: 'after', requires: prepare });
    const main = new Scheduler([prepare, after], { label: 'main' });
    const events = await eventsOf(main);
    expect(outcomesOf(events).filter((e) => !e.includes('prepare@n'))).to.deep.equal([
      'end:prepare n[1-5]:true',
      'prepare n[1-5]:done=true',
      'after:done=ran',
      'end:main:true',
    ]);
    expect(
      failures(events)
        .map((e) => [e.job.label, e.tolerated, e.critical])
        .sort(),
    ).to.deep.equal([
      ['prepare@n1', true, false],
      ['prepare@n2', true, false],
    ]);
    const summary = prepare.summary();
    expect(summary.failed).to.deep.equal(['n1', 'n2']);
    expect(summary.tolerated).to.deep.equal(['n1', 'n2']);
    expect(summary.counts).to.include({ done: 3, failed: 2 });
    expect(summary.budget).to.deep.include({ budget: 2, failed: 2, tolerated: 2, ignored: 0 });
    expect(summary.text).to.equal('prepare n[1-5]: 3 done, 2 failed (n[1-2], tolerated)');
    expect(prepare.member('n1')?.isTolerated()).to.equal(true);
  });

  it('fails at the first failure beyond maxFailures, cancelling the members still running', async () => {
    const prepare = new GroupJob(
      group,
      (_node, i) => (i < 2 ? `sleep 0.${String(i + 1)}; exit 1` : 'sleep 5'),
      {
        label: 'prepare',
        maxFailures: 1,
      },
    );
    const main = new Scheduler([prepare], { label: 'main' });
    const started = performance.now();
    const events = await eventsOf(main);
    expect(performance.now() - started).to.be.below(3000);
    expect(outcomesOf(events)).to.deep.equal([
      'prepare@n1:failed',
      // beyond the budget: critical
      'prepare@n2:failed!',
      'prepare@n3:cancelled(critical)',
      'prepare@n4:cancelled(critical)',
      'prepare@n5:cancelled(critical)',
      'end:prepare n[1-5]:false',
      'prepare n[1-5]:failed!',
      'end:main:false',
    ]);
    expect(prepare.failedCritical()).to.equal(true);
    expect(prepare.raisedException()).to.be.instanceOf(SchedulerAbortedError);
    expect(prepare.summary().text).to.equal('prepare n[1-5]: 2 failed (n[1-2], tolerated: n1), 3 cancelled');
  });

  it('fails at the first failed member by default (maxFailures 0), and is critical unless told otherwise', async () => {
    const prepare = new GroupJob(group, (_node, i) => (i === 3 ? 'exit 2' : 'true'), { label: 'p' });
    const main = new Scheduler([prepare], { label: 'main' });
    const events = await eventsOf(main);
    expect(outcomesOf(events).slice(-3)).to.deep.equal([
      'end:p n[1-5]:false',
      'p n[1-5]:failed!',
      'end:main:false',
    ]);
    const lenient = new GroupJob(group, (_node, i) => (i === 3 ? 'exit 2' : 'true'), {
      label: 'q',
      critical: false,
    });
    expect(await new Scheduler([lenient]).orchestrate()).to.equal(true);
    expect(lenient.failedCritical()).to.equal(true);
    expect(prepare.summary().failed).to.deep.equal(['n4']);
  });

  it('gives each member memberTimeout: a straggler fails with JobTimeoutError and counts as a failure', async () => {
    const prepare = new GroupJob(group, (_node, i) => (i === 0 ? 'sleep 10' : 'true'), {
      label: 'prepare',
      memberTimeout: 300,
      maxFailures: 1,
    });
    const started = performance.now();
    const events = await eventsOf(new Scheduler([prepare]));
    expect(performance.now() - started).to.be.below(3000);
    const [failed] = failures(events);
    expect(failed?.job.label).to.equal('prepare@n1');
    expect(failed?.error).to.be.instanceOf(JobTimeoutError);
    expect(failed?.tolerated).to.equal(true);
    expect(prepare.member('n1')?.timeout).to.equal(300);
  });

  it('retries each member, and a member stops at its first failing command', async () => {
    const once = (node: Node): string =>
      `test -f ${dir}/${node.label}.tried || { touch ${dir}/${node.label}.tried; exit 1; }`;
    const prepare = new GroupJob(group, (node) => [once(node), `touch ${dir}/${node.label}.ok`], {
      label: 'prepare',
      retries: { count: 1, delay: 10 },
    });
    expect(await new Scheduler([prepare]).orchestrate()).to.equal(true);
    expect(prepare.summary().counts.done).to.equal(5);
    expect(readdirSync(dir).filter((f) => f.endsWith('.ok'))).to.have.length(5);

    const stops = new GroupJob(group, ['exit 1', `touch ${dir}/after`], {
      label: 'stops',
      maxFailures: '100%',
    });
    expect(await new Scheduler([stops]).orchestrate()).to.equal(true);
    expect(readdirSync(dir)).not.to.include('after');
  });

  it('skips a member whose host failed in a required group (skipFailedMembers, on by default)', async () => {
    const prepare = new GroupJob(group, (_node, i) => (i === 1 ? 'exit 1' : 'true'), {
      label: 'prepare',
      maxFailures: 1,
    });
    const run = new GroupJob(group, (node) => `touch ${dir}/${node.label}`, {
      label: 'run',
      requires: prepare,
    });
    const keep = new GroupJob(group, (node) => `touch ${dir}/keep-${node.label}`, {
      label: 'keep',
      requires: prepare,
      skipFailedMembers: false,
    });
    // a member job of the caller's own, and the skip passed on down a chain of groups
    const then = new GroupJob(group, (node) => new Job(() => of(node.label)), {
      label: 'then',
      requires: run,
    });
    const events = await eventsOf(new Scheduler([prepare, run, keep, then]));
    const skipped = events.filter((e) => e.type === 'skipped');
    expect(skipped.map((e) => [e.job.label, e.because.map((j) => j.label)])).to.deep.equal([
      ['run@n2', ['prepare@n2']],
      ['then@n2', ['run@n2']],
    ]);
    expect(readdirSync(dir).sort()).to.deep.equal([
      'keep-n1',
      'keep-n2',
      'keep-n3',
      'keep-n4',
      'keep-n5',
      'n1',
      'n3',
      'n4',
      'n5',
    ]);
    expect(run.summary().text).to.equal('run n[1-5]: 4 done, 1 skipped');
    expect(run.isDone()).to.equal(true);
  });

  it('does not count an unreachable host with ignoreUnreachable, and counts it without', async () => {
    const port = await refusedPort();
    // a key to offer, so that the node gets as far as connecting (it reads its keys first)
    writeFileSync(path.join(keys, 'id'), ed25519PrivateKey(), { mode: 0o600 });
    const dead = new SshNode({
      hostname: '127.0.0.1',
      port,
      label: 'dead',
      connectAttempts: 1,
      sshConfig: false,
      agent: false,
      keys: [path.join(keys, 'id')],
    });
    const mixed = NodeGroup.of([...nodes.slice(0, 2), dead]);
    const ignoring = new GroupJob(mixed, 'true', { label: 'ignoring', ignoreUnreachable: true });
    const events = await eventsOf(new Scheduler([ignoring]));
    expect(failures(events).map((e) => [e.job.label, e.error.code, e.ignored])).to.deep.equal([
      ['ignoring@dead', 'ssh-connect', true],
    ]);
    expect(ignoring.isDone() && !ignoring.isTolerated() && ignoring.raisedException() === undefined).to.equal(
      true,
    );
    expect(ignoring.summary()).to.deep.include({
      failed: ['dead'],
      unreachable: ['dead'],
      tolerated: ['dead'],
    });
    expect(ignoring.summary().text).to.equal(
      'ignoring dead,n[1-2]: 2 done, 1 failed (dead, tolerated, unreachable: dead)',
    );

    const counting = new GroupJob(mixed, 'true', { label: 'counting' });
    await eventsOf(new Scheduler([counting]));
    expect(counting.failedCritical()).to.equal(true);

    // every host unreachable: each one is forgiven, the group is not (a dead gateway is no success)
    const none = new GroupJob(NodeGroup.of([dead]), 'true', { label: 'none', ignoreUnreachable: true });
    const top = new Scheduler([none], { critical: false });
    await eventsOf(top);
    expect(none.status).to.equal('failed');
    expect(String(none.raisedException())).to.match(
      /scheduler "none dead" ended false: all 1 members failed, none counted against maxFailures \(all ignored\)/,
    );
    await dead.close();
  });

  it('takes the member job a function returns, relabelled, with memberTimeout and retries', async () => {
    const made: Job[] = [];
    const jobs = new GroupJob(
      group,
      (node) => {
        const job =
          node.label === 'n1' ? new SshJob(node, 'true', { label: 'mine' }) : new Job(() => of(node.label));
        made.push(job);
        return job;
      },
      { label: 'custom', memberTimeout: 5000, retries: 2 },
    );
    expect([...jobs]).to.deep.equal(made);
    expect(made.map((j) => [j.label, j.timeout, j.retries])).to.deep.equal(
      ['n1', 'n2', 'n3', 'n4', 'n5'].map((n) => [`custom@${n}`, 5000, 2]),
    );
    expect(await new Scheduler([jobs]).orchestrate()).to.equal(true);
  });

  it('refuses bad input from plain JavaScript with errors naming the group and the field', () => {
    expect(message(() => new GroupJob([nodes[0]] as never, 'true', { label: 'g' }))).to.match(
      /^group job "g": group must be a NodeGroup \(NodeGroup.fromHosts\('fit\[01-37\]'\), NodeGroup.of\(nodes\)\), got a list of 1$/,
    );
    expect(message(() => new GroupJob(group, 42 as never))).to.match(
      /^group job "group": what must be commands \(a command line, a command object, a list of them\), or a function/,
    );
    expect(message(() => new GroupJob(group, () => 42 as never, { label: 'g' }))).to.match(
      /^group job "g": what\(n1\) must be commands .* or a job, got number 42$/,
    );
    expect(message(() => new GroupJob(group, [], { label: 'g' }))).to.match(
      /commands must be a command or a non-empty list/,
    );
    expect(message(() => new GroupJob(group, 'true', { memberTimeout: -1 }))).to.match(
      /memberTimeout must be a number of milliseconds, 0 to 2147483647 \(24.8 days\), got number -1/,
    );
    expect(message(() => new GroupJob(group, 'true', { memberTimeout: Infinity }))).to.match(
      /memberTimeout must be a number of milliseconds, 0 to 2147483647/,
    );
    expect(message(() => new Job(() => Promise.resolve(1), { timeout: 3e9 }))).to.match(
      /timeout must be at most 2147483647 ms \(24.8 days\), got 3000000000: leave it undefined for none/,
    );
    expect(message(() => new GroupJob(group, 'true', { ignoreUnreachable: 'yes' } as never))).to.match(
      /ignoreUnreachable must be true or false/,
    );
    expect(message(() => new GroupJob(group, 'true', { skipFailedMembers: 1 } as never))).to.match(
      /skipFailedMembers must be true or false/,
    );
    expect(message(() => new GroupJob(group, 'true', { label: 'p', maxFailures: '10' } as never))).to.match(
      /^group job "p": maxFailures must be .* write 10 \(a number\) for a count, or '10%' for a percentage$/,
    );
    expect(message(() => new GroupJob(group, 'true', { jobsWindow: 0 }))).to.match(
      /^scheduler "group n\[1-5\]": jobsWindow must be an integer of 1 or more/,
    );
    expect(message(() => new GroupJob(group, 'true', { retries: -1 }))).to.match(/retries/);
    expect(message(() => new GroupJob(group, 'true', { label: '' }))).to.match(
      /label must be a non-empty string/,
    );
    expect(message(() => new GroupJob(group, 'true', { memberTimout: 1 } as never))).to.match(
      /memberTimout is not an option of GroupJob, did you mean memberTimeout\?/,
    );
    expect(message(() => new GroupJob(group, 'true', 'x' as never))).to.match(/options must be an object/);
    const shared = new Job(() => of(1));
    expect(message(() => new GroupJob(group, () => shared, { label: 'g' }))).to.match(
      /returned job .* again for n2/,
    );
    const other = new Job(() => of(1));
    expect(
      message(() => new GroupJob(group, () => new Job(() => of(1), { requires: other }), { label: 'g' })),
    ).to.match(/with requirements: a member requires nothing/);
  });
});
