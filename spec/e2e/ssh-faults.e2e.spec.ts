import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import * as net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { expect } from 'chai';
import type { Observable } from 'rxjs';
import { lastValueFrom, tap, toArray } from 'rxjs';

import { isJobsError } from '../../lib/errors/jobs-error.js';
import type { CommandEvent } from '../../lib/nodes/command-event.js';
import { HostKeyError } from '../../lib/errors/host-key-error.js';
import { SshTimeoutError } from '../../lib/errors/ssh-timeout-error.js';
import { stdout } from '../../lib/nodes/operators.js';
import { rejection } from '../helpers/errors.js';
import { eventually } from '../helpers/eventually.js';
import { fleetNode } from '../helpers/ssh-nodes.js';
import type { Fleet } from '../helpers/sshd.js';
import {
  killConnectionProcesses,
  remoteProcesses,
  rotateHostKey,
  sshdConnections,
  startFleet,
} from '../helpers/sshd.js';

const exec = promisify(execFile);
const run = (o: Observable<CommandEvent>): Promise<CommandEvent[]> => lastValueFrom(o.pipe(toArray()));
/** The error a stream ends with; fails when it completes. */
const failure = (o: Observable<unknown>): Promise<Error> =>
  rejection(lastValueFrom(o, { defaultValue: undefined })) as Promise<Error>;
// a unique number: `sleep <marker>` is a long sleep whose command line names it
const marker = (): string => `1${String(Math.floor(Math.random() * 1e6))}.${String(Date.now() % 1e6)}`;
// a sleep of about 20 s: for commands that lose their connection, which nothing can kill but the test
const finiteMarker = (): string => `20.${String(Math.floor(Math.random() * 1e6))}${String(Date.now() % 1e6)}`;
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

const running = (m: string, count = 1): Promise<boolean> =>
  eventually(async () => (await remoteProcesses(m)).length >= count);
const gone = (m: string): Promise<boolean> => eventually(async () => (await remoteProcesses(m)).length === 0);
/** Kills what a test left running on purpose (a command whose connection died cannot be killed by it). */
const reap = async (m: string): Promise<void> => {
  for (const pid of await remoteProcesses(m)) process.kill(pid, 'SIGKILL');
  expect(await gone(m)).to.equal(true);
};

