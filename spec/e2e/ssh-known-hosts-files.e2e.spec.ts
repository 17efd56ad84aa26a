// Which known_hosts files an SshNode reads and appends to: every file of the ssh config's
// UserKnownHostsFile, and OpenSSH's defaults otherwise.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { expect } from 'chai';
import { lastValueFrom } from 'rxjs';

import { isJobsError } from '../../lib/errors/jobs-error.js';
import { exitStatus } from '../../lib/nodes/operators.js';
import { SshNode } from '../../lib/nodes/ssh/ssh-node.js';
import type { Fleet } from '../helpers/sshd.js';
import { startFleet } from '../helpers/sshd.js';

describe('SshNode known_hosts files (real sshd)', function () {
  this.timeout(30_000);
  let fleet: Fleet;
  let dir: string;
  const savedHome = process.env['HOME'];

  before(async () => {
    fleet = await startFleet({ hosts: 2 });
    dir = await mkdtemp(path.join(os.tmpdir(), 'rxjobs-known-'));
  });
  after(async () => {
    process.env['HOME'] = savedHome;
    await fleet.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const node = (hostname: string, more: Record<string, unknown> = {}): SshNode =>
    new SshNode({
      hostname,
      port: fleet.port,
      username: fleet.user,
      keys: [fleet.clientKey],
      agent: false,
      hostKeyPolicy: 'strict',
      ...more,
    });
  const runs = async (n: SshNode): Promise<number | null> => {
    try {
      return (await lastValueFrom(n.exec('true').pipe(exitStatus()))).code;
    } finally {
      await n.close();
    }
  };
  /** The fleet's known_hosts line for one address. */
  const lineFor = async (address: string): Promise<string> => {
    const all = (await readFile(fleet.knownHosts, 'utf8')).split('\n');
    const line = all.find((l) => l.startsWith(`[${address}]:`));
    if (line === undefined) throw new Error(`no known_hosts line for ${address}`);
    return `${line}\n`;
  };

  it("reads every file of the config's UserKnownHostsFile, and appends to the first", async () => {
    const first = path.join(dir, 'first');
    const second = path.join(dir, 'second');
    await writeFile(first, '');
    await writeFile(second, await lineFor('127.0.0.2'));
    const config = path.join(dir, 'config');
    await writeFile(config, `Host *\n  UserKnownHostsFile ${first} ${second}\n`);
    // strict: the host key is only in the second file
    expect(await runs(node('127.0.0.2', { sshConfig: config }))).to.equal(0);
    // accept-new: a host in neither file is learnt into the first
    expect(await runs(node('127.0.0.3', { sshConfig: config, hostKeyPolicy: 'accept-new' }))).to.equal(0);
    expect(await readFile(first, 'utf8')).to.match(/^\[127\.0\.0\.3\]:\d+ ssh-ed25519 /);
    expect(await readFile(second, 'utf8')).to.equal(await lineFor('127.0.0.2'));
  });

  it("an explicit knownHosts wins over the config's UserKnownHostsFile", async () => {
    const config = path.join(dir, 'config-other');
    await writeFile(config, `Host *\n  UserKnownHostsFile ${path.join(dir, 'empty')}\n`);
    await writeFile(path.join(dir, 'empty'), '');
    expect(await runs(node('127.0.0.2', { sshConfig: config, knownHosts: fleet.knownHosts }))).to.equal(0);
  });

  it('UserKnownHostsFile none, or knownHosts: []: no user file is read or written', async () => {
    const home = path.join(dir, 'home-none');
    await mkdir(path.join(home, '.ssh'), { recursive: true });
    // were the defaults read, strict would accept the host
    await writeFile(path.join(home, '.ssh', 'known_hosts'), await lineFor('127.0.0.2'));
    const config = path.join(dir, 'config-none');
    await writeFile(config, 'Host *\n  UserKnownHostsFile none\n');
    process.env['HOME'] = home;
    try {
      for (const options of [{ sshConfig: config }, { sshConfig: false, knownHosts: [] }]) {
        const refused = await runs(node('127.0.0.2', options)).catch((e: unknown) => e);
        expect(isJobsError(refused, 'host-key') && refused.problem, String(refused)).to.equal('unknown');
        // accept-new accepts the host, and remembers it nowhere
        expect(await runs(node('127.0.0.3', { ...options, hostKeyPolicy: 'accept-new' }))).to.equal(0);
        expect(await readFile(path.join(home, '.ssh', 'known_hosts'), 'utf8')).to.equal(
          await lineFor('127.0.0.2'),
        );
      }
    } finally {
      process.env['HOME'] = savedHome;
    }
  });

  it('reads ~/.ssh/known_hosts2 too by default, as OpenSSH does', async () => {
    const home = path.join(dir, 'home');
    await mkdir(path.join(home, '.ssh'), { recursive: true });
    await writeFile(path.join(home, '.ssh', 'known_hosts2'), await lineFor('127.0.0.2'));
    process.env['HOME'] = home;
    try {
      expect(await runs(node('127.0.0.2', { sshConfig: false }))).to.equal(0);
    } finally {
      process.env['HOME'] = savedHome;
    }
  });
});
