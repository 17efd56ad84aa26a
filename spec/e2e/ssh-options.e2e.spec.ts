import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { expect } from 'chai';
import { lastValueFrom, tap, toArray } from 'rxjs';

import { isJobsError } from '../../lib/errors/jobs-error.js';
import { stdout } from '../../lib/nodes/operators.js';
import type { SshNode } from '../../lib/nodes/ssh/ssh-node.js';
import { rejection } from '../helpers/errors.js';
import { eventually } from '../helpers/eventually.js';
import { fleetNode } from '../helpers/ssh-nodes.js';
import type { Fleet } from '../helpers/sshd.js';
import { refusedPort, sshdConnections, startFleet } from '../helpers/sshd.js';

const out = (node: SshNode, command: string): Promise<string[]> =>
  lastValueFrom(node.exec(command).pipe(stdout(), toArray()));

/** The live sshd processes below the fleet's listeners: one or two per open connection. */
const connectionProcesses = async (fleet: Fleet): Promise<number[]> => {
  const procs = await Promise.all(
    (await readdir('/proc'))
      .filter((name) => /^\d+$/.test(name))
      .map(async (name) => {
        try {
          const stat = await readFile(`/proc/${name}/stat`, 'utf8');
          const close = stat.lastIndexOf(')');
          const [state = '', ppid = ''] = stat.slice(close + 2).split(' ');
          return {
            pid: Number(name),
            ppid: Number(ppid),
            state,
            comm: stat.slice(stat.indexOf('(') + 1, close),
          };
        } catch {
          return undefined; // gone meanwhile
        }
      }),
  );
  const live = procs.filter((p) => p !== undefined && p.state !== 'Z');
  const below = new Set(fleet.sshdPids());
  const found: number[] = [];
  for (let grew = true; grew;) {
    grew = false;
    for (const p of live) {
      if (p !== undefined && p.comm === 'sshd' && below.has(p.ppid) && !below.has(p.pid)) {
        below.add(p.pid);
        found.push(p.pid);
        grew = true;
      }
    }
  }
  return found;
};

const signal = (pids: readonly number[], name: NodeJS.Signals): void => {
  for (const pid of pids) {
    try {
      process.kill(pid, name);
    } catch {
      // already gone
    }
  }
};

