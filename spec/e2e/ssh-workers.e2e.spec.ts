import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile, mkdir, chmod } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { expect } from 'chai';
import { firstValueFrom, lastValueFrom, tap, toArray } from 'rxjs';

import { HostKeyError } from '../../lib/errors/host-key-error.js';
import { SshConnectError } from '../../lib/errors/ssh-connect-error.js';
import { SshError } from '../../lib/errors/ssh-error.js';
import { TransferError } from '../../lib/errors/transfer-error.js';
import type { CommandEvent } from '../../lib/nodes/command-event.js';
import { Flow } from '../../lib/nodes/flow.js';
import { stdout } from '../../lib/nodes/operators.js';
import type { SshNode } from '../../lib/nodes/ssh/ssh-node.js';
import { sshWorkers } from '../../lib/nodes/ssh/worker/pool.js';
import { rejection } from '../helpers/errors.js';
import { eventually } from '../helpers/eventually.js';
import { fleetNode } from '../helpers/ssh-nodes.js';
import type { Fleet } from '../helpers/sshd.js';
import { refusedPort, remoteProcesses, sshdConnections, startFleet } from '../helpers/sshd.js';

const run = (o: ReturnType<SshNode['exec']>): Promise<CommandEvent[]> => lastValueFrom(o.pipe(toArray()));
/** Events as text, the node left out (a worker's node and this thread's have the same reference). */
const shown = (events: CommandEvent[]): string[] =>
  events.map((e) =>
    e.type === 'line'
      ? `${e.stream}:${e.text}${e.newline ? '' : '(no newline)'}`
      : e.type === 'chunk'
        ? `${e.stream} chunk`
        : `exit ${String(e.code)} ${String(e.signal)} ${e.command}`,
  );
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const marker = (): string => `2${String(Math.floor(Math.random() * 1e6))}.${String(Date.now() % 1e6)}`;
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SshNode in a worker thread (real sshd)', function () {
  this.timeout(60_000);
  let fleet: Fleet;
  let local: string;
  const nodes: SshNode[] = [];
  /** A node of the fleet in a worker (`worker: true`), closed after the test. */
  const inWorker = (index = 0, options: Parameters<typeof fleetNode>[2] = {}): SshNode => {
    const node = fleetNode(fleet, index, { worker: true, ...options });
    nodes.push(node);
    return node;
  };

  before(async () => {
    fleet = await startFleet({ hosts: 3 });
    local = await mkdtemp(path.join(os.tmpdir(), 'rxjobs-workers-'));
  });
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.close()));
  });
  after(async () => {
    await fleet.stop();
    await rm(local, { recursive: true, force: true });
  });

  it('runs the node in a worker thread, with the same events as in this thread', async () => {
    const before = sshWorkers().length;
    const command = "printf 'a\\nb\\n'; printf 'err\\n' >&2; printf 'é partial'; exit 3";
    const here = fleetNode(fleet, 0, { worker: false });
    nodes.push(here);
    const expected = shown(await run(here.exec(command)));
    const there = await run(inWorker().exec(command));
    expect(shown(there)).to.deep.equal(expected);
    expect(expected).to.include('stdout:é partial(no newline)');
    expect(there.at(-1)).to.deep.include({ type: 'exit', code: 3, node: here.toJSON() });
    expect(sshWorkers().length).to.be.greaterThan(before === 0 ? 0 : before - 1);
  });

  it('delivers chunks, exactly the bytes (sha256 of 20 MB), each at most 64 KiB', async () => {
    const events = await run(
      inWorker().exec(
        'head -c 20000000 /dev/urandom | tee /tmp/rxjobs-w.bin; sha256sum /tmp/rxjobs-w.bin >&2',
        {
          output: 'chunks',
        },
      ),
    );
    const out = Buffer.concat(
      events.flatMap((e) => (e.type === 'chunk' && e.stream === 'stdout' ? [e.bytes] : [])),
    );
    const err = Buffer.concat(
      events.flatMap((e) => (e.type === 'chunk' && e.stream === 'stderr' ? [e.bytes] : [])),
    );
    expect(out.length).to.equal(20_000_000);
    expect(err.toString().split(' ')[0]).to.equal(sha(out));
    expect(Math.max(...events.map((e) => (e.type === 'chunk' ? e.bytes.length : 0)))).to.be.at.most(65536);
  });

  it('passes env, stdin bytes and a stdin stream (at the pace the command reads it)', async () => {
    const node = inWorker();
    const lines = await lastValueFrom(
      node.exec('echo "$X"; cat', { env: { X: 'it is x' }, stdin: 'bytes\n' }).pipe(stdout(), toArray()),
    );
    expect(lines).to.deep.equal(['it is x', 'bytes']);
    let produced = 0;
    const total = 64 * 1024 * 1024;
    const piece = Buffer.alloc(64 * 1024, 7);
    async function* source(): AsyncGenerator<Buffer> {
      while (produced < total) {
        produced += piece.length;
        yield await Promise.resolve(piece);
      }
    }
    const hashing = lastValueFrom(node.exec('sleep 2; sha256sum', { stdin: source() }).pipe(stdout()));
    await settle(1500);
    // the remote command reads nothing yet: what was read ahead is bounded (credit + SSH window + buffers)
    expect(produced).to.be.below(24 * 1024 * 1024);
    const expected = createHash('sha256');
    for (let i = 0; i < total / piece.length; i++) expected.update(piece);
    expect((await hashing).split(' ')[0]).to.equal(expected.digest('hex'));
  });

  it("stops reading while the caller's flow is held, and reads on once released", async () => {
    const flow = new Flow();
    const release = flow.hold();
    let received = 0;
    const done = lastValueFrom(
      inWorker().exec('head -c 30000000 /dev/zero', { output: 'chunks', flow }).pipe(toArray()),
    ).then((events) => {
      received = events.reduce((n, e) => n + (e.type === 'chunk' ? e.bytes.length : 0), 0);
      return events;
    });
    let seen = 0;
    const counting = inWorker(1)
      .exec('head -c 30000000 /dev/zero', { output: 'chunks', flow })
      .subscribe({
        next: (e) => {
          if (e.type === 'chunk') seen += e.bytes.length;
        },
        error: () => undefined,
      });
    await settle(1500);
    expect(seen).to.be.below(8 * 1024 * 1024);
    release();
    const events = await done;
    expect(received).to.equal(30_000_000);
    expect(events.at(-1)).to.deep.include({ type: 'exit', code: 0 });
    await eventually(() => Promise.resolve(seen === 30_000_000));
    counting.unsubscribe();
  });

  it('kills the remote process group when the consumer leaves, and close() leaves no connection', async () => {
    const node = inWorker();
    const m = marker();
    const first = await firstValueFrom(
      node.exec(`sleep ${m} & sleep ${m} & echo started; wait`).pipe(stdout()),
    );
    expect(first).to.equal('started');
    expect(await eventually(async () => (await remoteProcesses(`sleep ${m}`)).length === 0)).to.equal(true);
    await node.close();
    expect(await remoteProcesses(`sleep ${m}`)).to.deep.equal([]);
    expect(await eventually(async () => (await sshdConnections(fleet)) === 0)).to.equal(true);
  });

  it('keeps the process alive only while something is in progress; close() voids the holds', async () => {
    const node = inWorker();
    const release = node.hold(); // as an SshJob does, never released here: close() ends it
    const running = run(node.exec('sleep 0.5; echo done'));
    await settle(100);
    expect(sshWorkers().reduce((n, w) => n + w.busy, 0)).to.equal(2); // the hold and the command
    await running;
    await node.close();
    expect(sshWorkers().map((w) => w.busy)).to.satisfy((busy: number[]) => busy.every((b) => b === 0));
    await release(); // after close(): nothing more to do
    expect(shown(await run(node.exec('echo again')))).to.deep.equal([
      'stdout:again',
      'exit 0 null echo again',
    ]);
    expect(sshWorkers().map((w) => w.busy)).to.satisfy((busy: number[]) => busy.every((b) => b === 0));
  });

  it('pushes and pulls files, bytes and modes intact, and reports renamed entries here', async () => {
    const node = inWorker();
    const src = path.join(local, 'src');
    await mkdir(path.join(src, 'sub'), { recursive: true });
    const big = Buffer.alloc(5_000_000, 'x');
    await writeFile(path.join(src, 'big.bin'), big);
    await writeFile(path.join(src, 'sub', 'run.sh'), '#!/bin/sh\n');
    await chmod(path.join(src, 'sub', 'run.sh'), 0o750);
    const remote = path.join(fleet.dir, `w-${marker()}`);
    await lastValueFrom(node.push([src], remote), { defaultValue: undefined });
    const back = path.join(local, 'back');
    await lastValueFrom(node.pull([path.join(remote, 'src')], back), { defaultValue: undefined });
    expect(sha(await readFile(path.join(back, 'src', 'big.bin')))).to.equal(sha(big));
    expect((await stat(path.join(back, 'src', 'sub', 'run.sh'))).mode & 0o777).to.equal(0o750);
    await run(node.exec(`printf x > "$(printf '${remote}/caf\\351.txt')"`)); // a name that is not UTF-8
    const renamed: string[] = [];
    await lastValueFrom(
      node.pull([remote], path.join(local, 'renamed'), { onRenamed: (r, l) => renamed.push(`${r} ${l}`) }),
      { defaultValue: undefined },
    );
    expect(renamed).to.have.length(1);
    expect(renamed[0]).to.match(/caf%E9\.txt/);
  });

  it('errors with the same typed errors: TransferError, SshConnectError, HostKeyError', async () => {
    const missing = await rejection(lastValueFrom(inWorker().pull(['/no/such/file'], local)));
    expect(missing).to.be.instanceOf(TransferError);
    expect(missing).to.deep.include({ code: 'transfer', path: '/no/such/file' });
    const refused = await rejection(
      run(inWorker(0, { port: await refusedPort(), connectAttempts: 1 }).exec('true')),
    );
    expect(refused).to.be.instanceOf(SshConnectError);
    expect(refused).to.deep.include({ code: 'ssh-connect', reason: 'refused', attempts: 1 });
    const stranger = await rejection(run(inWorker(0, { knownHosts: path.join(local, 'none') }).exec('true')));
    expect(stranger).to.be.instanceOf(HostKeyError);
    expect(stranger).to.deep.include({ code: 'host-key', problem: 'unknown' });
  });

  it("fails the commands of a worker that died with a clear error; other workers' commands go on", async () => {
    await Promise.all(sshWorkers().map((w) => w.terminate()));
    const a = inWorker(0);
    const b = inWorker(1);
    const m = marker();
    const failing = rejection(run(a.exec(`echo up; sleep ${m}`)));
    const going = run(b.exec('sleep 1.5; echo fine'));
    await eventually(async () => (await remoteProcesses(`sleep ${m}`)).length > 0);
    const workers = sshWorkers();
    expect(workers).to.have.length(2);
    await workers[0]?.terminate();
    const error = await failing;
    expect(error).to.be.instanceOf(SshError);
    expect((error as Error).message).to.match(/SSH worker thread/);
    expect(shown(await going)).to.deep.equal(['stdout:fine', 'exit 0 null sleep 1.5; echo fine']);
    // a new command on the node runs in a worker again
    expect(shown(await run(a.exec('echo again')))).to.deep.equal(['stdout:again', 'exit 0 null echo again']);
    // as when a process dies, the remote command outlives its connection (a `sleep` writes nothing that
    // would fail): not our child, but sshd's; the test removes it
    for (const pid of await remoteProcesses(`sleep ${m}`)) process.kill(pid, 'SIGKILL');
  });

  it("runs a node behind a gateway in its gateway's worker, over the gateway's one connection", async () => {
    const gw = inWorker(0);
    expect(shown(await run(gw.exec('echo gw')))).to.deep.equal(['stdout:gw', 'exit 0 null echo gw']);
    const behind = inWorker(1, { gateway: gw });
    const m = marker();
    const command = `echo behind; sleep 2; echo ${m}`;
    const lines: string[] = [];
    const events = lastValueFrom(
      behind.exec(command).pipe(
        tap((e) => {
          if (e.type === 'line') lines.push(e.text);
        }),
        toArray(),
      ),
    );
    await eventually(() => Promise.resolve(lines.length > 0));
    // the command runs: the gateway's connection, and the one its sshd opened to the node behind it; no
    // second connection to the gateway from this thread
    expect(await sshdConnections(fleet)).to.equal(2);
    expect(shown(await events)).to.deep.equal(['stdout:behind', `stdout:${m}`, `exit 0 null ${command}`]);
    await behind.close();
    await gw.close();
    expect(await eventually(async () => (await sshdConnections(fleet)) === 0)).to.equal(true);
  });

  it('refuses a worker option that is not a boolean, naming it', () => {
    expect(() => fleetNode(fleet, 0, { worker: 'yes' as unknown as boolean })).to.throw(
      /worker.*true or false/,
    );
  });
});
