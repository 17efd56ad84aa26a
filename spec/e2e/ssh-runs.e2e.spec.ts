// Two overlapping runs of one scheduler of SshJobs: unsubscribing one leaves the other alone.
import { expect } from 'chai';
import { lastValueFrom, tap, toArray } from 'rxjs';

import { LocalNode, Run, Scheduler, SshJob } from '../../lib/index.js';
import type { Node, SchedulerEvent } from '../../lib/index.js';
import { localProcesses, timedMarker } from '../helpers/command-suite.js';
import { eventually } from '../helpers/eventually.js';
import { fleetNode } from '../helpers/ssh-nodes.js';
import type { Fleet } from '../helpers/sshd.js';
import { remoteProcesses, startFleet } from '../helpers/sshd.js';

/** A command event or a job event, short. */
const describe2 = (e: SchedulerEvent): string => {
  if (e.type === 'end') return `end:${String(e.ok)}`;
  if (e.type !== 'value') return `${e.job.label}:${e.type}`;
  const v = e.value as { type: string; text?: string; code?: number };
  return v.type === 'line' ? `line:${String(v.text)}` : `${v.type}:${String(v.code)}`;
};

/** The pids of the processes whose command line holds a marker. */
type Processes = (marker: string) => Promise<number[]>;

/**
 * Runs the same scheduler twice at once (each run's command sleeps for a time of its own, its marker),
 * unsubscribes the first run while both commands run, and checks that the second completes with its own
 * events and outcome, and that the first's command is gone.
 */
async function overlappingRuns(node: Node, processes: Processes): Promise<void> {
  const markers: string[] = [];
  const next = (): string => {
    const m = timedMarker(1);
    markers.push(m);
    return m;
  };
  const job = new SshJob(node, [new Run('sleep', next), 'echo finished'], { label: 'slow' });
  const main = new Scheduler([job], { label: 'main' });
  const running = async (i: number): Promise<boolean> => {
    const m = markers[i];
    return m !== undefined && (await processes(`sleep ${m}`)).length > 0;
  };
  const first = main.run().subscribe();
  expect(await eventually(() => running(0)), 'the first run runs').to.equal(true);
  const seen: string[] = [];
  const second = lastValueFrom(
    main.run().pipe(
      tap((e) => seen.push(describe2(e))),
      toArray(),
    ),
  );
  expect(await eventually(() => running(1)), 'the second run runs').to.equal(true);
  first.unsubscribe();
  // the first run's command is killed; the second's goes on
  expect(await eventually(async () => !(await running(0))), 'the first command is killed').to.equal(true);
  expect(await running(1), 'the second command still runs').to.equal(true);
  expect(job.isRunning(), `the second run's job is ${job.status}`).to.equal(true);
  const events = (await second).map(describe2);
  expect(events).to.deep.equal([
    'slow:started',
    'exit:0',
    'line:finished',
    'exit:0',
    'slow:done',
    'end:true',
  ]);
  expect([job.status, job.result(), main.why()]).to.deep.equal(['done', 0, 'fine: every job completed']);
  expect(await running(1)).to.equal(false);
}

describe('overlapping runs of SshJobs', function () {
  this.timeout(30_000);

  describe('on a LocalNode', () => {
    it('lets the second run complete when the first is unsubscribed', async () => {
      const node = new LocalNode();
      try {
        await overlappingRuns(node, localProcesses);
      } finally {
        await node.close();
      }
    });
  });

  describe('on real sshd', () => {
    let fleet: Fleet;
    before(async () => {
      fleet = await startFleet({ hosts: 1 });
    });
    after(async () => {
      await fleet.stop();
    });

    it('lets the second run complete when the first is unsubscribed', async () => {
      const node = fleetNode(fleet);
      try {
        // the first run's shutdown releases its hold on the node: the second run still holds it
        await overlappingRuns(node, remoteProcesses);
      } finally {
        await node.close();
      }
    });
  });
});
