// Pull from a hostile server (spec/helpers/hostile-sftp.ts): whatever names its listings answer, nothing is
// written outside LOCALDIR, and the error names the host and the entry. LOCALDIR is a subdirectory of a temp
// dir whose whole tree is checked afterwards.
import { readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { expect } from 'chai';

import { Pull } from '../../../lib/commands/transfer.js';
import { SshNode } from '../../../lib/nodes/ssh/ssh-node.js';
import { runOn, shown } from '../../helpers/command-suite.js';
import type { HostileServer } from '../../helpers/hostile-sftp.js';
import { HOSTILE_TREE, outsideLocal, startHostileSftp, wholeTree } from '../../helpers/hostile-sftp.js';
import { ed25519PrivateKey } from '../../helpers/test-keys.js';

describe('Pull from a hostile SFTP server', function () {
  this.timeout(20_000);
  let server: HostileServer;
  let key: string;
  let keyDir: string;
  let tmp: string;
  let localDir: string;
  let node: SshNode;
  let modesDuringRead: number[];
  let duringRead: (() => void) | undefined;

  before(async () => {
    server = await startHostileSftp(HOSTILE_TREE, {
      onRead: () => {
        if (duringRead !== undefined) {
          duringRead();
          return;
        }
        // the temporary files of the Pull, as another local user would see them mid-transfer
        for (const name of readdirSync(localDir).filter((n) => n.includes('.rxjobs-')))
          modesDuringRead.push(statSync(path.join(localDir, name)).mode & 0o7777);
      },
    });
    keyDir = await mkdtemp(path.join(os.tmpdir(), 'rxjobs-hostile-key-'));
    key = path.join(keyDir, 'client_key');
    await writeFile(key, ed25519PrivateKey(), { mode: 0o600 });
  });
  after(async () => {
    await server.close();
    await rm(keyDir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'rxjobs-hostile-pull-'));
    localDir = path.join(tmp, 'local');
    await mkdir(localDir);
    modesDuringRead = [];
    duringRead = undefined;
    node = nodeFor(server);
  });
  const nodeFor = (on: HostileServer): SshNode =>
    new SshNode({
      hostname: '127.0.0.1',
      port: on.port,
      username: 'any',
      keys: [key],
      agent: false,
      sshConfig: false,
      hostKeyPolicy: 'off',
      connectAttempts: 1,
    });
  afterEach(async () => {
    await node.close();
    await rm(tmp, { recursive: true, force: true });
  });

  /** Runs a real Pull of `remotes` into LOCALDIR: the error it fails with (undefined when it succeeds). */
  const pull = async (remotes: string | readonly string[], options = {}): Promise<Error | undefined> => {
    try {
      await runOn(new Pull(remotes, `${localDir}/`, options), node);
      return undefined;
    } catch (e: unknown) {
      return e as Error;
    }
  };

  /** The error is a TransferError naming the host and `entry` (as JSON), and nothing is outside LOCALDIR. */
  const expectRefused = async (error: Error | undefined, entry: string): Promise<void> => {
    const outside = await outsideLocal(tmp);
    expect(outside, 'written outside LOCALDIR').to.deep.equal([]);
    expect(error, 'the Pull fails').to.be.instanceOf(Error);
    expect(error).to.include({ name: 'TransferError', code: 'transfer' });
    expect(error?.message).to.include('127.0.0.1').and.include(JSON.stringify(entry));
  };

  it('refuses the entry "x/..": nothing lands outside LOCALDIR, files pulled before it stay', async () => {
    const error = await pull(['ok.txt', 'top']);
    await expectRefused(error, 'x/..');
    expect(error?.message).to.match(/^any@127\.0\.0\.1:\d+: top: the server listed the entry "x\/\.\."/);
    expect(await readFile(path.join(localDir, 'ok.txt'), 'utf8')).to.equal('fine\n');
    // the listing of top is refused as a whole, before any of it is copied
    expect(await wholeTree(localDir)).to.deep.equal(['ok.txt', 'top']);
  });

  for (const [dir, entry] of [
    ['up', '../../x'],
    ['abs', '/abs'],
    ['slash', 'a/b'],
    ['nul', 'n\0ul'],
    ['empty', ''],
  ] as const)
    it(`refuses the entry ${JSON.stringify(entry)} of a listing, naming the host and the entry`, async () => {
      await expectRefused(await pull(dir), entry);
      expect(await wholeTree(localDir)).to.deep.equal([dir]);
    });

  it('pulls names that are not UTF-8 under their escaped names, every other file too, and says so', async () => {
    const events = await runOn(new Pull('raw', `${localDir}/`), node);
    const outside = await outsideLocal(tmp);
    expect(outside).to.deep.equal([]);
    expect(await wholeTree(localDir)).to.deep.equal(
      ['raw', 'raw/caf%E9.txt', 'raw/d%FF', 'raw/d%FF/50%25%80', 'raw/d%FF/in.txt', 'raw/ok.txt'].map((p) =>
        p.replaceAll('/', path.sep),
      ),
    );
    const read = (...p: string[]) => readFile(path.join(localDir, 'raw', ...p), 'utf8');
    expect(await read('caf%E9.txt')).to.equal('latin1\n');
    expect(await read('d%FF', '50%25%80')).to.equal('fifty\n');
    expect(await read('d%FF', 'in.txt')).to.equal('in\n');
    expect(await read('ok.txt')).to.equal('ok\n');
    const note = (remote: string) =>
      `stderr:pull: raw/${remote}: the name is not UTF-8: pulled as ${path.join(localDir, 'raw', remote)} (%XX there is the byte XX)`;
    expect(shown(events)).to.deep.equal([
      note('caf%E9.txt'),
      note('d%FF'),
      note('d%FF/50%25%80'),
      `exit 0 null`,
    ]);
    expect(events.filter((e) => e.type === 'line').map((e) => e.node.hostname)).to.deep.equal(
      Array(3).fill('127.0.0.1'),
    );
  });

  it('pulls names that are not UTF-8 from a server that refuses FSTAT, never asking for the escaped names', async () => {
    const refusing = await startHostileSftp(HOSTILE_TREE, { refuseFstat: true });
    const other = nodeFor(refusing);
    try {
      await runOn(new Pull('rawsize', `${localDir}/`), other);
    } finally {
      await other.close();
      await refusing.close();
    }
    expect(await wholeTree(localDir)).to.deep.equal(
      ['rawsize', 'rawsize/caf%E9.txt', 'rawsize/vide%FF'].map((p) => p.replaceAll('/', path.sep)),
    );
    expect(await readFile(path.join(localDir, 'rawsize', 'caf%E9.txt'), 'utf8')).to.equal('latin1\n');
    expect(await readFile(path.join(localDir, 'rawsize', 'vide%FF'), 'utf8')).to.equal('');
    expect(refusing.requests.filter((r) => r.includes('%'))).to.deep.equal([]);
  });

  it('reports a failure whose clean-up fails too (LOCALDIR made a file mid-transfer), never hangs', async () => {
    duringRead = () => {
      duringRead = undefined;
      renameSync(localDir, path.join(tmp, 'moved'));
      writeFileSync(localDir, 'a file now\n'); // the temporary file cannot be removed: ENOTDIR
    };
    const error = await pull('private.txt');
    expect(error).to.include({ name: 'TransferError', code: 'transfer' });
    expect(error?.message).to.match(/^any@127\.0\.0\.1:\d+: private\.txt: ENOTDIR/);
  });

  it('refuses a listing in which an escaped name is also the name of another entry', async () => {
    const error = await pull('clash');
    await expectRefused(error, 'a%FF');
    expect(error?.message).to.include('two entries that would both be "a%FF"');
    expect(await wholeTree(localDir)).to.deep.equal(['clash']);
  });

  it('refuses a name that is not UTF-8 and holds a /, shown escaped', async () => {
    await expectRefused(await pull('rawup'), '%FF/..');
    expect(await wholeTree(localDir)).to.deep.equal(['rawup']);
  });

  it('pulls dir/.. into LOCALDIR itself, as scp does; refuses a file that the server calls dir/..', async () => {
    expect(await pull('dir/..')).to.equal(undefined);
    expect(await wholeTree(localDir)).to.deep.equal(['up.txt']);
    const error = await pull('file/..');
    expect(error).to.include({ name: 'TransferError', code: 'transfer' });
    expect(error?.message).to.include(`file/..: refused: the local path ${localDir} is outside`);
    const outside = await outsideLocal(tmp);
    expect(outside).to.deep.equal([]);
  });

  it('refuses a directory that contains itself after 64 levels, as OpenSSH sftp does', async () => {
    const error = await pull('loop');
    expect(error).to.include({ name: 'TransferError', code: 'transfer' });
    expect(error?.message)
      .to.include('127.0.0.1')
      .and.include(': loop: more than 64 directory levels below it');
    const outside = (await wholeTree(tmp)).filter((p) => !p.startsWith('local'));
    expect(outside).to.deep.equal([]);
  });

  it('never writes through a symbolic link already under LOCALDIR', async () => {
    await mkdir(path.join(tmp, 'elsewhere'));
    await symlink(path.join(tmp, 'elsewhere'), path.join(localDir, 'linked'));
    const error = await pull('linked');
    expect(error).to.include({ name: 'TransferError', code: 'transfer' });
    expect(error?.message).to.include(': linked: refused').and.include('symbolic link');
    expect(await readdir(path.join(tmp, 'elsewhere'))).to.deep.equal([]);
  });

  it('drops setuid, setgid and sticky bits; keeps the permission bits by default (preserve)', async () => {
    expect(await pull('suid.bin')).to.equal(undefined);
    expect((await stat(path.join(localDir, 'suid.bin'))).mode & 0o7777).to.equal(0o777);
  });

  it('with preserve: false, applies the local umask as sftp get without -p does', async () => {
    const old = process.umask(0o027);
    try {
      expect(await pull('suid.bin', { preserve: false })).to.equal(undefined);
    } finally {
      process.umask(old);
    }
    expect((await stat(path.join(localDir, 'suid.bin'))).mode & 0o7777).to.equal(0o750);
  });

  it('writes into a temporary file of mode 0600, which gets its final mode at the rename', async () => {
    const old = process.umask(0o022);
    try {
      expect(await pull('private.txt')).to.equal(undefined);
      expect(await pull('suid.bin')).to.equal(undefined);
    } finally {
      process.umask(old);
    }
    expect(modesDuringRead).to.not.deep.equal([]);
    expect(new Set(modesDuringRead)).to.deep.equal(new Set([0o600]));
    expect((await stat(path.join(localDir, 'private.txt'))).mode & 0o777).to.equal(0o600);
  });
});