describe('SshNode options and their defaults (real sshd)', function () {
  this.timeout(30_000);
  let fleet: Fleet;
  let dir: string;
  let baseline: number;
  const savedHome = process.env['HOME'];

  before(async () => {
    fleet = await startFleet({ hosts: 2 });
    dir = await mkdtemp(path.join(os.tmpdir(), 'rxjobs-options-'));
    process.env['HOME'] = path.join(dir, 'home'); // never the user's ~/.ssh, whatever a test forgets
  });
  after(async () => {
    process.env['HOME'] = savedHome;
    await fleet.stop();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    baseline = await sshdConnections(fleet);
  });
  afterEach(async () => {
    const closed = await eventually(async () => (await sshdConnections(fleet)) === baseline);
    expect(closed, 'connections left open').to.equal(true);
  });

  describe('hostKeyPolicy', () => {
    it("is 'accept-new' by default: an unknown host is accepted and added to known_hosts", async () => {
      const knownHosts = path.join(dir, 'known_hosts-accept');
      await writeFile(knownHosts, '');
      const node = fleetNode(fleet, 0, { hostKeyPolicy: undefined, knownHosts });
      expect(await out(node, 'echo in')).to.deep.equal(['in']);
      await node.close();
      const [type, base64] =
        (await readFile(fleet.knownHosts, 'utf8')).split('\n')[0]?.split(' ').slice(1) ?? [];
      expect(await readFile(knownHosts, 'utf8')).to.equal(
        `[127.0.0.2]:${String(fleet.port)} ${String(type)} ${String(base64)}\n`,
      );
    });

    it("is 'accept-new' by default: a host presenting another key than the known one is refused", async () => {
      const knownHosts = path.join(dir, 'known_hosts-changed');
      const [type, base64] = (await readFile(`${fleet.wrongKey}.pub`, 'utf8')).trim().split(/\s+/);
      const line = `[127.0.0.2]:${String(fleet.port)} ${String(type)} ${String(base64)}\n`;
      await writeFile(knownHosts, line);
      const node = fleetNode(fleet, 0, { hostKeyPolicy: undefined, knownHosts });
      const e = await rejection(lastValueFrom(node.exec('true')));
      await node.close();
      expect(isJobsError(e, 'host-key'), String(e)).to.equal(true);
      if (!isJobsError(e, 'host-key')) return;
      expect(e.problem).to.equal('changed');
      expect(e.presented).to.equal(fleet.hostKeyFingerprint);
      expect(await readFile(knownHosts, 'utf8'), 'known_hosts untouched').to.equal(line);
    });
  });

  describe('explicit options against the ssh config', () => {
    // every value of this config is wrong for the fleet: a closed port, an unknown user, a refused key, no
    // host key checking
    let config: string;
    let closedPort: number;
    const host = '127.0.0.2';
    const explicit = (): Parameters<typeof fleetNode>[2] => ({
      sshConfig: config,
      port: fleet.port,
      username: fleet.user,
      keys: [fleet.clientKey],
      hostKeyPolicy: 'strict',
      connectAttempts: 1,
    });

    before(async () => {
      closedPort = await refusedPort();
      config = path.join(dir, 'ssh_config');
      await writeFile(
        config,
        [
          `Host ${host}`,
          `  Port ${String(closedPort)}`,
          '  User rxjobs-no-such-user',
          `  IdentityFile ${fleet.wrongKey}`,
          '  StrictHostKeyChecking no',
          '',
        ].join('\n'),
      );
    });

    it('explicit port, username, keys and hostKeyPolicy win over the config', async () => {
      const node = fleetNode(fleet, 0, explicit());
      expect(await out(node, 'echo "$USER"')).to.deep.equal([fleet.user]);
      await node.close();
    });

    it("explicit hostKeyPolicy 'strict' wins over the config's StrictHostKeyChecking no", async () => {
      const knownHosts = path.join(dir, 'known_hosts-empty');
      await writeFile(knownHosts, '');
      const strict = fleetNode(fleet, 0, { ...explicit(), knownHosts });
      const e = await rejection(lastValueFrom(strict.exec('true')));
      await strict.close();
      expect(isJobsError(e, 'host-key') && e.problem, String(e)).to.equal('unknown');
      // the config's `no` (no checking) applies when the option is unset
      const unset = fleetNode(fleet, 0, { ...explicit(), knownHosts, hostKeyPolicy: undefined });
      expect(await out(unset, 'echo in')).to.deep.equal(['in']);
      await unset.close();
      expect(await readFile(knownHosts, 'utf8'), 'nothing added: no checking').to.equal('');
    });

    it('each config value applies when its option is unset (so the first test is a real override)', async () => {
      const port = fleetNode(fleet, 0, { ...explicit(), port: undefined });
      const refused = await rejection(lastValueFrom(port.exec('true')));
      await port.close();
      expect(isJobsError(refused, 'ssh-connect') && refused.reason, String(refused)).to.equal('refused');
      expect((refused as Error).message).to.contain(String(closedPort));

      const user = fleetNode(fleet, 0, { ...explicit(), username: undefined });
      const wrongUser = await rejection(lastValueFrom(user.exec('true')));
      await user.close();
      // the right key on the right port: only the config's user can make it fail
      expect(isJobsError(wrongUser, 'ssh-auth'), String(wrongUser)).to.equal(true);
      // the error names the user that was tried, although it came from the config
      expect((wrongUser as Error).message).to.contain('rxjobs-no-such-user@127.0.0.2');

      const keys = fleetNode(fleet, 0, { ...explicit(), keys: undefined });
      const wrongKey = await rejection(lastValueFrom(keys.exec('true')));
      await keys.close();
      expect(isJobsError(wrongKey, 'ssh-auth') && wrongKey.tried, String(wrongKey)).to.deep.equal([
        fleet.wrongKey,
      ]);
    });
  });

  describe('keepalive', () => {
    let frozen: number[] = [];
    afterEach(() => {
      signal(frozen, 'SIGCONT');
      frozen = [];
    });

    it('is on by default (5 s, 3 unanswered): a frozen server fails a running command', async function () {
      this.timeout(40_000);
      const node = fleetNode(fleet, 1, { keepalive: undefined, keepaliveCountMax: undefined });
      try {
        let started: () => void = () => undefined;
        const hasStarted = new Promise<void>((resolve) => {
          started = resolve;
        });
        // it would run for a minute; it has started once its first line arrives
        const running = lastValueFrom(
          node.exec('echo started; exec sleep 60').pipe(
            tap(() => {
              started();
            }),
          ),
        );
        await Promise.race([hasStarted, running]);
        frozen = await connectionProcesses(fleet);
        expect(frozen, 'sshd processes of the connection').to.not.deep.equal([]);
        signal(frozen, 'SIGSTOP'); // the TCP connection stays up, but nothing answers the keepalives
        const start = performance.now();
        const e = await rejection(running);
        const elapsed = performance.now() - start;
        expect(isJobsError(e, 'ssh-timeout'), String(e)).to.equal(true);
        expect(isJobsError(e, 'ssh-timeout') && e.phase).to.equal('keepalive');
        // ssh2 pings after 5 s of silence and gives up when a 4th would be due: 20 s after the last packet
        expect(elapsed).to.be.within(14_000, 25_000);
      } finally {
        signal(frozen, 'SIGCONT');
        await node.close();
      }
    });
  });
});
