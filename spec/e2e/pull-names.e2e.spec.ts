// Pull of names that are awkward for a local directory, through a real sshd (the fleet's hosts are this
// machine, so the "remote" tree is a directory under the fleet's): a remote name that is not UTF-8 is pulled
// under its escaped name (each byte outside UTF-8 as %XX, a % of such a name as %25) and reported; a remote
// path ending in `..` is copied into LOCALDIR itself, as scp does, and `rxssh pull @:dir/..` from several
// hosts fills each host's own directory.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

import { expect } from 'chai';

import { Pull, Push } from '../../lib/commands/transfer.js';
import type { CommandEvent } from '../../lib/nodes/command-event.js';
import { runOn } from '../helpers/command-suite.js';
import { wholeTree } from '../helpers/hostile-sftp.js';
import { fleetNode } from '../helpers/ssh-nodes.js';
import type { Fleet } from '../helpers/sshd.js';
import { startFleet } from '../helpers/sshd.js';
import { ensureBuilt, fleetArgs, linesOf, runCli } from '../helpers/cli.js';

/** A path under `dir` whose last components are the given bytes (Node takes Buffer paths as they are). */
const rawPath = (dir: string, ...parts: (string | Buffer)[]): Buffer =>
  Buffer.concat([Buffer.from(dir), ...parts.flatMap((p) => [Buffer.from('/'), Buffer.from(p)])]);

const LATIN1 = Buffer.from('caf\xe9.txt', 'latin1'); // é in Latin-1: one byte, not UTF-8
const BAD_DIR = Buffer.from([0x62, 0x61, 0x64, 0xff, 0xfe]); // bad\xff\xfe
const INNER = Buffer.from([0x25, 0x69, 0x6e, 0x80]); // %in\x80: a % in a name that is escaped

/** `dir/tree`: two files and a directory whose names are not UTF-8, and three that are. */
const awkwardTree = async (dir: string): Promise<string> => {
  const tree = path.join(dir, 'tree');
  await mkdir(tree);
  await writeFile(path.join(tree, 'ok.txt'), 'ok\n');
  await writeFile(path.join(tree, '100%.txt'), 'percent\n'); // valid UTF-8: kept as it is
  await writeFile(path.join(tree, 'été.txt'), 'utf8\n');
  await writeFile(rawPath(tree, LATIN1), 'latin1\n');
  await mkdir(rawPath(tree, BAD_DIR));
  await writeFile(rawPath(tree, BAD_DIR, INNER), 'inner\n');
  await writeFile(rawPath(tree, BAD_DIR, 'fine.txt'), 'fine\n');
  return tree;
};

