import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { expect } from 'chai';

import { isJobsError } from '../../lib/errors/jobs-error.js';

import { RunString } from '../../lib/commands/run-string.js';
import { Pull, Push } from '../../lib/commands/transfer.js';
import { Variables } from '../../lib/commands/variables.js';
import { Job } from '../../lib/core/job.js';
import { Scheduler } from '../../lib/scheduler.js';
import { Sequence } from '../../lib/core/sequence.js';
import { SshJob } from '../../lib/ssh-job/ssh-job.js';
import {
  commandSuite,
  marker,
  runDirs,
  runJobs,
  runOn,
  shown,
  stubbornScript,
  timedMarker,
  valuesOf,
} from '../helpers/command-suite.js';
import { eventually } from '../helpers/eventually.js';
import { fleetNode } from '../helpers/ssh-nodes.js';
import type { Fleet } from '../helpers/sshd.js';
import {
  killConnectionProcesses,
  refusedPort,
  remoteProcesses,
  sshdConnections,
  startFleet,
} from '../helpers/sshd.js';

describe('SshJob and commands (real sshd)', function () {
  this.timeout(30_000);
  let fleet: Fleet;
  let local: string;

  before(async () => {
    fleet = await startFleet({ hosts: 3 });
    local = await mkdtemp(path.join(os.tmpdir(), 'rxjobs-ssh-job-'));
  });
  after(async () => {
    await fleet.stop();
    await rm(local, { recursive: true, force: true });
  });

  let next = 0;
  commandSuite('an SshNode', () => ({
    // the two hosts in turn, so that jobs of one test run on different hosts
    node: () => fleetNode(fleet, next++ % 2),
    unreachable: async () => fleetNode(fleet, 0, { port: await refusedPort(), connectAttempts: 1 }),
    // the "remote" host is this machine: a directory under the fleet's, removed with it
    remoteDir: () => mkdtemp(path.join(fleet.dir, 'remote-')),
    processes: remoteProcesses,
    connections: () => sshdConnections(fleet),
  }));

  describe('on SSH only', () => {
    it('runs each script from a private directory (mode 700) of its own under ~/.rxjobs-remote', async () => {
      const node = fleetNode(fleet);
      const script = new RunString('d=$(dirname "$0"); echo "$d"; stat -c %a "$d" "$0"', {
        remoteName: 'probe.sh',
      });
      const lines = shown(await runOn(script, node));
      expect(lines[0]).to.match(/^stdout:\.rxjobs-remote\/run-[0-9a-f]{12}$/);
      expect(lines.slice(1)).to.deep.equal(['stdout:700', 'stdout:700', 'exit 0 null']);
      await node.close();
    });

    it('node.close() during a script that ignores TERM: the stream errors, and no run directory is left', async () => {
      const node = fleetNode(fleet, 0, { killGrace: 200 });
      const m = marker();
      const before = await runDirs(node);
      const lines: string[] = [];
      let failure: unknown;
      const ended = new Promise<void>((resolve) => {
        new RunString(stubbornScript(m)).run(node, { variables: new Variables() }).subscribe({
          next: (e) => {
            if (e.type === 'line') lines.push(e.text);
          },
          error: (e: unknown) => {
            failure = e;
            resolve();
          },
          complete: resolve,
        });
      });
      expect(await eventually(() => lines.length > 0)).to.equal(true);
      await node.close(); // stops the script: TERM, ignored, then KILL, which takes the wrapper shell too
      await ended;
      expect(isJobsError(failure, 'ssh')).to.equal(true);
      expect(await remoteProcesses(m)).to.deep.equal([]);
      expect(await runDirs(node)).to.deep.equal(before);
      await node.close();
    });

    it("closes the nodes' connections when orchestrate() resolves", async () => {
      const before = await sshdConnections(fleet);
      const a = fleetNode(fleet, 0);
      const b = fleetNode(fleet, 1);
      const jobs = [new SshJob(a, 'echo a'), new SshJob(b, 'echo b'), new SshJob(a, ['echo a2', 'true'])];
      let during = -1;
      const probe = new Job(
        async () => {
          during = await sshdConnections(fleet);
        },
        { requires: jobs, label: 'probe' },
      );
      expect(await new Scheduler([...jobs, probe]).orchestrate()).to.equal(true);
      expect(during).to.equal(before + 2); // one connection per node object, shared by its jobs
      expect(await eventually(async () => (await sshdConnections(fleet)) === before)).to.equal(true);
    });

    it('keeps the connection open with keepConnection, until node.close()', async () => {
      const before = await sshdConnections(fleet);
      const node = fleetNode(fleet, 1);
      const job = new SshJob(node, 'echo kept', { keepConnection: true });
      expect(await new Scheduler([job]).orchestrate()).to.equal(true);
      expect(await sshdConnections(fleet)).to.equal(before + 1);
      // the next job on the node reuses it
      const again = new SshJob(node, 'echo again', { keepConnection: true });
      expect(await new Scheduler([again]).orchestrate()).to.equal(true);
      expect(await sshdConnections(fleet)).to.equal(before + 1);
      await node.close();
      expect(await eventually(async () => (await sshdConnections(fleet)) === before)).to.equal(true);
    });

    it('KILLs a forever command that ignores TERM after killGrace; it is gone when orchestrate() resolves', async () => {
      const m = marker();
      // killGrace (300) + the kill's own round trips fit in the default shutdownTimeout (1000); with the
      // default killGrace (1000) they do not, and orchestrate() resolves before the KILL (see the report)
      const ticker = new SshJob(
        fleetNode(fleet, 0, { killGrace: 300 }),
        `: ${m}; trap '' TERM; while true; do sleep 0.1; done`,
        {
          forever: true,
        },
      );
      const work = new SshJob(
        fleetNode(fleet, 1),
        `i=0; while ! pgrep -f '[:] ${m}' >/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done`,
      );
      expect(await new Scheduler([ticker, work]).orchestrate()).to.equal(true);
      expect(ticker.isCancelled()).to.equal(true);
      expect(await remoteProcesses(m)).to.deep.equal([]);
    });

    it("fails the job of a host whose sshd connection dies, within the keepalive bound; the others' jobs succeed", async () => {
      const victimHost = fleet.hosts[1] ?? expect.fail('the fleet has 3 hosts');
      const before = await sshdConnections(fleet);
      // a killed sshd's sockets are closed by the kernel, so the client hears of it at once; the keepalives
      // (every 200 ms, 2 unanswered: 600 ms) only bound the case where it would not. A frozen, silent peer
      // is tested in ssh-faults ('detects a silent death by keepalives') and ssh-options (the defaults).
      const options = { keepalive: 200, keepaliveCountMax: 2 };
      const [long, short1, short2] = [timedMarker(20), timedMarker(2), timedMarker(2)];
      const first = new SshJob(fleetNode(fleet, 0, options), `sleep ${short1}; echo ok`, { label: 'first' });
      const victim = new SshJob(fleetNode(fleet, 1, options), `sleep ${long}`, { label: 'victim' });
      const third = new SshJob(fleetNode(fleet, 2, options), `sleep ${short2}; echo ok`, { label: 'third' });
      const outcome = new Scheduler([first, victim, third], { critical: false }).orchestrate();
      // all three run: the others' connections are up when the victim's dies
      const allRunning = await eventually(async () => {
        const counts = await Promise.all([long, short1, short2].map((m) => remoteProcesses(`sleep ${m}`)));
        return counts.every((pids) => pids.length > 0);
      });
      expect(allRunning, 'the three commands did not all start').to.equal(true);
      const t0 = performance.now();
      expect(await killConnectionProcesses(fleet, victimHost.address)).to.be.greaterThan(0);
      expect(await eventually(() => victim.status === 'failed', 5000, 5)).to.equal(true);
      const failedAfter = performance.now() - t0;
      expect(failedAfter, 'ms until the job failed').to.be.below(600 + 1000);
      expect(first.isRunning() && third.isRunning(), 'the other jobs still run').to.equal(true);

      expect(await outcome).to.equal(true); // no job is critical
      expect(performance.now() - t0, 'ms until orchestrate() resolved').to.be.below(10_000);
      const failed = victim.outcome();
      if (failed?.status !== 'failed') return expect.fail(`victim: ${String(failed?.status)}`);
      expect(isJobsError(failed.error, 'ssh')).to.equal(true);
      expect(failed.error.message)
        .to.contain(`${victimHost.address}:${String(fleet.port)}`)
        .and.contain('connection lost')
        .and.contain(`sleep ${long}`);
      for (const job of [first, third]) {
        expect(job.status, job.label).to.equal('done');
        expect(job.result(), job.label).to.equal(0);
      }
      // the killed sshd could not signal its command
      for (const pid of await remoteProcesses(`sleep ${long}`)) process.kill(pid, 'SIGKILL');
      expect(await eventually(async () => (await remoteProcesses(`sleep ${long}`)).length === 0)).to.equal(
        true,
      );
      expect(await eventually(async () => (await sshdConnections(fleet)) === before)).to.equal(true);
    });

    // apssh test_basics file_loopback
    it('pushes a 1 MiB random file, pulls it back, and again on a new connection (file_loopback)', async () => {
      const data = randomBytes(1 << 20);
      const source = path.join(local, 'random.bin');
      await writeFile(source, data);
      const remote = path.join(fleet.dir, `apssh-tests-${randomBytes(4).toString('hex')}`);
      const first = fleetNode(fleet, 0);
      const push = new SshJob(first, new Push(source, remote));
      const pull = new SshJob(first, new Pull(`${remote}/random.bin`, `${path.join(local, 'back1')}/`));
      const { ok, events } = await runJobs([new Sequence(push, pull)], { critical: true });
      expect(ok).to.equal(true);
      expect(shown(valuesOf(events, push)).at(-1)).to.equal('exit 0 null');
      expect(shown(valuesOf(events, pull))).to.deep.equal(['exit 0 null']);
      expect((await readFile(path.join(local, 'back1', 'random.bin'))).equals(data)).to.equal(true);

      const before = await sshdConnections(fleet);
      const second = fleetNode(fleet, 0);
      let during = -1;
      const again = new SshJob(second, new Pull(`${remote}/random.bin`, `${path.join(local, 'back2')}/`));
      const probe = new Job(
        async () => {
          during = await sshdConnections(fleet);
        },
        { requires: again },
      );
      expect(await new Scheduler([again, probe], { critical: true }).orchestrate()).to.equal(true);
      expect(during).to.equal(before + 1);
      expect((await readFile(path.join(local, 'back2', 'random.bin'))).equals(data)).to.equal(true);
    });

    it('pushes a plain file into a remote directory that does not exist yet (created)', async () => {
      const source = path.join(local, 'plain.txt');
      await writeFile(source, 'plain\n');
      const remote = path.join(fleet.dir, `missing-${randomBytes(4).toString('hex')}`, 'sub');
      const node = fleetNode(fleet, 0);
      expect(shown(await runOn(new Push(source, remote), node))).to.deep.equal(['exit 0 null']);
      expect(await readFile(path.join(remote, 'plain.txt'), 'utf8')).to.equal('plain\n');
      await node.close();
    });
  });
});