/** A TCP proxy on 127.0.0.1; `freeze()` stops forwarding, both ways, without closing anything. */
const tcpProxy = async (host: string, port: number) => {
  const pairs: [net.Socket, net.Socket][] = [];
  const server = net.createServer((client) => {
    const upstream = net.connect({ host, port });
    for (const s of [client, upstream]) s.on('error', () => undefined);
    client.pipe(upstream);
    upstream.pipe(client);
    pairs.push([client, upstream]);
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    freeze: (): void => {
      for (const [a, b] of pairs) {
        a.unpipe(b);
        b.unpipe(a);
        a.pause();
        b.pause();
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of pairs.flat()) socket.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
};

describe('SshNode faults (real sshd)', function () {
  this.timeout(60_000);
  let fleet: Fleet;
  let local: string;
  let baseline: number;
  const backToBaseline = (): Promise<boolean> =>
    eventually(async () => (await sshdConnections(fleet)) === baseline);

  before(async () => {
    fleet = await startFleet({ hosts: 3 }); // OpenSSH's defaults: MaxStartups 10:30:100, MaxSessions 10
    local = await mkdtemp(path.join(os.tmpdir(), 'rxjobs-faults-'));
  });
  after(async () => {
    await fleet.stop();
    await rm(local, { recursive: true, force: true });
  });
  beforeEach(async () => {
    baseline = await sshdConnections(fleet);
  });
  afterEach(async () => {
    expect(await backToBaseline(), 'connections left open').to.equal(true);
  });

  describe('many connections', () => {
    it('opens 100 connections to one sshd at once (MaxStartups 10:30:100): the ramp and retries', async () => {
      const nodes = Array.from({ length: 100 }, () => fleetNode(fleet, 0));
      const t0 = performance.now();
      const exits = await Promise.all(nodes.map((n) => run(n.exec('true'))));
      const ms = performance.now() - t0;
      console.log(`        100 connections and commands: ${ms.toFixed(0)} ms`);
      expect(
        exits.map((events) => events.map((e) => (e.type === 'exit' ? e.code : e.bytes.toString()))),
      ).to.deep.equal(nodes.map(() => [0]));
      expect(await sshdConnections(fleet)).to.equal(baseline + 100);
      await Promise.all(nodes.map((n) => n.close()));
    });
  });

  describe('lost connections', () => {
    it('errors a command promptly, naming the host, when its sshd is killed; the node reconnects', async () => {
      const node = fleetNode(fleet, 0);
      const m = finiteMarker();
      const ended = failure(node.exec(`sleep ${m}`));
      expect(await running(m)).to.equal(true);
      const t0 = performance.now();
      expect(await killConnectionProcesses(fleet)).to.be.greaterThan(0);
      const e = await ended;
      expect(performance.now() - t0).to.be.below(1000);
      expect(isJobsError(e, 'ssh')).to.equal(true);
      expect(e.message)
        .to.contain(`127.0.0.2:${String(fleet.port)}`)
        .and.contain('connection lost')
        .and.contain(`sleep ${m}`);
      await reap(m); // killed sshd: nothing could signal the command
      expect(await lastValueFrom(node.exec('echo again').pipe(stdout()))).to.equal('again');
      await node.close();
    });

    it('detects a silent death by keepalives (SshTimeoutError), while other nodes carry on', async () => {
      const proxy = await tcpProxy('127.0.0.2', fleet.port);
      const node = fleetNode(fleet, 0, {
        hostname: '127.0.0.1',
        port: proxy.port,
        hostKeyPolicy: 'off',
        keepalive: 200,
        keepaliveCountMax: 2,
      });
      const other = fleetNode(fleet, 1, { keepalive: 200, keepaliveCountMax: 2 });
      const m = finiteMarker();
      const ended = failure(node.exec(`sleep ${m}`));
      expect(await running(m)).to.equal(true);
      const carriesOn = lastValueFrom(other.exec('sleep 1.5; echo carried on').pipe(stdout()));
      proxy.freeze();
      const t0 = performance.now();
      const e = await ended;
      const ms = performance.now() - t0;
      console.log(`        silent death detected after ${ms.toFixed(0)} ms (bound 600 ms)`);
      expect(e).to.be.instanceOf(SshTimeoutError);
      expect(e).to.include({ phase: 'keepalive', timeout: 600 });
      expect(e.message).to.contain(`127.0.0.1:${String(proxy.port)}`);
      expect(ms).to.be.below(600 + 1000);
      expect(await carriesOn).to.equal('carried on');
      await proxy.close();
      await reap(m);
      await Promise.all([node.close(), other.close()]);
    });
  });

  describe('cancellation leaves no orphan', () => {
    it('unsubscribed while connecting: nothing runs', async () => {
      const node = fleetNode(fleet, 0);
      const m = marker();
      node
        .exec(`sleep ${m}`)
        .subscribe({ error: () => undefined })
        .unsubscribe();
      const later = node.exec(`sleep ${m}`).subscribe({ error: () => undefined });
      await settle(20); // in the handshake
      later.unsubscribe();
      await settle(500);
      expect(await remoteProcesses(m)).to.deep.equal([]);
      await node.close();
      expect(await remoteProcesses(m)).to.deep.equal([]);
    });

    it('unsubscribed while queued for a session: never runs', async () => {
      // maxSessions 2: one session for commands (the other is kept for kills), taken by `busy`
      const node = fleetNode(fleet, 0, { maxSessions: 2 });
      const [busy, queued] = [marker(), marker()];
      // the remote host is this machine: the queued command's first act would leave this file
      const started = path.join(local, `queued-${queued}`);
      const a = node.exec(`sleep ${busy}`).subscribe({ error: () => undefined });
      const b = node.exec(`touch ${started}; sleep ${queued}`).subscribe({ error: () => undefined });
      expect(await running(busy)).to.equal(true);
      await settle(200); // b waits for the session
      b.unsubscribe();
      a.unsubscribe();
      // the session is free once busy is gone: a command still queued would start now
      expect(await gone(busy)).to.equal(true);
      await settle(500);
      expect(
        await access(started).then(
          () => 'started',
          () => 'never started',
        ),
      ).to.equal('never started');
      expect(await remoteProcesses(queued)).to.deep.equal([]);
      await node.close();
      expect(await remoteProcesses(busy)).to.deep.equal([]);
      expect(await remoteProcesses(queued)).to.deep.equal([]);
    });

    it('unsubscribed while running: the whole process group dies, TERM-proof members too', async () => {
      const node = fleetNode(fleet, 0, { killGrace: 200 });
      const m = marker();
      const sub = node
        .exec(`sleep ${m} & (trap '' TERM; sleep ${m}) & sleep ${m}`)
        .subscribe({ error: () => undefined });
      expect(await running(m, 3)).to.equal(true);
      sub.unsubscribe();
      await node.close();
      expect(await remoteProcesses(m)).to.deep.equal([]);
    });

    it('unsubscribed during a push: no temporary or partial file stays', async () => {
      const node = fleetNode(fleet, 0);
      const file = path.join(local, 'push.bin');
      await writeFile(file, Buffer.alloc(100_000_000, 1));
      // absolute remote paths: commands and SFTP start in the login user's home, not in fleet.home
      const remoteDir = path.join(fleet.home, `push-${marker()}`);
      const sub = node.push([file], remoteDir).subscribe({ error: () => undefined });
      const started = await eventually(
        async () => (await readdir(remoteDir).catch(() => [])).some((f) => f.includes('.rxjobs-')),
        10_000,
        5,
      );
      expect(started, 'the push did not start').to.equal(true);
      sub.unsubscribe();
      await node.close();
      expect(await readdir(remoteDir)).to.deep.equal([]);
    });

    it('unsubscribed during a pull: no partial local file', async () => {
      const node = fleetNode(fleet, 0);
      const remote = path.join(fleet.home, `pull-${marker()}.bin`);
      await writeFile(remote, Buffer.alloc(100_000_000, 2));
      const into = path.join(local, `pulled-${marker()}`);
      await mkdir(into);
      const sub = node.pull([remote], into).subscribe({ error: () => undefined });
      expect(await eventually(async () => (await readdir(into)).length > 0, 10_000, 5)).to.equal(true);
      sub.unsubscribe();
      await node.close();
      expect(await readdir(into)).to.deep.equal([]);
      await rm(remote);
    });

    it('close() with commands and a transfer still running: all stopped, their streams errored', async () => {
      const node = fleetNode(fleet, 0, { killGrace: 200 });
      const m = marker();
      const commands = [
        node.exec(`sleep ${m}`),
        node.exec(`trap '' TERM; sleep ${m}; sleep ${m}`),
        node.exec(`sleep ${m}`, { pty: true }),
      ].map(failure);
      const file = path.join(local, 'close.bin');
      await writeFile(file, Buffer.alloc(100_000_000, 3));
      const into = path.join(fleet.home, `close-${marker()}`);
      const transfer = failure(node.push([file], into));
      expect(await running(m, 3)).to.equal(true);
      await node.close();
      expect(await remoteProcesses(m)).to.deep.equal([]);
      for (const e of await Promise.all([...commands, transfer])) {
        expect(isJobsError(e, 'ssh')).to.equal(true);
        expect(e.message).to.contain('127.0.0.2').and.contain('closed by close()');
      }
      expect(await readdir(into).catch(() => [])).to.deep.equal([]);
    });
  });
});

describe('SshNode host keys and keys (real sshd)', function () {
  this.timeout(60_000);
  let fleet: Fleet;
  let dir: string;
  let ecdsaPub: string;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rxjobs-keys-'));
    // a second host key, of another type: the server can present either
    await exec('ssh-keygen', ['-q', '-t', 'ecdsa', '-N', '', '-f', path.join(dir, 'ecdsa')]);
    ecdsaPub = (await readFile(path.join(dir, 'ecdsa.pub'), 'utf8')).split(' ').slice(0, 2).join(' ');
    fleet = await startFleet({
      clientKeyPassphrase: 'open sesame',
      extraConfig: [`HostKey ${path.join(dir, 'ecdsa')}`],
    });
  });
  after(async () => {
    await fleet.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const knownHosts = async (name: string, ...lines: string[]): Promise<string> => {
    const file = path.join(dir, name);
    await writeFile(file, lines.map((l) => `${l}\n`).join(''));
    return file;
  };
  const hostName = (): string => `[127.0.0.2]:${String(fleet.port)}`;

  describe('host key types', () => {
    it('asks for the known key type first: a host known by its ECDSA key only is accepted', async () => {
      const file = await knownHosts('ecdsa_only', `${hostName()} ${ecdsaPub}`);
      const node = fleetNode(fleet, 0, { knownHosts: file });
      expect(await lastValueFrom(node.exec('echo in').pipe(stdout()))).to.equal('in');
      await node.close();
      expect(await readFile(file, 'utf8')).to.equal(`${hostName()} ${ecdsaPub}\n`);
    });

    it('calls a key of a type not known for a known host "changed", under accept-new too', async () => {
      const file = await knownHosts('ecdsa_only_2', `${hostName()} ${ecdsaPub}`);
      // an explicit host key algorithm list: ed25519 only, so the server cannot present the known key
      const node = fleetNode(fleet, 0, {
        knownHosts: file,
        hostKeyPolicy: 'accept-new',
        algorithms: { serverHostKey: ['ssh-ed25519'] },
      });
      const e = await failure(node.exec('true'));
      expect(e).to.be.instanceOf(HostKeyError);
      expect(e).to.include({ problem: 'changed', host: hostName(), presented: fleet.hostKeyFingerprint });
      expect(await readFile(file, 'utf8')).to.equal(`${hostName()} ${ecdsaPub}\n`);
    });
  });

  describe('authentication', () => {
    it('a protected key without its passphrase: SshAuthError saying so and how to fix it', async () => {
      const key = fleet.clientKeyProtected ?? expect.fail('no protected key');
      const e = await failure(fleetNode(fleet, 0, { keys: [key] }).exec('true'));
      expect(isJobsError(e, 'ssh-auth')).to.equal(true);
      expect(e.message)
        .to.contain(key)
        .and.contain('protected by a passphrase')
        .and.contain('`passphrase`')
        .and.contain('ssh-add');
    });

    it('a protected key with its passphrase (one for all, or per file): logs in', async () => {
      const key = fleet.clientKeyProtected ?? expect.fail('no protected key');
      for (const passphrase of ['open sesame', { [key]: 'open sesame' }]) {
        const node = fleetNode(fleet, 0, { keys: [key], passphrase });
        expect(await lastValueFrom(node.exec('echo in').pipe(stdout()))).to.equal('in');
        await node.close();
      }
    });

    it('a wrong passphrase: SshAuthError naming the key', async () => {
      const key = fleet.clientKeyProtected ?? expect.fail('no protected key');
      const e = await failure(fleetNode(fleet, 0, { keys: [key], passphrase: 'nope' }).exec('true'));
      expect(isJobsError(e, 'ssh-auth')).to.equal(true);
      expect(e.message).to.contain(key).and.contain('wrong passphrase');
    });

    // password authentication: tested in ssh-auth.e2e.spec.ts ('SshNode password authentication (real
    // sshd)'), on a fleet whose sshd reads a private /etc/shadow (this fleet has PasswordAuthentication off)
  });

  describe('a changed host key (last: it rotates the fleet key)', () => {
    it('is refused under strict and accept-new, naming [addr]:port and both keys; known_hosts is kept', async () => {
      const before = fleetNode(fleet, 0);
      expect(await lastValueFrom(before.exec('echo before').pipe(stdout()))).to.equal('before');
      const old = fleet.hostKeyFingerprint;
      const file = path.join(dir, 'known_hosts_rotated');
      await copyFile(fleet.knownHosts, file);
      const text = await readFile(file);
      const rotated = await rotateHostKey(fleet);
      expect(rotated).not.to.equal(old);
      for (const hostKeyPolicy of ['strict', 'accept-new'] as const) {
        const error = await failure(fleetNode(fleet, 0, { knownHosts: file, hostKeyPolicy }).exec('true'));
        if (!(error instanceof HostKeyError)) return expect.fail(`not a HostKeyError: ${error.message}`);
        expect(error).to.include({ problem: 'changed', host: hostName(), presented: rotated, file });
        expect(error.known).to.deep.equal([old]);
        expect(error.message).to.contain(hostName()).and.contain(old).and.contain(rotated);
        expect(await readFile(file)).to.deep.equal(text);
      }
      // the connection made before the rotation lives on
      expect(await lastValueFrom(before.exec('echo still').pipe(stdout()))).to.equal('still');
      await before.close();
    });
  });
});

describe('SshNode output at scale (real sshd)', function () {
  this.timeout(120_000);
  let fleet: Fleet;

  before(async () => {
    fleet = await startFleet({ hosts: 20 });
  });
  after(() => fleet.stop());

  it('streams 10 MB from each of 20 hosts at once, every byte intact (sha256)', async () => {
    const nodes = fleet.hosts.map((_, i) => fleetNode(fleet, i));
    // random bytes, teed to a file whose sha256 goes to stderr once the stream is done
    const command =
      'f=$(mktemp); head -c 10000000 /dev/urandom | tee "$f"; sha256sum < "$f" | cut -d" " -f1 >&2; rm -f "$f"';
    const t0 = performance.now();
    const results = await Promise.all(
      nodes.map(async (node) => {
        const hash = createHash('sha256');
        let remote = '';
        let bytes = 0;
        const hashLine = (e: CommandEvent): void => {
          if (e.type !== 'line') return;
          if (e.stream === 'stderr') remote += e.text;
          else {
            hash.update(e.bytes);
            bytes += e.bytes.length + (e.newline ? 1 : 0);
            if (e.newline) hash.update('\n');
          }
        };
        await lastValueFrom(node.exec(command).pipe(tap(hashLine)));
        return { bytes, local: hash.digest('hex'), remote };
      }),
    );
    const ms = performance.now() - t0;
    console.log(`        20 hosts x 10 MB: ${ms.toFixed(0)} ms (${(200 / (ms / 1000)).toFixed(0)} MB/s)`);
    for (const r of results) {
      expect(r.bytes).to.equal(10_000_000);
      expect(r.local).to.equal(r.remote);
    }
    await Promise.all(nodes.map((n) => n.close()));
  });
});
