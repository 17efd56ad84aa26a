import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { expect } from 'chai';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';

import type { CommandEvent } from '../../lib/nodes/command-event.js';
import { nodeRef } from '../../lib/nodes/command-event.js';
import { isJobsError } from '../../lib/errors/jobs-error.js';
import { exitStatus, stdout } from '../../lib/nodes/operators.js';
import { timedMarker } from '../helpers/command-suite.js';
import { rejection } from '../helpers/errors.js';
import { eventually } from '../helpers/eventually.js';
import { fleetNode } from '../helpers/ssh-nodes.js';
import type { Fleet } from '../helpers/sshd.js';
import {
  blackHole,
  killConnectionProcesses,
  refusedPort,
  remoteProcesses,
  sshdConnections,
  startFleet,
} from '../helpers/sshd.js';

const run = (o: ReturnType<ReturnType<typeof fleetNode>['exec']>) => lastValueFrom(o.pipe(toArray()));
const shown = (events: CommandEvent[]): string[] =>
  events.map((e) =>
    e.type === 'line'
      ? `${e.stream}:${e.text}${e.newline ? '' : '(no newline)'}`
      : e.type === 'chunk'
        ? `${e.stream} chunk:${e.bytes.toString()}`
        : `exit ${String(e.code)} ${String(e.signal)}`,
  );