describe('Pull of awkward names (real sshd)', function () {
  this.timeout(60_000);
  let fleet: Fleet;
  let tmp: string;
  let local: string;
  let remote: string;

  before(async () => {
    fleet = await startFleet({ hosts: 2 });
  });
  after(async () => {
    await fleet.stop();
  });
  beforeEach(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'rxjobs-names-'));
    local = path.join(tmp, 'local');
    await mkdir(local);
    remote = await mkdtemp(path.join(fleet.dir, 'remote-'));
  });
  afterEach(async () => {
    await rm(tmp, { recursive: true, force: true });
    await rm(remote, { recursive: true, force: true });
  });

  /** `address:port` of the fleet's first host, as errors name it. */
  const hostPort = (): string => `${fleet.hosts[0]?.address ?? ''}:${String(fleet.hosts[0]?.port)}`;

  /** Every path of the temp dir outside LOCALDIR. */
  const outside = async (): Promise<string[]> =>
    (await wholeTree(tmp)).filter((p) => p !== 'local' && !p.startsWith(`local${path.sep}`));

  it('pulls names that are not UTF-8 under their escaped names, with every other file, and reports them', async () => {
    const tree = await awkwardTree(remote);
    const node = fleetNode(fleet);
    let events: CommandEvent[];
    try {
      events = await runOn(new Pull(tree, `${local}/`), node);
    } finally {
      await node.close();
    }
    expect(await outside()).to.deep.equal([]);
    expect(await wholeTree(local)).to.deep.equal(
      [
        'tree',
        'tree/100%.txt',
        'tree/bad%FF%FE',
        'tree/bad%FF%FE/%25in%80',
        'tree/bad%FF%FE/fine.txt',
        'tree/caf%E9.txt',
        'tree/ok.txt',
        'tree/été.txt',
      ].map((p) => p.replaceAll('/', path.sep)),
    );
    const read = (...parts: string[]) => readFile(path.join(local, 'tree', ...parts), 'utf8');
    expect(await read('caf%E9.txt')).to.equal('latin1\n');
    expect(await read('bad%FF%FE', '%25in%80')).to.equal('inner\n');
    expect(await read('bad%FF%FE', 'fine.txt')).to.equal('fine\n');
    expect(await read('100%.txt')).to.equal('percent\n');
    expect(await read('été.txt')).to.equal('utf8\n');
    const lines = events.flatMap((e) => (e.type === 'line' ? [`${e.stream} ${e.text}`] : [])).sort();
    const note = (r: string, l: string) =>
      `stderr pull: ${tree}/${r}: the name is not UTF-8: pulled as ${path.join(local, 'tree', l)} (%XX there is the byte XX)`;
    expect(lines).to.deep.equal(
      [
        note('bad%FF%FE', 'bad%FF%FE'),
        note('bad%FF%FE/%25in%80', path.join('bad%FF%FE', '%25in%80')),
        note('caf%E9.txt', 'caf%E9.txt'),
      ].sort(),
    );
    expect(events.at(-1)).to.include({ type: 'exit', code: 0 });
  });

  it('Push sends local names that are not UTF-8 under their escaped names, and reports them', async () => {
    const tree = await awkwardTree(tmp);
    const node = fleetNode(fleet);
    let events: CommandEvent[];
    try {
      events = await runOn(new Push(tree, remote), node);
    } finally {
      await node.close();
    }
    expect(await wholeTree(remote)).to.deep.equal(
      [
        'tree',
        'tree/100%.txt',
        'tree/bad%FF%FE',
        'tree/bad%FF%FE/%25in%80',
        'tree/bad%FF%FE/fine.txt',
        'tree/caf%E9.txt',
        'tree/ok.txt',
        'tree/été.txt',
      ].map((p) => p.replaceAll('/', path.sep)),
    );
    const read = (...parts: string[]) => readFile(path.join(remote, 'tree', ...parts), 'utf8');
    expect(await read('caf%E9.txt')).to.equal('latin1\n');
    expect(await read('bad%FF%FE', '%25in%80')).to.equal('inner\n');
    expect(await read('bad%FF%FE', 'fine.txt')).to.equal('fine\n');
    const note = (p: string) =>
      `stderr push: ${tree}/${p}: the name is not UTF-8: pushed as ${remote}/tree/${p} (%XX there is the byte XX)`;
    expect(events.flatMap((e) => (e.type === 'line' ? [`${e.stream} ${e.text}`] : [])).sort()).to.deep.equal(
      [note('bad%FF%FE'), note('bad%FF%FE/%25in%80'), note('caf%E9.txt')].sort(),
    );
  });

  it('Push refuses a directory where an escaped name would be the name of another entry, before copying it', async () => {
    const tree = path.join(tmp, 'clash');
    await mkdir(tree);
    await writeFile(rawPath(tree, Buffer.from('a\xff', 'latin1')), 'raw\n');
    await writeFile(path.join(tree, 'a%FF'), 'plain\n');
    const node = fleetNode(fleet);
    let error: unknown;
    try {
      await runOn(new Push(tree, remote), node);
    } catch (e: unknown) {
      error = e;
    } finally {
      await node.close();
    }
    expect(error).to.include({ name: 'TransferError', code: 'transfer' });
    expect((error as Error).message).to.include(
      `${tree}: "a%FF" is the escaped name of one entry and the name of another: refused`,
    );
    expect(await wholeTree(remote)).to.deep.equal(['clash']);
  });

  it('refuses a name that is not UTF-8 and too long once escaped (200 bytes, 600 escaped), naming host and entry', async () => {
    const tree = path.join(remote, 'long');
    await mkdir(tree);
    await writeFile(path.join(tree, 'ok.txt'), 'ok\n');
    await writeFile(rawPath(tree, Buffer.alloc(200, 0xff)), 'long\n');
    const node = fleetNode(fleet);
    let error: unknown;
    try {
      await runOn(new Pull(tree, `${local}/`), node);
    } catch (e: unknown) {
      error = e;
    } finally {
      await node.close();
    }
    expect(error).to.include({ name: 'TransferError', code: 'transfer', path: tree });
    expect((error as Error).message)
      .to.include(`@${hostPort()}: ${tree}: the server listed the entry "${'%FF'.repeat(200)}"`)
      .and.include(
        'whose name is not UTF-8 and escaped is 600 bytes long, more than the 255 of a local name',
      );
    expect(await outside()).to.deep.equal([]);
    expect(await wholeTree(local)).to.deep.equal(['long']); // the listing refused before any of it is copied
  });

  it('pulls and pushes a name of 244 bytes: its temporary name is cut to fit', async () => {
    const name = `${'é'.repeat(120)}.txt`; // 244 bytes
    await writeFile(path.join(remote, name), 'long\n');
    const node = fleetNode(fleet);
    try {
      await runOn(new Pull(path.join(remote, name), `${local}/`), node);
      await runOn(new Push(path.join(local, name), path.join(remote, 'back')), node);
    } finally {
      await node.close();
    }
    expect(await readFile(path.join(local, name), 'utf8')).to.equal('long\n');
    expect(await readFile(path.join(remote, 'back', name), 'utf8')).to.equal('long\n');
    expect(await wholeTree(local)).to.deep.equal([name]);
  });

  describe('with an ssh2 whose SFTP internals are not those known (one of them missing)', () => {
    // ssh2 1.17 numbers requests from _writeReqid: one missing when the session is ready makes the check of
    // the internals fail (ssh2 itself works as before: its next request sets it again)
    const require = createRequire(import.meta.url);
    const { SFTP } = require('ssh2/lib/protocol/SFTP.js') as {
      SFTP: {
        prototype: { emit(this: { _writeReqid?: number }, event: string, ...args: unknown[]): boolean };
      };
    };
    before(() => {
      const emit = Object.getPrototypeOf(SFTP.prototype) as typeof SFTP.prototype;
      SFTP.prototype.emit = function (event, ...args) {
        if (event === 'ready') delete this._writeReqid;
        return emit.emit.call(this, event, ...args);
      };
    });
    after(() => {
      Reflect.deleteProperty(SFTP.prototype, 'emit');
    });

    it('pulls a tree whose names are all UTF-8 as before', async () => {
      const tree = path.join(remote, 'utf8');
      await mkdir(path.join(tree, 'sub'), { recursive: true });
      await writeFile(path.join(tree, '100%.txt'), 'percent\n');
      await writeFile(path.join(tree, 'été.txt'), 'utf8\n');
      await writeFile(path.join(tree, 'sub', 'in.txt'), 'in\n');
      const node = fleetNode(fleet, 0, { worker: false }); // ssh2 is patched in this thread
      let events: CommandEvent[];
      try {
        events = await runOn(new Pull(tree, `${local}/`), node);
      } finally {
        await node.close();
      }
      expect(await wholeTree(local)).to.deep.equal(
        ['utf8', 'utf8/100%.txt', 'utf8/sub', 'utf8/sub/in.txt', 'utf8/été.txt'].map((p) =>
          p.replaceAll('/', path.sep),
        ),
      );
      expect(await readFile(path.join(local, 'utf8', 'été.txt'), 'utf8')).to.equal('utf8\n');
      expect(events.filter((e) => e.type === 'line')).to.deep.equal([]);
      expect(events.at(-1)).to.include({ type: 'exit', code: 0 });
    });

    it('refuses a name that is not UTF-8 with a clear error naming host and entry, nothing of it written', async () => {
      const tree = await awkwardTree(remote);
      const node = fleetNode(fleet, 0, { worker: false }); // ssh2 is patched in this thread
      let error: unknown;
      try {
        await runOn(new Pull(tree, `${local}/`), node);
      } catch (e: unknown) {
        error = e;
      } finally {
        await node.close();
      }
      expect(error).to.include({ name: 'TransferError', code: 'transfer', path: tree });
      expect((error as Error).message).to.match(
        new RegExp(
          `@${hostPort().replaceAll('.', '\\.')}: ${tree}: the server listed the entry "(bad\ufffd\ufffd|caf\ufffd\\.txt)": ` +
            'cannot copy a name that is not UTF-8 with this ssh2 version',
        ),
      );
      expect(await outside()).to.deep.equal([]);
      expect(await wholeTree(local)).to.deep.equal(['tree']);
    });
  });

  it('Pull of dir/.. copies the parent directory into LOCALDIR itself, as scp does', async () => {
    await mkdir(path.join(remote, 'dir'));
    await writeFile(path.join(remote, 'top.txt'), 'top\n');
    await writeFile(path.join(remote, 'dir', 'in.txt'), 'in\n');
    const node = fleetNode(fleet);
    try {
      await runOn(new Pull(`${remote}/dir/..`, `${local}/`), node);
    } finally {
      await node.close();
    }
    expect(await outside()).to.deep.equal([]);
    expect(await wholeTree(local)).to.deep.equal(['dir', path.join('dir', 'in.txt'), 'top.txt']);
  });

  describe('rxssh pull (built CLI)', () => {
    before(async function () {
      this.timeout(180_000);
      await ensureBuilt();
    });

    it('pull @:dir/.. from two hosts: each host complete in its own LOCALDIR/<host>/', async () => {
      await mkdir(path.join(remote, 'dir'));
      await writeFile(path.join(remote, 'top.txt'), 'top\n');
      await writeFile(path.join(remote, 'dir', 'in.txt'), 'in\n');
      const r = await runCli(
        'rxssh',
        ['pull', ...fleetArgs(fleet), '-t', '127.0.0.[2-3]', `@:${remote}/dir/..`, 'local'],
        { cwd: tmp },
      );
      expect([r.code, r.stderr]).to.deep.equal([0, 'rxssh pull: 2 of 2 hosts ok\n']);
      expect(await outside()).to.deep.equal([]);
      const host = (h: string) => [h, ...['dir', 'dir/in.txt', 'top.txt'].map((p) => path.join(h, p))];
      expect(await wholeTree(local)).to.deep.equal([...host('127.0.0.2'), ...host('127.0.0.3')]);
    });

    it('push of a directory with names that are not UTF-8: exit 0, escaped names, one line for each', async () => {
      const tree = await awkwardTree(tmp);
      const r = await runCli('rxssh', ['push', ...fleetArgs(fleet), '-t', '127.0.0.2', tree, `@:${remote}`], {
        cwd: tmp,
      });
      const note = (p: string) =>
        `127.0.0.2:push: ${tree}/${p}: the name is not UTF-8: pushed as ${remote}/tree/${p} (%XX there is the byte XX)`;
      expect([r.code, linesOf(r.stderr).sort()]).to.deep.equal([
        0,
        [
          note('bad%FF%FE'),
          note('bad%FF%FE/%25in%80'),
          note('caf%E9.txt'),
          'rxssh push: 1 of 1 host ok',
        ].sort(),
      ]);
      expect(await readFile(path.join(remote, 'tree', 'caf%E9.txt'), 'utf8')).to.equal('latin1\n');
      expect(await readFile(path.join(remote, 'tree', 'bad%FF%FE', '%25in%80'), 'utf8')).to.equal('inner\n');
    });

    it('pull of a directory with names that are not UTF-8: exit 0, escaped names, one line for each', async () => {
      const tree = await awkwardTree(remote);
      const r = await runCli(
        'rxssh',
        ['pull', ...fleetArgs(fleet), '-t', '127.0.0.2', `@:${tree}`, 'local'],
        {
          cwd: tmp,
        },
      );
      expect(r.code, r.stderr).to.equal(0);
      const got = path.join(local, '127.0.0.2', 'tree');
      expect(linesOf(r.stdout).sort()).to.deep.equal([]);
      const note = (p: string) =>
        `127.0.0.2:pull: ${tree}/${p}: the name is not UTF-8: pulled as ${path.join(got, p)} (%XX there is the byte XX)`;
      expect(linesOf(r.stderr).sort()).to.deep.equal(
        [
          note('bad%FF%FE'),
          note('bad%FF%FE/%25in%80'),
          note('caf%E9.txt'),
          'rxssh pull: 1 of 1 host ok',
        ].sort(),
      );
      expect(await readFile(path.join(got, 'caf%E9.txt'), 'utf8')).to.equal('latin1\n');
      expect(await readFile(path.join(got, 'bad%FF%FE', '%25in%80'), 'utf8')).to.equal('inner\n');
      expect(await outside()).to.deep.equal([]);
    });
  });
});
