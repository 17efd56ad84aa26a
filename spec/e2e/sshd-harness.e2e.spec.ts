import { expect } from 'chai';
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

import { rejection } from '../helpers/errors.js';
import {
  blackHole,
  killConnectionProcesses,
  killSshd,
  refusedPort,
  remoteProcesses,
  rotateHostKey,
  sshdConnections,
  startFleet,
} from '../helpers/sshd.js';
import type { Fleet } from '../helpers/sshd.js';

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

interface Ssh {
  readonly child: ChildProcess;
  readonly done: Promise<Result>;
}

/** The real OpenSSH client, with nothing from ~/.ssh: only the given key and the fleet's known_hosts. */
const ssh = (
  fleet: Fleet,
  address: string,
  command: string,
  {
    key = fleet.clientKey,
    batch = true,
    env = process.env,
  }: { key?: string; batch?: boolean; env?: NodeJS.ProcessEnv } = {},
): Ssh => {
  const args = [
    '-F',
    '/dev/null',
    '-i',
    key,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    `UserKnownHostsFile="${fleet.knownHosts}"`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `BatchMode=${batch ? 'yes' : 'no'}`,
    '-o',
    'ConnectTimeout=5',
    '-p',
    String(fleet.port),
    `${fleet.user}@${address}`,
    command,
  ];
  const child = spawn('ssh', args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<Result>((resolve) => {
    child.on('error', (error) => {
      resolve({ code: -1, stdout, stderr: error.message });
    });
    child.on('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
  return { child, done };
};

const output = (file: string, args: readonly string[]): Promise<Result> =>
  new Promise((resolve) => {
    execFile(file, args, { encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve({
        code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1,
        stdout,
        stderr,
      });
    });
  });

/** Polls `check` until it holds (bounded); fails with `what` otherwise. */
const eventually = async (
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 5000,
): Promise<void> => {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) expect.fail(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};

/** Alive and not a zombie (a zombie waits for its parent, or init, to reap it). */
const alive = (pid: number): boolean => {
  try {
    return !/^\d+ \(.*\) Z /.test(fs.readFileSync(`/proc/${String(pid)}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

const killAll = (pids: readonly number[]): void => {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
};

describe('sshd harness', function () {
  this.timeout(20000);

  const saved = process.env['RXJOBS_SSHD'];
  afterEach(() => {
    if (saved === undefined) delete process.env['RXJOBS_SSHD'];
    else process.env['RXJOBS_SSHD'] = saved;
  });

  it('says how to install sshd when it is missing', async () => {
    process.env['RXJOBS_SSHD'] = '/nonexistent/sbin/sshd';
    const error = await rejection(startFleet());
    expect(error).to.be.instanceOf(Error);
    expect((error as Error).message)
      .to.include('bash scripts/install-deps.sh')
      .and.include('openssh-server');
  });

  describe('a fleet of 3 hosts', () => {
    let fleet: Fleet;
    before(async () => {
      fleet = await startFleet({ hosts: 3, clientKeyPassphrase: 'open sesame' });
    });
    after(async () => {
      await fleet.stop();
    });

    it('listens on 127.0.0.2-4, one port, one sshd, with a known_hosts line per host', async () => {
      expect(fleet.hosts.map((h) => h.address)).to.deep.equal(['127.0.0.2', '127.0.0.3', '127.0.0.4']);
      expect(new Set(fleet.hosts.map((h) => h.port))).to.deep.equal(new Set([fleet.port]));
      expect(fleet.sshdPids()).to.have.length(1);
      const listed = await output('ssh-keygen', ['-l', '-E', 'sha256', '-f', fleet.knownHosts]);
      const lines = listed.stdout.trim().split('\n');
      expect(lines).to.have.length(3);
      for (const [i, line] of lines.entries()) {
        expect(line)
          .to.include(fleet.hostKeyFingerprint)
          .and.include(`[127.0.0.${String(i + 2)}]:${String(fleet.port)}`);
      }
    });

    it('runs a command on every host with the real ssh client, in the private HOME', async () => {
      const results = await Promise.all(
        fleet.hosts.map((h) => ssh(fleet, h.address, 'echo hi; echo "$HOME"').done),
      );
      for (const result of results) {
        expect(result, result.stderr).to.deep.include({ code: 0, stdout: `hi\n${fleet.home}\n` });
      }
    });

    it('refuses the wrong key', async () => {
      const result = await ssh(fleet, '127.0.0.3', 'echo hi', { key: fleet.wrongKey }).done;
      expect(result.code).to.equal(255);
      expect(result.stderr).to.match(/Permission denied \(publickey\)/);
    });

    it('authorizes the passphrase-protected key, given its passphrase', async () => {
      const key = fleet.clientKeyProtected ?? expect.fail('no protected key');
      expect((await output('ssh-keygen', ['-y', '-P', 'wrong', '-f', key])).code).to.not.equal(0);
      const askpass = path.join(fleet.dir, 'askpass.sh');
      fs.writeFileSync(askpass, "#!/bin/sh\necho 'open sesame'\n", { mode: 0o700 });
      const env = { ...process.env, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' };
      const result = await ssh(fleet, '127.0.0.4', 'echo hi', { key, batch: false, env }).done;
      expect(result, result.stderr).to.deep.include({ code: 0, stdout: 'hi\n' });
    });

    it('counts a held connection with sshdConnections', async () => {
      await eventually('sshd holds no connection', async () => (await sshdConnections(fleet)) === 0);
      const held = ssh(fleet, '127.0.0.3', 'sleep 2');
      await eventually('sshd holds 1 connection', async () => (await sshdConnections(fleet)) === 1);
      expect((await held.done).code).to.equal(0);
      await eventually('sshd holds no connection', async () => (await sshdConnections(fleet)) === 0);
    });

    it('finds a remote process by its marker with remoteProcesses, not the local ssh client', async () => {
      const held = ssh(fleet, '127.0.0.2', 'sleep 123.456');
      await eventually(
        'the remote sleep runs',
        async () => (await remoteProcesses('sleep 123.456')).length > 0,
      );
      const pids = await remoteProcesses('sleep 123.456');
      expect(pids).to.not.include(held.child.pid);
      for (const pid of pids) {
        expect(fs.readFileSync(`/proc/${String(pid)}/cmdline`, 'utf8')).to.include('123.456');
      }
      expect(await remoteProcesses('no such marker 9f8e7d')).to.deep.equal([]);
      killAll(pids);
      expect((await held.done).code).to.equal(255); // the remote command died of a signal
      expect(await remoteProcesses('sleep 123.456')).to.deep.equal([]);
    });

    it('kills the connection processes: held connections die, the hosts still accept', async () => {
      const held = ssh(fleet, '127.0.0.4', 'sleep 54.321');
      await eventually('sshd holds 1 connection', async () => (await sshdConnections(fleet)) === 1);
      const pids = fleet.sshdPids();
      expect(await killConnectionProcesses(fleet)).to.be.greaterThan(0);
      const result = await held.done;
      expect(result.code).to.equal(255);
      expect(fleet.sshdPids()).to.deep.equal(pids);
      expect(await sshdConnections(fleet)).to.equal(0);
      expect((await ssh(fleet, '127.0.0.4', 'echo again').done).stdout).to.equal('again\n');
      killAll(await remoteProcesses('sleep 54.321')); // as after a crash, the command outlived its sshd
    });

    it('rotateHostKey makes strict host key checking fail with a changed host key', async () => {
      const before = fleet.hostKeyFingerprint;
      const after = await rotateHostKey(fleet);
      expect(after).to.not.equal(before);
      expect(fleet.hostKeyFingerprint).to.equal(after);
      expect(fleet.sshdPids()).to.have.length(1);
      const result = await ssh(fleet, '127.0.0.3', 'echo hi').done;
      expect(result.code).to.equal(255);
      expect(result.stderr).to.match(/REMOTE HOST IDENTIFICATION HAS CHANGED/);
      expect(result.stderr).to.include(after);
    });
  });

  describe('a fleet of 20 hosts', () => {
    it('runs 2 sshd processes; stop() leaves no sshd process, even below a killed sshd, and removes the dir', async () => {
      const fleet = await startFleet({ hosts: 20 });
      let stopped = false;
      try {
        const pids = fleet.sshdPids();
        expect(pids).to.have.length(2);
        expect(fleet.hosts.at(-1)?.address).to.equal('127.0.0.21');
        expect((await ssh(fleet, '127.0.0.21', 'echo hi').done).stdout).to.equal('hi\n');

        // a connection to the second sshd (hosts 17-20) outlives the kill of its listener
        const held = ssh(fleet, '127.0.0.18', 'sleep 76.543');
        await eventually(
          'the remote sleep runs',
          async () => (await remoteProcesses('sleep 76.543')).length > 0,
        );
        expect(await killSshd(fleet, 1)).to.equal(pids[1]);
        expect(fleet.sshdPids()).to.deep.equal([pids[0]]);
        const refused = await ssh(fleet, '127.0.0.19', 'echo hi').done;
        expect(refused.code).to.equal(255);
        expect(refused.stderr).to.match(/Connection refused/);
        expect(await sshdConnections(fleet)).to.equal(1);

        await fleet.stop();
        stopped = true;
        expect((await held.done).code).to.equal(255);
        for (const pid of pids) expect(alive(pid), `sshd ${String(pid)}`).to.equal(false);
        const left = (await output('pgrep', ['-f', fleet.dir])).stdout.split('\n').filter((l) => l !== '');
        expect(left.map(Number).filter(alive)).to.deep.equal([]);
        expect(await remoteProcesses('sleep 76.543')).to.deep.equal([]);
        expect(fs.existsSync(fleet.dir)).to.equal(false);
      } finally {
        if (!stopped) await fleet.stop();
      }
    });
  });

  describe('blackHole and refusedPort', () => {
    it('blackHole accepts connections, never sends a byte, and drops them on close()', async () => {
      const hole = await blackHole();
      const socket = net.connect({ host: hole.host, port: hole.port });
      let received = 0;
      socket.on('data', (chunk: Buffer) => (received += chunk.length));
      const closed = new Promise<void>((resolve) =>
        socket.on('close', () => {
          resolve();
        }),
      );
      socket.on('error', () => undefined);
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve).once('error', reject);
      });
      socket.write('SSH-2.0-test\r\n');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(received).to.equal(0);
      await hole.close();
      await closed;
      expect(received).to.equal(0);
    });

    it('refusedPort gives a port where connections are refused', async () => {
      const port = await refusedPort();
      const error = await new Promise<NodeJS.ErrnoException>((resolve, reject) => {
        const socket = net.connect({ host: '127.0.0.1', port });
        socket.on('error', resolve);
        socket.on('connect', () => {
          socket.destroy();
          reject(new Error('connected'));
        });
      });
      expect(error.code).to.equal('ECONNREFUSED');
    });
  });
});