const marker = (): string => `1${String(Math.floor(Math.random() * 1e6))}.${String(Date.now() % 1e6)}`;
/** The most lines `start` without their `end` yet, in a log of `start`/`end` lines. */
const mostAtOnce = (log: string): number => {
  let now = 0;
  let most = 0;
  for (const line of log.split('\n')) {
    if (line === 'start') most = Math.max(most, ++now);
    else if (line === 'end') now--;
  }
  return most;
};
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SshNode (real sshd)', function () {
  this.timeout(30_000);
  let fleet: Fleet;
  let local: string;

  before(async () => {
    fleet = await startFleet({ hosts: 4 });
    local = await mkdtemp(path.join(os.tmpdir(), 'rxjobs-ssh-'));
  });
  after(async () => {
    await fleet.stop();
    await rm(local, { recursive: true, force: true });
  });

  describe('exec', () => {
    it('streams lines of both streams, the last partial line, then the exit code', async () => {
      const node = fleetNode(fleet);
      const events = await run(node.exec('echo out; echo err >&2; printf partial; exit 3'));
      expect(shown(events)).to.have.members([
        'stdout:out',
        'stderr:err',
        'stdout:partial(no newline)',
        'exit 3 null',
      ]);
      expect(shown(events).at(-1)).to.equal('exit 3 null');
      expect(events.every((e) => e.node === nodeRef(node))).to.equal(true);
      await node.close();
    });

    it('reports a signal as code null and the signal name', async () => {
      const node = fleetNode(fleet);
      const exit = await lastValueFrom(node.exec('kill -TERM $$').pipe(exitStatus()));
      expect([exit.code, exit.signal]).to.deep.equal([null, 'SIGTERM']);
      await node.close();
    });

    it('passes env and stdin', async () => {
      const node = fleetNode(fleet);
      const lines = await lastValueFrom(
        node
          .exec('echo "$GREETING"; cat', { env: { GREETING: "it's me" }, stdin: 'in\nput\n' })
          .pipe(stdout(), toArray()),
      );
      expect(lines).to.deep.equal(["it's me", 'in', 'put']);
      await node.close();
    });

    it('keeps bytes exact: multi-byte characters across chunks, binary, a 10 MB line under maxLineBytes', async () => {
      const node = fleetNode(fleet);
      // é is 2 bytes: 40,000 of them cross many 32 KB chunk boundaries at odd offsets
      const text = `x${'é'.repeat(40_000)}`;
      const [line] = await lastValueFrom(
        node.exec(`printf 'x'; head -c 40000 /dev/zero | sed 's/\\x0/é/g'; echo`).pipe(stdout(), toArray()),
      );
      expect(line).to.equal(text);
      const events = await run(
        node.exec('head -c 10000000 /dev/urandom | base64 -w0; printf "\\n\\000\\377\\n"', {
          maxLineBytes: 16 * 1024 * 1024, // whole (see spec/e2e/huge-output.e2e.spec.ts for the pieces)
        }),
      );
      const lines = events.filter((e) => e.type === 'line');
      expect(lines).to.have.length(2);
      expect(lines[0]?.bytes.length).to.equal(13_333_336);
      expect(lines[1]?.bytes).to.deep.equal(Buffer.from([0, 0xff]));
      await node.close();
    });

    it("delivers output: 'chunks' as chunk events, exactly the bytes (sha256 of 10 MB), the pid line stripped", async () => {
      const node = fleetNode(fleet);
      const data = 'head -c 10000000 /dev/urandom > "$f"; printf "\\000\\377 end" >> "$f"';
      const events = await run(
        node.exec(`f=$(mktemp); ${data}; cat "$f"; sha256sum < "$f" >&2; rm -f "$f"; exit 5`, {
          output: 'chunks',
        }),
      );
      const chunks = events.filter((e) => e.type === 'chunk');
      expect(chunks).to.have.length(events.length - 1);
      expect(events.at(-1)).to.include({ type: 'exit', code: 5, signal: null });
      expect(chunks.every((e) => e.bytes.length > 0 && e.node === nodeRef(node))).to.equal(true);
      const bytesOf = (stream: string) =>
        Buffer.concat(chunks.filter((e) => e.stream === stream).map((e) => e.bytes));
      const out = bytesOf('stdout');
      expect(out.length).to.equal(10_000_006);
      expect(chunks.filter((e) => e.stream === 'stdout').length).to.be.greaterThan(100);
      expect(bytesOf('stderr').toString()).to.equal(`${sha(out)}  -\n`);
      await node.close();
    });

    it("strips the pid line from the pty's stdout with output: 'chunks'", async () => {
      const node = fleetNode(fleet);
      const events = await run(node.exec("printf 'a\\nb'", { pty: true, output: 'chunks' }));
      const out = Buffer.concat(events.flatMap((e) => (e.type === 'chunk' ? [e.bytes] : [])));
      expect(out.toString()).to.equal('a\r\nb');
      expect(events.at(-1)).to.include({ type: 'exit', code: 0 });
      await node.close();
    });

    it('shares one connection between commands, and close() closes it', async () => {
      const node = fleetNode(fleet, 1);
      const before = await sshdConnections(fleet);
      await Promise.all([1, 2, 3, 4, 5].map((i) => run(node.exec(`echo ${String(i)}`))));
      expect(await sshdConnections(fleet)).to.equal(before + 1);
      await node.close();
      expect(await eventually(async () => (await sshdConnections(fleet)) === before)).to.equal(true);
      // a later command opens a new connection
      expect(shown(await run(node.exec('true')))).to.deep.equal(['exit 0 null']);
      await node.close();
    });

    it('a command subscribed right after close(), in the same turn, runs on a new connection', async () => {
      const node = fleetNode(fleet, 1);
      expect(shown(await run(node.exec('true')))).to.deep.equal(['exit 0 null']);
      const closed = node.close();
      const later = run(node.exec('echo again'));
      await closed;
      expect(shown(await later)).to.deep.equal(['stdout:again', 'exit 0 null']);
      await node.close();
    });

    it('runs 50 commands at once on one node, queued under MaxSessions 10', async () => {
      const node = fleetNode(fleet, 2);
      // each command appends `start` and `end` lines (O_APPEND: one write each, in the order they happen)
      const log = path.join(local, `sessions-${marker()}.log`);
      const outputs = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          lastValueFrom(
            node
              .exec(`echo start >> ${log}; sleep 0.2; echo end >> ${log}; echo ${String(i)}`)
              .pipe(stdout(), toArray()),
          ),
        ),
      );
      expect(outputs.map((o) => o.join())).to.deep.equal(Array.from({ length: 50 }, (_, i) => String(i)));
      const text = await readFile(log, 'utf8');
      expect(text.match(/^start$/gm)).to.have.length(50);
      expect(text.match(/^end$/gm)).to.have.length(50);
      // one of the server's 10 sessions is kept for kills: at most 9 commands at once, and more than one
      const most = mostAtOnce(text);
      expect(most, 'commands running at once').to.be.at.most(9).and.at.least(2);
      await node.close();
    });
  });

  describe('cancellation', () => {
    it('kills the remote process group when the consumer leaves (take(1))', async () => {
      const node = fleetNode(fleet);
      const m = marker();
      const first = await firstValueFrom(
        node.exec(`sleep ${m} & sleep ${m} & echo started; wait`).pipe(stdout()),
      );
      expect(first).to.equal('started');
      expect(await eventually(async () => (await remoteProcesses(`sleep ${m}`)).length === 0)).to.equal(true);
      await node.close();
      expect(await remoteProcesses(`sleep ${m}`)).to.deep.equal([]);
    });

    it('kills a command that ignores TERM after the grace period, and close() waits for it', async () => {
      const node = fleetNode(fleet, 0, { killGrace: 300 });
      const m = marker();
      const sub = node
        .exec(`trap '' TERM; echo ready; sleep ${m}; sleep ${m}`)
        .pipe(stdout())
        .subscribe({ error: () => undefined });
      expect(await eventually(async () => (await remoteProcesses(`sleep ${m}`)).length > 0)).to.equal(true);
      sub.unsubscribe();
      await node.close();
      expect(await remoteProcesses(`sleep ${m}`)).to.deep.equal([]);
    });

    it('cancels a command still waiting for a session slot without running it', async () => {
      const node = fleetNode(fleet, 0, { maxSessions: 2 });
      const m = marker();
      const busy = node.exec(`sleep ${m}`).subscribe({ error: () => undefined });
      const waiting = node
        .exec(`echo never-${m}`)
        .subscribe({ next: () => expect.fail('ran'), error: () => undefined });
      await settle(200);
      waiting.unsubscribe();
      busy.unsubscribe();
      await node.close();
      expect(await remoteProcesses(m)).to.deep.equal([]);
    });
  });

  describe('files', () => {
    it('pushes and pulls files and directories, bytes and modes intact', async () => {
      const node = fleetNode(fleet);
      const src = path.join(local, 'src');
      await mkdir(path.join(src, 'sub'), { recursive: true });
      const data = randomBytes(3_000_000);
      await writeFile(path.join(src, 'big.bin'), data);
      await writeFile(path.join(src, 'sub', 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
      await lastValueFrom(node.push([src], `${fleet.home}/pushed/here`), { defaultValue: undefined });
      const remoteSum = await lastValueFrom(
        node.exec(`sha256sum ${fleet.home}/pushed/here/src/big.bin`).pipe(stdout()),
      );
      expect(remoteSum.split(' ')[0]).to.equal(sha(data));
      expect(
        await lastValueFrom(node.exec(`${fleet.home}/pushed/here/src/sub/run.sh`).pipe(stdout())),
      ).to.equal('hi');
      const back = path.join(local, 'back');
      await lastValueFrom(node.pull([`${fleet.home}/pushed/here/src`], back), { defaultValue: undefined });
      expect(sha(await readFile(path.join(back, 'src', 'big.bin')))).to.equal(sha(data));
      expect((await stat(path.join(back, 'src', 'sub', 'run.sh'))).mode & 0o777).to.equal(0o755);
      expect((await readdir(path.join(back, 'src'))).sort()).to.deep.equal(['big.bin', 'sub']);
      await node.close();
    });

    it('fails a push of a missing local file before connecting', async () => {
      const node = fleetNode(fleet, 0, { port: await refusedPort(), connectAttempts: 1 });
      const e = await rejection(
        lastValueFrom(node.push([path.join(local, 'nope')], 'x'), { defaultValue: undefined }),
      );
      expect(isJobsError(e, 'transfer')).to.equal(true);
      expect((e as Error).message)
        .to.contain('nope')
        .and.contain('no such local file');
    });

    it('fails a pull of a missing remote file, naming it, and writes nothing', async () => {
      const node = fleetNode(fleet);
      const into = path.join(local, 'missing');
      const before = await readdir(local);
      const e = await rejection(
        lastValueFrom(node.pull(['no/such/file'], into), { defaultValue: undefined }),
      );
      expect(isJobsError(e, 'transfer')).to.equal(true);
      expect((e as Error).message).to.contain('no/such/file');
      await node.close();
      // not even the destination directory
      expect(await readdir(local)).to.deep.equal(before);
      expect(await readdir(into).catch((err: unknown) => (err as NodeJS.ErrnoException).code)).to.equal(
        'ENOENT',
      );
    });

    it('leaves no partial local file when a pull is interrupted', async () => {
      const node = fleetNode(fleet);
      await lastValueFrom(node.exec(`head -c 200000000 /dev/zero > ${fleet.home}/huge.bin`).pipe(toArray()));
      const into = path.join(local, 'interrupted');
      await mkdir(into, { recursive: true });
      const sub = node.pull([`${fleet.home}/huge.bin`], into).subscribe({ error: () => undefined });
      const started = await eventually(async () => (await readdir(into)).length > 0, 10_000, 5);
      expect(started, 'the pull did not start').to.equal(true);
      sub.unsubscribe();
      await node.close();
      expect(await readdir(into)).to.deep.equal([]);
    });

    it('writes a file atomically, with its mode', async () => {
      const node = fleetNode(fleet);
      await lastValueFrom(node.writeFile(`${fleet.home}/w/x.sh`, '#!/bin/sh\necho written\n', 0o700), {
        defaultValue: undefined,
      });
      expect(
        await lastValueFrom(
          node.exec(`cd ${fleet.home} && w/x.sh; stat -c %a w/x.sh w`).pipe(stdout(), toArray()),
        ),
      ).to.deep.equal(['written', '700', '700']);
      await node.close();
    });
  });

  describe('failures', () => {
    it('a refused port: SshConnectError after the attempts', async () => {
      const node = fleetNode(fleet, 0, { port: await refusedPort(), connectAttempts: 2 });
      const e = await rejection(run(node.exec('true')));
      expect(isJobsError(e, 'ssh-connect')).to.equal(true);
      expect((e as Error).message).to.match(/ECONNREFUSED.*after 2 attempts/);
    });

    it('a host that never answers: SshTimeoutError within the connect timeout', async () => {
      const hole = await blackHole();
      const node = fleetNode(fleet, 0, {
        hostname: hole.host,
        port: hole.port,
        connectTimeout: 300,
        connectAttempts: 1,
      });
      const t0 = Date.now();
      const e = await rejection(run(node.exec('true')));
      expect(isJobsError(e, 'ssh-timeout')).to.equal(true);
      expect(Date.now() - t0).to.be.below(2000);
      await hole.close();
    });

    it('close() while connecting to a host that never answers: stops the attempt at once', async () => {
      const hole = await blackHole();
      const node = fleetNode(fleet, 0, { hostname: hole.host, port: hole.port, connectTimeout: 20_000 });
      const failed = rejection(run(node.exec('true')));
      await new Promise((resolve) => setTimeout(resolve, 200)); // in the handshake
      const t0 = Date.now();
      await node.close();
      const e = await failed;
      expect(Date.now() - t0).to.be.below(1000);
      expect((e as Error).message).to.match(/closed by close\(\)/);
      await hole.close();
    });

    it('a wrong key: SshAuthError naming the key', async () => {
      const node = fleetNode(fleet, 0, { keys: [fleet.wrongKey] });
      const e = await rejection(run(node.exec('true')));
      expect(isJobsError(e, 'ssh-auth')).to.equal(true);
      expect((e as Error).message).to.contain(fleet.wrongKey);
    });

    it('an unknown host under strict: HostKeyError; accept-new learns it', async () => {
      const file = path.join(local, 'known_hosts_empty');
      const strict = fleetNode(fleet, 3, { knownHosts: file });
      const e = await rejection(run(strict.exec('true')));
      expect(isJobsError(e, 'host-key')).to.equal(true);
      const learner = fleetNode(fleet, 3, { knownHosts: file, hostKeyPolicy: 'accept-new' });
      expect(shown(await run(learner.exec('true')))).to.deep.equal(['exit 0 null']);
      await learner.close();
      expect(await readFile(file, 'utf8')).to.contain(
        `[${fleet.hosts[3]?.address ?? ''}]:${String(fleet.port)}`,
      );
      const again = fleetNode(fleet, 3, { knownHosts: file });
      expect(shown(await run(again.exec('true')))).to.deep.equal(['exit 0 null']);
      await again.close();
    });

    it('a transport failure errors the command stream, other nodes carry on', async () => {
      const [hostA, hostB] = [fleet.hosts[0], fleet.hosts[1]];
      if (hostA === undefined || hostB === undefined) return expect.fail('the fleet has 4 hosts');
      const a = fleetNode(fleet, 0);
      const b = fleetNode(fleet, 1);
      const [long, short] = [timedMarker(30), timedMarker(1)];
      const failed = rejection(run(a.exec(`sleep ${long}`)));
      const carried = run(b.exec(`sleep ${short}; echo ok`));
      // both commands run: b's connection is up when a's dies
      expect(
        await eventually(
          async () =>
            (await remoteProcesses(`sleep ${long}`)).length > 0 &&
            (await remoteProcesses(`sleep ${short}`)).length > 0,
        ),
      ).to.equal(true);
      const t0 = performance.now();
      expect(await killConnectionProcesses(fleet, hostA.address)).to.be.greaterThan(0);
      const e = await failed;
      expect(performance.now() - t0).to.be.below(1000);
      expect(isJobsError(e, 'ssh')).to.equal(true);
      expect((e as Error).message)
        .to.contain(`${hostA.address}:${String(fleet.port)}`)
        .and.contain('connection lost')
        .and.contain(`sleep ${long}`);
      expect(shown(await carried)).to.deep.equal(['stdout:ok', 'exit 0 null']);
      // the killed sshd could not signal its command
      for (const pid of await remoteProcesses(`sleep ${long}`)) process.kill(pid, 'SIGKILL');
      expect(await eventually(async () => (await remoteProcesses(`sleep ${long}`)).length === 0)).to.equal(
        true,
      );
      await Promise.all([a.close(), b.close()]);
    });
  });
});
