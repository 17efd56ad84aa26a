import { expect } from 'chai';
import { lastValueFrom, toArray } from 'rxjs';

import { GroupJob, isCommandEvent, JobTimeoutError, NodeGroup, Scheduler } from '../../lib/index.js';
import type { HostsOptions, JobFailedEvent, SchedulerEvent } from '../../lib/index.js';
import { marker } from '../helpers/command-suite.js';
import { eventually } from '../helpers/eventually.js';
import type { Fleet } from '../helpers/sshd.js';
import { remoteProcesses, sshdConnections, startFleet } from '../helpers/sshd.js';

const HOSTS = 20;
/** An address of 127.0.0.0/8 where no sshd listens: connections to it are refused. */
const DEAD = '127.0.0.250';

const failuresOf = (events: readonly SchedulerEvent[]): JobFailedEvent[] =>
  events.filter((e): e is JobFailedEvent => e.type === 'failed');

describe('GroupJob on a loopback fleet (real sshd)', function () {
  this.timeout(60_000);
  let fleet: Fleet;
  let options: HostsOptions;
  let groups: NodeGroup[];
  /** A group of hosts of the fleet, closed after the test. */
  const groupOf = (hosts: string | readonly string[]): NodeGroup => {
    const group = NodeGroup.fromHosts(hosts, options);
    groups.push(group);
    return group;
  };

  before(async () => {
    fleet = await startFleet({ hosts: HOSTS });
    options = {
      port: fleet.port,
      username: fleet.user,
      keys: [fleet.clientKey],
      agent: false,
      knownHosts: fleet.knownHosts,
      hostKeyPolicy: 'strict',
      sshConfig: false,
      connectTimeout: 10_000,
    };
  });
  after(() => fleet.stop());
  beforeEach(() => {
    groups = [];
  });
  afterEach(async () => {
    await Promise.all(groups.map((g) => g.close()));
    expect(
      await eventually(async () => (await sshdConnections(fleet)) === 0),
      'connections left open',
    ).to.equal(true);
  });

  const everyHost = (): string[] => [`127.0.0.[2-${String(HOSTS + 1)}]`, DEAD];

  it('leaves an unreachable host out of the count with ignoreUnreachable: the group and the run end fine', async () => {
    const group = groupOf(everyHost());
    expect(group.size).to.equal(HOSTS + 1);
    const probe = new GroupJob(group, 'echo "$SSH_CONNECTION"', { label: 'probe', ignoreUnreachable: true });
    const main = new Scheduler([probe], { label: 'main' });
    const events = await lastValueFrom(main.run().pipe(toArray()));
    const failed = failuresOf(events);
    expect(failed.map((e) => [e.job.label, e.error.code, e.ignored, e.tolerated])).to.deep.equal([
      [`probe@${DEAD}`, 'ssh-connect', true, undefined],
    ]);
    expect(main.why()).to.match(/^fine/);
    expect(events.at(-1)).to.deep.include({ type: 'end', ok: true });
    const summary = probe.summary();
    expect(summary.counts.done).to.equal(HOSTS);
    expect(summary.unreachable).to.deep.equal([DEAD]);
    expect(summary.text).to.equal(
      `probe 127.0.0.[2-21,250]: 20 done, 1 failed (${DEAD}, tolerated, unreachable: ${DEAD})`,
    );
    // each member ran on its own host
    const seen = events.flatMap((e) =>
      e.type === 'value' && isCommandEvent(e.value) && e.value.type === 'line'
        ? [`${e.job.label} ${e.value.text.split(' ')[2] ?? ''}`]
        : [],
    );
    expect(seen).to.have.length(HOSTS);
    for (const line of seen) expect(line).to.match(/^probe@(127\.0\.0\.\d+) \1$/);
  });

  it('tolerates the unreachable host within maxFailures, and fails the group without either', async () => {
    const tolerant = new GroupJob(groupOf(everyHost()), 'true', { label: 'tolerant', maxFailures: 1 });
    const events = await lastValueFrom(new Scheduler([tolerant]).run().pipe(toArray()));
    expect(failuresOf(events).map((e) => [e.job.label, e.tolerated])).to.deep.equal([
      [`tolerant@${DEAD}`, true],
    ]);
    expect(tolerant.isDone() && tolerant.raisedException() === undefined).to.equal(true);

    const strict = new GroupJob(groupOf(everyHost()), 'sleep 1', { label: 'strict', critical: true });
    expect(await new Scheduler([strict]).orchestrate()).to.equal(false);
    expect(strict.failedCritical()).to.equal(true);
    expect(strict.why()).to.contain(`strict@${DEAD}`);
  });

  it('kills a remote straggler at memberTimeout, leaving no process behind', async () => {
    const tag = marker();
    const group = groupOf('127.0.0.[2-4]');
    const slow = new GroupJob(group, (node) => (node.label === '127.0.0.3' ? `sleep ${tag}` : 'true'), {
      label: 'slow',
      memberTimeout: 1500,
      maxFailures: 1,
    });
    const running = new Scheduler([slow]).run().pipe(toArray());
    const done = lastValueFrom(running);
    expect(await eventually(async () => (await remoteProcesses(tag)).length > 0), 'the sleep runs').to.equal(
      true,
    );
    const events = await done;
    const [failed] = failuresOf(events);
    expect(failed?.job.label).to.equal('slow@127.0.0.3');
    expect(failed?.error).to.be.instanceOf(JobTimeoutError);
    expect(failed?.tolerated).to.equal(true);
    expect(slow.summary().text).to.equal('slow 127.0.0.[2-4]: 2 done, 1 failed (127.0.0.3, tolerated)');
    expect(
      await eventually(async () => (await remoteProcesses(tag)).length === 0),
      'the sleep is killed',
    ).to.equal(true);
  });
});
