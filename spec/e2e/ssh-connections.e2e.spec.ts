import { writeFile } from 'node:fs/promises';
import path from 'node:path';

import { expect } from 'chai';
import { lastValueFrom, merge, toArray } from 'rxjs';

import { Scheduler } from '../../lib/scheduler.js';
import type { SchedulerEvent } from '../../lib/core/events.js';
import type { ShutdownHook } from '../../lib/core/job.js';
import { exitStatus, stdout } from '../../lib/nodes/operators.js';
import type { SshNode } from '../../lib/nodes/ssh/ssh-node.js';
import { SshJob } from '../../lib/ssh-job/ssh-job.js';
import { ROOT, startProgram } from '../helpers/cli.js';
import { marker } from '../helpers/command-suite.js';
import { rejection } from '../helpers/errors.js';
import { eventually } from '../helpers/eventually.js';
import { fleetNode, fleetNodeOptions } from '../helpers/ssh-nodes.js';
import type { Fleet } from '../helpers/sshd.js';
import { remoteProcesses, sshdConnections, startFleet } from '../helpers/sshd.js';

const out = (node: SshNode, command: string): Promise<string[]> =>
  lastValueFrom(node.exec(command).pipe(stdout(), toArray()));

const ends = (events: readonly SchedulerEvent[]): boolean[] =>
  events.flatMap((e) => (e.type === 'end' ? [e.ok] : []));

