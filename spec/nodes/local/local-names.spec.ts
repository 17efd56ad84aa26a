// LocalNode's push and pull copy names that are not UTF-8 as they are, byte for byte (both sides are local
// file systems, as for cp -r); a symbolic link whose target is not UTF-8 keeps that target.
import { mkdir, mkdtemp, readFile, readdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { expect } from 'chai';
import { lastValueFrom } from 'rxjs';

import { LocalNode } from '../../../lib/nodes/local/local-node.js';

const raw = (dir: string, ...parts: Buffer[]): Buffer =>
  Buffer.concat([Buffer.from(dir), ...parts.flatMap((p) => [Buffer.from(path.sep), p])]);
const LATIN1 = Buffer.from('caf\xe9.txt', 'latin1');
const BAD_DIR = Buffer.from('d\xff', 'latin1');

describe('LocalNode push and pull of names that are not UTF-8', () => {
  let tmp: string;
  let tree: string;

  beforeEach(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'rxjobs-local-names-'));
    tree = path.join(tmp, 'tree');
    await mkdir(tree);
    await writeFile(path.join(tree, 'ok.txt'), 'ok\n');
    await writeFile(raw(tree, LATIN1), 'latin1\n');
    await mkdir(raw(tree, BAD_DIR));
    await writeFile(raw(tree, BAD_DIR, LATIN1), 'inner\n');
    await symlink(LATIN1, raw(tree, BAD_DIR, Buffer.from('link')));
  });
  afterEach(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  /** The names under `dir/tree`, as bytes shown in hex where they are not UTF-8. */
  const names = async (dir: string) => {
    const top = await readdir(path.join(dir, 'tree'), { encoding: 'buffer' });
    const inner = await readdir(raw(path.join(dir, 'tree'), BAD_DIR), { encoding: 'buffer' });
    return [top, inner].map((list) => list.map((b) => b.toString('hex')).sort());
  };

  for (const verb of ['pull', 'push'] as const)
    it(`${verb} copies them byte for byte, with every other file`, async () => {
      const node = new LocalNode();
      const dest = path.join(tmp, 'dest');
      await lastValueFrom(node[verb]([tree], dest), { defaultValue: undefined });
      expect(await names(dest)).to.deep.equal(await names(tmp));
      const copied = path.join(dest, 'tree');
      expect(await readFile(raw(copied, LATIN1), 'utf8')).to.equal('latin1\n');
      expect(await readFile(raw(copied, BAD_DIR, LATIN1), 'utf8')).to.equal('inner\n');
      expect(await readFile(path.join(copied, 'ok.txt'), 'utf8')).to.equal('ok\n');
      expect(await readlink(raw(copied, BAD_DIR, Buffer.from('link')), { encoding: 'buffer' })).to.deep.equal(
        LATIN1,
      );
    });
});
