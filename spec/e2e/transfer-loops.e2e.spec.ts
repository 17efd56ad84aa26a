// Push and Pull follow symbolic links (as scp -r does): a link back to a directory being copied is a loop,
// detected at once and reported, not followed 40 levels deep. The fleet's host is this machine, so the
// "remote" tree is a directory under the fleet's.
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { expect } from 'chai';

import { Pull, Push } from '../../lib/commands/transfer.js';
import { runOn } from '../helpers/command-suite.js';
import { fleetNode } from '../helpers/ssh-nodes.js';
import type { Fleet } from '../helpers/sshd.js';
import { startFleet } from '../helpers/sshd.js';

/** Every path below `root`, relative and sorted (links not followed). */
const wholeTree = async (root: string): Promise<string[]> =>
  (await readdir(root, { recursive: true, withFileTypes: true }))
    .map((e) => path.join(e.parentPath, e.name).slice(root.length + 1))
    .sort();

/** `dir/tree` holding `f.txt` and `loop`, a symbolic link to `tree` itself. */
const loopTree = async (dir: string): Promise<string> => {
  const tree = path.join(dir, 'tree');
  await mkdir(tree);
  await writeFile(path.join(tree, 'f.txt'), 'f\n');
  await symlink('.', path.join(tree, 'loop'));
  return tree;
};

const failure = async (run: Promise<unknown>): Promise<Error> => {
  try {
    await run;
  } catch (e: unknown) {
    return e as Error;
  }
  throw new Error('expected the transfer to fail');
};

describe('Push and Pull over a symbolic link loop (real sshd)', function () {
  this.timeout(30_000);
  let fleet: Fleet;
  let local: string;
  let remote: string;

  before(async () => {
    fleet = await startFleet({ hosts: 1 });
  });
  after(async () => {
    await fleet.stop();
  });
  beforeEach(async () => {
    local = await mkdtemp(path.join(os.tmpdir(), 'rxjobs-loops-'));
    remote = await mkdtemp(path.join(fleet.dir, 'remote-'));
  });
  afterEach(async () => {
    await rm(local, { recursive: true, force: true });
    await rm(remote, { recursive: true, force: true });
  });

  it('Push reports the loop, naming the host and the link, after one level', async () => {
    const tree = await loopTree(local);
    const node = fleetNode(fleet);
    try {
      const error = await failure(runOn(new Push(tree, remote), node));
      expect(error).to.include({ name: 'TransferError', code: 'transfer' });
      expect(error.message)
        .to.include('127.0.0.')
        .and.include(`${path.join(tree, 'loop')}: a symbolic link loop (it is ${tree}, which contains it)`);
    } finally {
      await node.close();
    }
    // f.txt is copied or not, as the listing's order puts it before the link or after: nothing deeper
    expect(await wholeTree(remote))
      .to.include('tree')
      .and.satisfy((paths: string[]) => paths.every((p) => p === 'tree' || p === path.join('tree', 'f.txt')));
  });

  it('Pull reports the loop, naming the host and the link, after one level', async () => {
    const tree = await loopTree(remote);
    const node = fleetNode(fleet);
    try {
      const error = await failure(runOn(new Pull(tree, `${local}/`), node));
      expect(error).to.include({ name: 'TransferError', code: 'transfer' });
      expect(error.message)
        .to.include('127.0.0.')
        .and.include(`${path.join(tree, 'loop')}: a symbolic link loop (it is ${tree}, which contains it)`);
    } finally {
      await node.close();
    }
    // f.txt is copied or not, as the listing's order puts it before the link or after: nothing deeper
    expect(await wholeTree(local))
      .to.include('tree')
      .and.satisfy((paths: string[]) => paths.every((p) => p === 'tree' || p === path.join('tree', 'f.txt')));
  });
});
