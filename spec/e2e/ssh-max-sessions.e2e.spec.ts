import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { expect } from 'chai';
import { lastValueFrom, toArray } from 'rxjs';

import { stdout } from '../../lib/nodes/operators.js';
import { eventually } from '../helpers/eventually.js';
import { fleetNode } from '../helpers/ssh-nodes.js';
import type { Fleet } from '../helpers/sshd.js';
import { remoteProcesses, startFleet } from '../helpers/sshd.js';

const marker = (): string => `1${String(Math.floor(Math.random() * 1e6))}.${String(Date.now() % 1e6)}`;
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The process warnings emitted while `work` runs (kept from node's printing them on the test's stderr). */
const warningsDuring = async <T>(work: () => Promise<T>): Promise<{ value: T; warnings: Error[] }> => {
  const warnings: Error[] = [];
  const listener = (w: Error): void => {
    warnings.push(w);
  };
  const others = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', listener);
  try {
    return { value: await work(), warnings };
  } finally {
    process.off('warning', listener);
    for (const other of others) process.on('warning', other);
  }
};

describe('SshNode against a server that allows fewer sessions than maxSessions (sshd MaxSessions 2)', function () {
  this.timeout(60_000);
  let fleet: Fleet;
  let local: string;

  before(async () => {
    fleet = await startFleet({ hosts: 2, maxSessions: 2 });
    local = await mkdtemp(path.join(os.tmpdir(), 'rxjobs-max-sessions-'));
  });
  after(async () => {
    await fleet.stop();
    await rm(local, { recursive: true, force: true });
  });

  it('runs 20 commands at once with maxSessions 8: all succeed, and one warning says what to set', async () => {
    const node = fleetNode(fleet, 0, { maxSessions: 8 });
    const { value: outputs, warnings } = await warningsDuring(() =>
      Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          lastValueFrom(node.exec(`sleep 0.1; echo ${String(i)}`).pipe(stdout(), toArray())),
        ),
      ),
    );
    expect(outputs.map((o) => o.join())).to.deep.equal(Array.from({ length: 20 }, (_, i) => String(i)));
    const ours = warnings.filter((w) => (w as Error & { code?: string }).code === 'RXJOBS_MAX_SESSIONS');
    expect(ours, 'one warning for the node').to.have.length(1);
    expect(ours[0]?.message)
      .to.contain(fleet.hosts[0]?.address)
      .and.contain('MaxSessions')
      .and.contain("node's maxSessions to 2");
    // the node remembers: a later burst (a new connection) is not refused again, and warns no more
    await node.close();
    const again = await warningsDuring(() =>
      Promise.all(Array.from({ length: 6 }, () => lastValueFrom(node.exec('true').pipe(toArray())))),
    );
    expect(again.warnings.filter((w) => w.name === 'RxjobsWarning')).to.deep.equal([]);
    await node.close();
  });

  it('once the limit is known, a cancelled command is killed over the session kept for kills', async () => {
    const node = fleetNode(fleet, 0, { maxSessions: 8, killGrace: 200 });
    const [m, m2] = [marker(), marker()];
    await warningsDuring(async () => {
      // learn the limit: a burst, refused then queued
      await Promise.all(
        Array.from({ length: 4 }, () => lastValueFrom(node.exec('sleep 0.1').pipe(toArray()))),
      );
      const sub = node.exec(`sleep ${m} & sleep ${m}; wait`).subscribe({ error: () => undefined });
      expect(await eventually(async () => (await remoteProcesses(m)).length >= 2)).to.equal(true);
      // waits for the one session left to commands: it must not take the one kept for kills
      const queued = node.exec(`sleep ${m2}`).subscribe({ error: () => undefined });
      await settle(200);
      sub.unsubscribe();
      await node.close();
      queued.unsubscribe();
    });
    expect(await remoteProcesses(m)).to.deep.equal([]);
    expect(await remoteProcesses(m2)).to.deep.equal([]);
  });

  it('runs pushes, pulls and commands at once: SFTP sessions count as well', async () => {
    const node = fleetNode(fleet, 1, { maxSessions: 8 });
    const src = path.join(local, 'src.txt');
    const payload = Buffer.alloc(4_000_000, 'x'); // long enough for the sessions to stay taken a while
    await writeFile(src, payload);
    const remote = path.join(fleet.home, `sessions-${marker()}`);
    const done = async (o: ReturnType<typeof node.push>): Promise<void> => {
      await lastValueFrom(o, { defaultValue: undefined });
    };
    try {
      await warningsDuring(() =>
        Promise.all([
          ...Array.from({ length: 10 }, (_, i) => done(node.push([src], `${remote}/p${String(i)}`))),
          ...Array.from({ length: 4 }, () => lastValueFrom(node.exec('sleep 0.3').pipe(toArray()))),
        ]),
      );
      await warningsDuring(() =>
        Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            done(node.pull([`${remote}/p${String(i)}/src.txt`], path.join(local, 'back', String(i)))),
          ),
        ),
      );
      for (let i = 0; i < 10; i++)
        expect((await readFile(path.join(local, 'back', String(i)))).equals(payload)).to.equal(true);
    } finally {
      await rm(remote, { recursive: true, force: true });
      await node.close();
    }
  });

  it('unsubscribed while its refused session waits for a slot: never runs, and nothing is left', async () => {
    // a fresh node: it does not know the server's limit yet
    const node = fleetNode(fleet, 0, { maxSessions: 8 });
    const [busy, queued] = [`1.${String(Math.floor(Math.random() * 1e6))}`, marker()];
    const started = path.join(local, `queued-${queued}`);
    const { warnings } = await warningsDuring(async () => {
      // both sessions of the server taken by commands that end by themselves (a command cancelled while the
      // server has no session left cannot be killed over a fresh one: see the README)
      const ends = [1, 2].map(() => lastValueFrom(node.exec(`sleep ${busy}`).pipe(toArray())));
      expect(await eventually(async () => (await remoteProcesses(busy)).length === 2)).to.equal(true);
      // refused, then waits for a slot
      const c = node
        .exec(`touch ${started}; sleep ${queued}`)
        .subscribe({ next: () => expect.fail('ran'), error: () => expect.fail('failed') });
      await settle(300);
      c.unsubscribe();
      await Promise.all(ends);
      await settle(300); // a command still waiting would start now
      await node.close();
    });
    expect(
      warnings.some((w) => w.name === 'RxjobsWarning'),
      'the refusal was seen',
    ).to.equal(true);
    expect(await remoteProcesses(busy)).to.deep.equal([]);
    expect(await remoteProcesses(queued)).to.deep.equal([]);
    expect(
      await access(started).then(
        () => 'started',
        () => 'never started',
      ),
    ).to.equal('never started');
  });

  it('fails with an error naming maxSessions and MaxSessions when the server gives no session at all', async () => {
    const none = await startFleet({ maxSessions: 0 });
    try {
      const node = fleetNode(none, 0);
      const { value: failed } = await warningsDuring(() =>
        lastValueFrom(node.exec('true')).then(
          () => undefined,
          (e: unknown) => e as Error,
        ),
      );
      await node.close();
      expect(failed?.message).to.match(
        /cannot start a command: the server refused a session 8 times, .* MaxSessions .* maxSessions/,
      );
    } finally {
      await none.stop();
    }
  });
});
