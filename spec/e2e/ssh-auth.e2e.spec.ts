import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { expect } from 'chai';
import { lastValueFrom, toArray } from 'rxjs';

import { isJobsError } from '../../lib/errors/jobs-error.js';
import { exitStatus } from '../../lib/nodes/operators.js';
import type { SshNode } from '../../lib/nodes/ssh/ssh-node.js';
import { rejection } from '../helpers/errors.js';
import { eventually } from '../helpers/eventually.js';
import { fleetNode } from '../helpers/ssh-nodes.js';
import type { Fleet } from '../helpers/sshd.js';
import { startFleet } from '../helpers/sshd.js';

const run = promisify(execFile);

/** Starts an ssh-agent on `socket` holding `key` (the agent listens once its socket exists: the key is added then). */
const startAgent = async (socket: string, key: string): Promise<ChildProcess> => {
  const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
  const added = await eventually(async () => {
    try {
      await run('ssh-add', [key], { env: { SSH_AUTH_SOCK: socket } });
      return true;
    } catch {
      return false;
    }
  }, 3000);
  if (!added) agent.kill(); // no agent left behind
  expect(added, 'ssh-add to the test agent').to.equal(true);
  return agent;
};

describe('SshNode authentication sources (real sshd)', function () {
  this.timeout(30_000);
  let fleet: Fleet;
  let dir: string;
  let agent: ChildProcess | undefined;
  const savedHome = process.env['HOME'];

  before(async () => {
    fleet = await startFleet();
    dir = await mkdtemp(path.join(os.tmpdir(), 'rxjobs-auth-'));
  });
  after(async () => {
    process.env['HOME'] = savedHome;
    agent?.kill();
    await fleet.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('logs in with a key held by ssh-agent, and only the agent', async () => {
    const socket = path.join(dir, 'agent.sock');
    agent = await startAgent(socket, fleet.clientKey);
    const node = fleetNode(fleet, 0, { keys: [], agent: socket });
    const exit = await lastValueFrom(node.exec('true').pipe(exitStatus()));
    expect(exit.code).to.equal(0);
    await node.close();
  });

  it("uses OpenSSH's default key files when no keys are given", async () => {
    const home = path.join(dir, 'home');
    await mkdir(path.join(home, '.ssh'), { recursive: true, mode: 0o700 });
    await copyFile(fleet.clientKey, path.join(home, '.ssh', 'id_ed25519'));
    process.env['HOME'] = home; // os.homedir() reads it: the default list is ~/.ssh/id_ed25519, id_ecdsa, id_rsa
    try {
      const node = fleetNode(fleet, 0, { keys: undefined, agent: false });
      const exit = await lastValueFrom(node.exec('true').pipe(exitStatus()));
      expect(exit.code).to.equal(0);
      await node.close();
    } finally {
      process.env['HOME'] = savedHome;
    }
  });

  it('says what to do when there is nothing to offer', async () => {
    const node = fleetNode(fleet, 0, { keys: [], agent: false });
    const e = await rejection(lastValueFrom(node.exec('true')));
    expect(isJobsError(e, 'ssh-auth')).to.equal(true);
    expect((e as Error).message).to.contain('no key, agent or password');
  });
});

describe('SshNode with ssh-agent found through $SSH_AUTH_SOCK (real sshd)', function () {
  this.timeout(30_000);
  let fleet: Fleet;
  let dir: string;
  let emptyHome: string;
  let socket: string;
  let agent: ChildProcess | undefined;
  const saved = { HOME: process.env['HOME'], SSH_AUTH_SOCK: process.env['SSH_AUTH_SOCK'] };
  const restore = (name: keyof typeof saved): void => {
    const value = saved[name];
    if (value !== undefined) process.env[name] = value;
    else if (name === 'HOME') delete process.env['HOME'];
    else delete process.env['SSH_AUTH_SOCK'];
  };
  const loginExit = async (node: SshNode): Promise<number | null> => {
    try {
      return (await lastValueFrom(node.exec('true').pipe(exitStatus()))).code;
    } finally {
      await node.close();
    }
  };

  before(async () => {
    fleet = await startFleet();
    dir = await mkdtemp(path.join(os.tmpdir(), 'rxjobs-auth-sock-'));
    emptyHome = path.join(dir, 'empty-home'); // no .ssh: no default key file, no config
    await mkdir(emptyHome);
    socket = path.join(dir, 'agent.sock');
    agent = await startAgent(socket, fleet.clientKey);
  });
  after(async () => {
    agent?.kill();
    await fleet.stop();
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    restore('HOME');
    restore('SSH_AUTH_SOCK');
  });

  it('agent: true uses the agent at $SSH_AUTH_SOCK, with keys: []', async () => {
    process.env['SSH_AUTH_SOCK'] = socket;
    process.env['HOME'] = emptyHome;
    expect(await loginExit(fleetNode(fleet, 0, { keys: [], agent: true }))).to.equal(0);
  });

  it('uses the agent at $SSH_AUTH_SOCK when agent and keys are both unset', async () => {
    process.env['SSH_AUTH_SOCK'] = socket;
    process.env['HOME'] = emptyHome; // OpenSSH's default key files do not exist: only the agent can log in
    expect(await loginExit(fleetNode(fleet, 0, { keys: undefined, agent: undefined }))).to.equal(0);
  });

  it('without the agent, the same node (keys and agent unset, empty HOME) has nothing to offer', async () => {
    delete process.env['SSH_AUTH_SOCK'];
    process.env['HOME'] = emptyHome;
    const node = fleetNode(fleet, 0, { keys: undefined, agent: undefined });
    const e = await rejection(lastValueFrom(node.exec('true')));
    await node.close();
    expect(isJobsError(e, 'ssh-auth'), String(e)).to.equal(true);
  });

  it('agent: true with $SSH_AUTH_SOCK unset fails with an SshAuthError saying what to do', async () => {
    delete process.env['SSH_AUTH_SOCK'];
    process.env['HOME'] = emptyHome;
    const node = fleetNode(fleet, 0, { keys: [], agent: true });
    const e = await rejection(lastValueFrom(node.exec('true')));
    await node.close();
    expect(isJobsError(e, 'ssh-auth'), String(e)).to.equal(true);
    expect((e as Error).message)
      .to.contain(fleet.hosts[0]?.address)
      .and.to.contain('SSH_AUTH_SOCK is not set')
      .and.to.contain('start ssh-agent');
  });

  it('agent: true with $SSH_AUTH_SOCK unset, and a key the host refuses: the error says the agent was missing', async () => {
    delete process.env['SSH_AUTH_SOCK'];
    const node = fleetNode(fleet, 0, { keys: [fleet.wrongKey], agent: true });
    const e = await rejection(lastValueFrom(node.exec('true')));
    await node.close();
    expect(isJobsError(e, 'ssh-auth'), String(e)).to.equal(true);
    expect((e as Error).message)
      .to.contain(fleet.wrongKey)
      .and.to.contain('SSH_AUTH_SOCK is not set');
  });
});

describe('SshNode password authentication (real sshd)', function () {
  this.timeout(30_000);
  const password = 'correct horse battery staple';
  let fleet: Fleet | undefined;

  before(async () => {
    // sshd checks passwords against /etc/shadow: the harness mounts a private one in sshd's own namespace,
    // which needs root (it fails saying so otherwise; CI runs as root)
    fleet = await startFleet({ password });
  });
  after(async () => {
    await fleet?.stop();
  });
  const theFleet = (): Fleet => {
    if (fleet === undefined) throw new Error('no fleet');
    return fleet;
  };

  it('logs in with the password alone', async () => {
    const node = fleetNode(theFleet(), 0, { keys: [], agent: false, password });
    const out = await lastValueFrom(node.exec('echo in').pipe(toArray()));
    expect(out.map((e) => (e.type === 'line' ? e.text : e.type))).to.deep.equal(['in', 'exit']);
    await node.close();
  });

  it('offers the password after a key the host refuses', async () => {
    const node = fleetNode(theFleet(), 0, { keys: [theFleet().wrongKey], agent: false, password });
    const exit = await lastValueFrom(node.exec('true').pipe(exitStatus()));
    expect(exit.code).to.equal(0);
    await node.close();
  });

  it('refuses a wrong password with an error that names the host and what was offered', async () => {
    const node = fleetNode(theFleet(), 0, { keys: [], agent: false, password: 'wrong' });
    const e = await rejection(lastValueFrom(node.exec('true')));
    expect(isJobsError(e, 'ssh-auth')).to.equal(true);
    expect((e as Error).message)
      .to.contain(theFleet().hosts[0]?.address)
      .and.to.contain('offered: password');
    await node.close();
  });
});
