// rxssh push and pull end to end. The fleet's hosts share this machine's file system, so each host's copy
// is told apart by its local name ({host} in local paths) or its LOCALDIR/{host}/ directory.
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { expect } from 'chai';

import { fleetArgs, linesOf, runCli, useCliFleet } from '../helpers/cli.js';

/** Every file below `root`, as sorted relative paths. */
const tree = async (root: string): Promise<string[]> =>
  (await readdir(root, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(root.length + 1))
    .sort();

describe('rxssh push and pull (real hosts)', function () {
  this.timeout(60_000);
  const { fleet, dir } = useCliFleet(2, 'rxssh-transfer-');
  let local: string;
  let remote: string;
  /** `rxssh SUBCOMMAND` with {@link fleetArgs} after the subcommand, in `local`. */
  const rxssh = (args: readonly string[]) =>
    runCli('rxssh', [args[0] ?? '', ...fleetArgs(fleet()), ...args.slice(1)], { cwd: local });

  beforeEach(async () => {
    local = await mkdtemp(join(dir(), 'local-'));
    remote = await mkdtemp(join(dir(), 'remote-'));
  });

  it('push LOCAL @:DIR copies a file onto every host', async () => {
    await writeFile(join(local, 'f.txt'), 'pushed\n');
    const r = await rxssh(['push', '-t', '127.0.0.[2-3]', 'f.txt', `@:${remote}/in`]);
    expect([r.code, r.stdout, r.stderr]).to.deep.equal([0, '', 'rxssh push: 2 of 2 hosts ok\n']);
    expect(await tree(remote)).to.deep.equal(['in/f.txt']);
    expect(await readFile(join(remote, 'in', 'f.txt'), 'utf8')).to.equal('pushed\n');
  });

  it('push expands {host} in local paths: each host gets its own file, directories too', async () => {
    for (const a of ['127.0.0.2', '127.0.0.3']) await writeFile(join(local, `local-${a}.txt`), `for ${a}\n`);
    await mkdir(join(local, 'tree', 'sub'), { recursive: true });
    await writeFile(join(local, 'tree', 'sub', 'deep.txt'), 'deep\n');
    const r = await rxssh(['push', '-t', '127.0.0.2,127.0.0.3', 'local-{host}.txt', 'tree', `@:${remote}`]);
    expect(r.code, r.stderr).to.equal(0);
    expect(await tree(remote)).to.deep.equal([
      'local-127.0.0.2.txt',
      'local-127.0.0.3.txt',
      'tree/sub/deep.txt',
    ]);
    expect(await readFile(join(remote, 'local-127.0.0.3.txt'), 'utf8')).to.equal('for 127.0.0.3\n');
  });

  it('pull @:FILE LOCALDIR gives LOCALDIR/<host>/FILE for each host', async () => {
    await writeFile(join(remote, 'data.txt'), 'remote data\n');
    const r = await rxssh(['pull', '-t', '127.0.0.[2-3]', `@:${join(remote, 'data.txt')}`, 'got']);
    expect([r.code, r.stdout, r.stderr]).to.deep.equal([0, '', 'rxssh pull: 2 of 2 hosts ok\n']);
    expect(await tree(join(local, 'got'))).to.deep.equal(['127.0.0.2/data.txt', '127.0.0.3/data.txt']);
    expect(await readFile(join(local, 'got', '127.0.0.2', 'data.txt'), 'utf8')).to.equal('remote data\n');
  });

  it('pull from a single host also goes to LOCALDIR/<host>/, as the help says', async () => {
    await writeFile(join(remote, 'one.txt'), 'one\n');
    const r = await rxssh(['pull', '-t', '127.0.0.3', `@:${join(remote, 'one.txt')}`, 'got']);
    expect([r.code, r.stderr]).to.deep.equal([0, 'rxssh pull: 1 of 1 host ok\n']);
    expect(await tree(join(local, 'got'))).to.deep.equal(['127.0.0.3/one.txt']);
  });

  it('pull into a LOCALDIR with {host} puts each host where it says', async () => {
    await writeFile(join(remote, 'data.txt'), 'x\n');
    const r = await rxssh(['pull', '-t', '127.0.0.[2-3]', `@:${join(remote, 'data.txt')}`, 'from-{host}']);
    expect(r.code, r.stderr).to.equal(0);
    expect(await tree(local)).to.deep.equal(['from-127.0.0.2/data.txt', 'from-127.0.0.3/data.txt']);
  });

  it('a missing remote file fails that transfer: exit 1, transfer failed', async () => {
    const missing = join(remote, 'missing.txt');
    const r = await rxssh(['pull', '-t', '127.0.0.2', `@:${missing}`, 'got']);
    expect(r.code).to.equal(1);
    expect(linesOf(r.stderr)).to.deep.equal([
      'rxssh: 1 of 1 host failed:',
      `  127.0.0.2  transfer failed  ${fleet().user}@127.0.0.2:${String(fleet().port)}: ${missing}: no such remote file or directory`,
      'rxssh pull: 0 of 1 host ok',
    ]);
  });
});