describe('SshNode connections belong to their users (real sshd)', function () {
  this.timeout(30_000);
  let fleet: Fleet;
  let baseline: number;
  const open = (): Promise<number> => sshdConnections(fleet);
  const backToBaseline = (ms = 5000): Promise<boolean> =>
    eventually(async () => (await open()) === baseline, ms);

  before(async () => {
    fleet = await startFleet({ hosts: 3 });
  });
  after(() => fleet.stop());
  beforeEach(async () => {
    baseline = await open();
  });
  afterEach(async () => {
    expect(await backToBaseline(), 'connections left open').to.equal(true);
  });

  describe('shared by schedulers and plain commands', () => {
    it('two schedulers on one node, merge() of their run()s: both succeed', async () => {
      const node = fleetNode(fleet, 0, { linger: 200 });
      const quick = new Scheduler([new SshJob(node, 'echo quick')], { critical: true });
      const slow = new Scheduler([new SshJob(node, ['sleep 0.5', 'echo slow'])], { critical: true });
      const events = await lastValueFrom(merge(quick.run(), slow.run()).pipe(toArray()));
      expect(ends(events)).to.deep.equal([true, true]);
      expect(events.filter((e) => e.type === 'failed')).to.deep.equal([]);
      expect(await backToBaseline()).to.equal(true); // the last shutdown released the connection
    });

    it('two schedulers on one node, Promise.all of their orchestrate()s: both succeed', async () => {
      const node = fleetNode(fleet, 1, { linger: 5000 });
      const quick = new Scheduler([new SshJob(node, 'echo quick')], { critical: true });
      const slow = new Scheduler([new SshJob(node, ['sleep 0.5', 'echo slow'])], { critical: true });
      expect(await Promise.all([quick.orchestrate(), slow.orchestrate()])).to.deep.equal([true, true]);
      expect([quick.why(), slow.why()].join()).to.not.contain('closed');
      // closed by the last shutdown, not after the linger (sshd's side of the socket closes a moment later)
      expect(await backToBaseline(1000)).to.equal(true);
    });

    it('releases the connection whatever the shutdown hook does: throws, rejects, or outlives shutdownTimeout', async () => {
      const hooks: Record<string, ShutdownHook> = {
        throws: () => {
          throw new Error('hook');
        },
        rejects: () => Promise.reject(new Error('hook')),
        hangs: () => new Promise<void>(() => undefined),
      };
      for (const [what, hook] of Object.entries(hooks)) {
        // a long linger: only the job's release closes the connection within the bound below
        const node = fleetNode(fleet, 2, { linger: 60_000 });
        const job = new SshJob(node, 'echo hooked', { shutdown: hook });
        const scheduler = new Scheduler([job], { critical: true, shutdownTimeout: 300 });
        expect(await scheduler.orchestrate(), what).to.equal(true);
        expect(await backToBaseline(2000), `connection left open when the hook ${what}`).to.equal(true);
      }
    });

    it("a node.exec() beside a scheduler's run survives the scheduler's shutdown", async () => {
      const node = fleetNode(fleet, 0, { linger: 200 });
      const beside = out(node, 'sleep 0.6; echo beside');
      expect(await new Scheduler([new SshJob(node, 'echo job')], { critical: true }).orchestrate()).to.equal(
        true,
      );
      expect(await open()).to.equal(baseline + 1); // still used by the command beside
      expect(await beside).to.deep.equal(['beside']);
      expect(await backToBaseline()).to.equal(true); // then closed after the linger
    });

    it('keepConnection holds the connection past the linger, until close()', async () => {
      const node = fleetNode(fleet, 1, { linger: 100 });
      const job = new SshJob(node, 'echo kept', { keepConnection: true });
      expect(await new Scheduler([job]).orchestrate()).to.equal(true);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await open()).to.equal(baseline + 1);
      await node.close();
      expect(await open()).to.equal(baseline);
    });
  });

  describe('the linger', () => {
    it('keeps the connection for the next command, then closes it; nothing is left on the host', async () => {
      const node = fleetNode(fleet, 0, { linger: 400 });
      const m = marker();
      expect(await out(node, `echo ${m}`)).to.deep.equal([m]);
      expect(await open()).to.equal(baseline + 1);
      // the next command, within the linger, reuses it
      expect(await out(node, `echo again ${m}`)).to.deep.equal([`again ${m}`]);
      expect(await open()).to.equal(baseline + 1);
      const t0 = performance.now();
      expect(await backToBaseline()).to.equal(true);
      expect(performance.now() - t0).to.be.above(250);
      expect(await remoteProcesses(m)).to.deep.equal([]);
      // a command after that opens a new connection
      expect(await out(node, 'echo new')).to.deep.equal(['new']);
      expect(await open()).to.equal(baseline + 1);
      expect(await backToBaseline()).to.equal(true);
    });

    it('a gateway is held by the nodes behind it while they hold theirs, and closes after them', async () => {
      const gw = fleetNode(fleet, 0, { linger: 100 });
      const node = fleetNode(fleet, 1, { gateway: gw, linger: 600 });
      expect(await out(node, 'echo behind')).to.deep.equal(['behind']);
      await new Promise((resolve) => setTimeout(resolve, 300)); // past the gateway's linger, not the node's
      expect(await open()).to.equal(baseline + 2);
      expect(await out(node, 'echo still')).to.deep.equal(['still']); // the same tunnel
      expect(await backToBaseline()).to.equal(true);
    });

    it('a cancelled command is killed through the open connection before it closes', async () => {
      const node = fleetNode(fleet, 2, { linger: 0, killGrace: 200 });
      const m = marker();
      const sub = node.exec(`trap '' TERM; sleep ${m}`).subscribe({ error: () => undefined });
      expect(await eventually(async () => (await remoteProcesses(m)).length > 0)).to.equal(true);
      sub.unsubscribe();
      expect(await backToBaseline()).to.equal(true);
      expect(await remoteProcesses(m)).to.deep.equal([]);
    });

    it('a transfer cancelled before it connected: the connection it opened closes after the linger', async () => {
      const node = fleetNode(fleet, 1, { linger: 300 });
      const file = path.join(fleet.dir, 'cancelled-push.txt');
      await writeFile(file, 'x\n');
      // a push checks its local files first: unsubscribed then, it has not asked for the connection yet
      node
        .push([file], path.join(fleet.dir, 'never'))
        .subscribe({ error: () => undefined })
        .unsubscribe();
      expect(await eventually(async () => (await open()) === baseline + 1, 2000, 10)).to.equal(true);
      expect(await backToBaseline()).to.equal(true);
    });

    it('close() during use is still immediate: the command is stopped, the connection closed', async () => {
      const node = fleetNode(fleet, 2, { linger: 60_000 });
      const m = marker();
      const running = rejection(lastValueFrom(node.exec(`sleep ${m}`).pipe(exitStatus())));
      expect(await eventually(async () => (await remoteProcesses(m)).length > 0)).to.equal(true);
      const t0 = performance.now();
      await node.close();
      expect(performance.now() - t0).to.be.below(2000);
      expect(((await running) as Error).message).to.contain('closed by close()');
      expect(await open()).to.equal(baseline);
      expect(await remoteProcesses(m)).to.deep.equal([]);
      // a new subscriber opens a new connection
      expect(await out(node, 'echo reopened')).to.deep.equal(['reopened']);
      await node.close();
    });

    it('a script that only awaits one command exits by itself, within the linger', async () => {
      const options = fleetNodeOptions(fleet); // the default linger
      const script = path.join(ROOT, 'spec', 'helpers', 'fixtures', 'exec-and-exit.mjs');
      const { code, stdout: printed } = await startProgram(
        process.execPath,
        ['--import', 'tsx', script, JSON.stringify(options)],
        { timeoutMs: 15_000 },
      ).result;
      const ended = performance.timeOrigin + performance.now();
      expect(code).to.equal(0);
      const [, exit, at] = /^exit (\d+) at ([\d.]+)$/m.exec(printed) ?? [];
      expect(exit).to.equal('0');
      // the default linger (500 ms), the connection's end, the process's own exit
      expect(ended - Number(at)).to.be.below(2000);
      expect(await backToBaseline()).to.equal(true);
    });
  });
});
